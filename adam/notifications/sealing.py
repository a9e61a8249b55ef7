"""Webhook secrets at rest: sealed with Fernet under a key derived from the configuration.

A webhook's secret must be readable to sign its deliveries (HMAC needs the secret itself, a
hash will not do), so it is encrypted rather than hashed. The Fernet key is derived with
HKDF-SHA256 from ``WEBHOOK_SECRET_KEY`` (else ``SECRET_KEY``), so any passphrase of the
configuration serves, and a key of this purpose is never the one Flask signs cookies with.

Rotation: the new key goes in ``WEBHOOK_SECRET_KEY`` and the old ones in
``WEBHOOK_SECRET_OLD_KEYS``; a sealed value opens under any of them (MultiFernet), new ones are
sealed under the first, and ``adam webhooks encrypt-secrets`` re-seals every stored secret under
it, after which the old keys can go.

A stored value says what it is: sealed values start with ``PREFIX``. Anything else is a secret
written in clear before this module existed; it still signs, and is sealed by ``adam db
upgrade`` and by every ``adam worker`` as it starts (``service.encrypt_secrets``).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"
# Part of the stored format: changing either makes every sealed secret unreadable.
HKDF_SALT = b"adam"
HKDF_INFO = b"adam webhook secret v1"


class SecretUnavailable(Exception):
    """A sealed secret cannot be opened with the configured keys; the message says what to do."""


def derive_key(passphrase: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) for a configured key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(passphrase.encode()))


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(key)) for key in keys])


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(secret: str, keys: Sequence[str]) -> str:
    """``secret`` encrypted under the first key, as stored.

    :raises SecretUnavailable: no key is configured.
    """
    if not keys:
        raise SecretUnavailable(_NO_KEY)
    return PREFIX + _fernet(tuple(keys)).encrypt(secret.encode()).decode("ascii")


def unseal(stored: str, keys: Sequence[str]) -> str:
    """The secret in clear: to sign a delivery, and for nothing else.

    A value from before encryption (no ``PREFIX``) is returned as it is.

    :raises SecretUnavailable: no configured key opens it (the key changed without the old
        one kept in ``WEBHOOK_SECRET_OLD_KEYS``), or it was altered.
    """
    if not is_sealed(stored):
        return stored
    if not keys:
        raise SecretUnavailable(_NO_KEY)
    try:
        return _fernet(tuple(keys)).decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise SecretUnavailable(
            "The webhook's secret cannot be decrypted with WEBHOOK_SECRET_KEY (or SECRET_KEY): "
            "the key it was sealed with is not configured. Put that key in "
            "WEBHOOK_SECRET_OLD_KEYS, or re-create the webhook."
        ) from None


def seal_bytes(data: bytes, keys: Sequence[str]) -> bytes:
    """``data`` encrypted under the first key: for stored answers that may hold a secret (the
    answer to ``POST /webhooks``, kept for an ``Idempotency-Key`` replay).

    :raises SecretUnavailable: no key is configured.
    """
    if not keys:
        raise SecretUnavailable(_NO_KEY)
    return _fernet(tuple(keys)).encrypt(data)


def unseal_bytes(stored: bytes, keys: Sequence[str]) -> bytes:
    """What ``seal_bytes`` sealed.

    :raises SecretUnavailable: no configured key opens it, or it was altered.
    """
    if not keys:
        raise SecretUnavailable(_NO_KEY)
    try:
        return _fernet(tuple(keys)).decrypt(stored)
    except InvalidToken:
        raise SecretUnavailable(
            "A stored answer cannot be decrypted with WEBHOOK_SECRET_KEY (or SECRET_KEY): the key "
            "it was sealed with is not configured. Put that key in WEBHOOK_SECRET_OLD_KEYS."
        ) from None


def reseal(stored: str, keys: Sequence[str]) -> str:
    """``stored`` sealed under the first key (a clear value sealed, an old key's re-sealed).

    :raises SecretUnavailable: as ``unseal``.
    """
    return seal(unseal(stored, keys), keys)


def sealed_under_first(stored: str, keys: Sequence[str]) -> bool:
    """Whether ``stored`` is sealed under the current key already (no re-sealing needed)."""
    if not keys or not is_sealed(stored):
        return False
    try:
        Fernet(derive_key(keys[0])).decrypt(stored[len(PREFIX) :].encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


_NO_KEY = "No key to encrypt webhook secrets with: set WEBHOOK_SECRET_KEY (or SECRET_KEY)."
