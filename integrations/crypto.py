"""Encryption at rest for the external desks' secrets: tokens, client secrets, signing secrets.

Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) seals each value; a
ciphertext is a url-safe base64 string that starts with ``gAAAAA``. The keys come from
``settings.INTEGRATIONS_ENCRYPTION_KEY``, a list read from the comma-separated environment
variable of the same name:

- The first key encrypts; every key decrypts (``MultiFernet``). To rotate, put a new key
  first, keep the old ones after it, run ``manage.py reencrypt_secrets``,
  then drop the old keys.
- Unset, one key is derived from ``SECRET_KEY`` with HKDF-SHA256 (and one from each of
  ``SECRET_KEY_FALLBACKS``, for decrypting only). That keeps development and tests free of
  set-up, but ties the secrets to ``SECRET_KEY``: rotating it without a fallback makes them
  unreadable, and whoever has it can read them. In production (``DEBUG`` off) the system check
  ``integrations.W001`` says so. Once a key is set, the derived keys still decrypt (after the
  configured ones), so secrets stored before it was set stay readable until re-encrypted.

The empty string stands for "not set" and is stored as it is, so blank fields stay blank.

Make a key with ``python -m integrations.crypto``.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks

# Changing this changes every derived key: stored secrets would no longer decrypt.
_DERIVATION_INFO = b"helpdesk.integrations.secrets.v1"


class DecryptionError(ValueError):
    """A stored secret that none of the configured keys opens (or that is not a ciphertext)."""


def generate_key() -> str:
    """A new random Fernet key, as ``INTEGRATIONS_ENCRYPTION_KEY`` expects it."""
    return Fernet.generate_key().decode("ascii")


def derive_key(secret: str) -> bytes:
    """The Fernet key derived from ``secret`` (a ``SECRET_KEY``): HKDF-SHA256 without salt."""
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(material)


def uses_derived_key() -> bool:
    """True when no ``INTEGRATIONS_ENCRYPTION_KEY`` is set and secrets hang on ``SECRET_KEY``."""
    return not settings.INTEGRATIONS_ENCRYPTION_KEY


def _keys() -> tuple[bytes, ...]:
    configured = tuple(key.encode("ascii") for key in settings.INTEGRATIONS_ENCRYPTION_KEY)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    derived = tuple(derive_key(secret) for secret in secrets)
    return configured + derived


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    # Keyed by the keys themselves, so a changed setting (tests, a reload) takes effect at once.
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(_keys())


def encrypt(plaintext: str) -> str:
    """The ciphertext of ``plaintext`` under the first key; ``""`` stays ``""``."""
    if plaintext == "":
        return ""
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """The plaintext of a value ``encrypt`` made with any configured key; ``""`` stays ``""``.

    Raises ``DecryptionError`` (never showing the value) when no key opens it.
    """
    if ciphertext == "":
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            "An integrations secret cannot be decrypted: INTEGRATIONS_ENCRYPTION_KEY (or SECRET_KEY, "
            "when that is unset) does not hold the key it was encrypted with."
        ) from None


def reencrypt(ciphertext: str) -> str:
    """The same secret encrypted again under the first key (for key rotation)."""
    if ciphertext == "":
        return ""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise DecryptionError("An integrations secret cannot be decrypted for re-encryption.") from None


@checks.register(checks.Tags.security)
def check_encryption_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """integrations.W001: production without a key of its own encrypts with one derived from SECRET_KEY."""
    if settings.DEBUG or not uses_derived_key():
        return []
    return [
        checks.Warning(
            "INTEGRATIONS_ENCRYPTION_KEY is not set: the external desks' tokens and secrets are encrypted "
            "with a key derived from SECRET_KEY.",
            hint="Set INTEGRATIONS_ENCRYPTION_KEY to a key from `python -m integrations.crypto` and run "
            "manage.py reencrypt_secrets; otherwise changing SECRET_KEY without SECRET_KEY_FALLBACKS makes them "
            "unreadable.",
            id="integrations.W001",
        )
    ]


if __name__ == "__main__":
    print(generate_key())
