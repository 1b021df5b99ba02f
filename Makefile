# The two commands a new user needs: `make run` and `make test`. Everything else supports them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/deployer
PYTEST_ARGS ?= -n 2

.PHONY: run test check lint test-sqlite test-postgres install install-test chromium bench clean

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py ensure_admin
	exec $(BIN)/python manage.py up

test: install-test chromium lint test-sqlite test-postgres

# The inner loop: lint, then the tests that start no processes and drive no browser.
check: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow and not browser" -q

test-sqlite: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The second database reruns only what can differ with it: the tests that use the database
# (of the slow ones, those marked `database`: the queue, the workers, what is stored).
# The browser drives the same pages whatever the database: its tests run once, on SQLite.
test-postgres: install-test
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS) -m "not browser" --database-tests-only

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy deployer steps targets
	$(BIN)/lint-imports
	DEPLOYER_DEBUG=false DEPLOYER_HTTPS=true DEPLOYER_ALLOWED_HOSTS=deployer.example.com \
	DEPLOYER_SECRET_KEY=lint-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install-test
	$(BIN)/python bench/run.py

# The virtualenv is rebuilt when pyproject.toml changes; the stamp records what was installed.
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/requirements.py > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python scripts/requirements.py test > $(VENV)/requirements-test.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements-test.txt
	touch $@

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
