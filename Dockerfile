# One image for every role; the command picks it (see compose.yaml and docs/operations.md):
#   web:     gunicorn deployer.wsgi --bind 0.0.0.0:8000 ...   (the default)
#   worker:  python manage.py qcluster
#   migrate: python manage.py migrate --no-input
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEPLOYER_DATA_DIR=/data \
    DEPLOYER_SANDBOX=off

WORKDIR /app

# Dependencies first, from the pins in pyproject.toml: a code change does not reinstall them.
COPY pyproject.toml ./
COPY scripts/requirements.py scripts/
RUN python scripts/requirements.py > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY manage.py ./
COPY deployer deployer/
COPY steps steps/
COPY targets targets/
COPY templates templates/
COPY static static/

RUN useradd --system --uid 10001 --home-dir /data deployer \
    && mkdir -p /data && chown deployer /data
USER deployer
VOLUME /data
EXPOSE 8000

CMD ["gunicorn", "deployer.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", \
     "--graceful-timeout", "10", "--access-logfile", "-"]
