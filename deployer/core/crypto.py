"""Encryption at rest for secrets stored in the database (Fernet, keys from the settings)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored secret cannot be decrypted: DEPLOYER_ENCRYPTION_KEY does not hold the key "
            "it was encrypted with."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted; an empty string is stored as is."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value: object) -> str:
        text = "" if value is None else str(value)
        return encrypt(text) if text else ""
