"""SecretBox on Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`), with key rotation.

The box holds a list of keys: the first encrypts, every one of them decrypts
(`cryptography.fernet.MultiFernet`). To rotate:

1. Put the new key first and keep the old ones after it (`keys = new,old`) on every replica.
   From then on new secrets are written under the new key and old ones still read.
2. Re-encrypt what is stored: `rotate(token)` decrypts under any key and encrypts under the
   first. (Secrets replaced through the API are re-encrypted on their own.)
3. Once nothing encrypted under the old key remains, drop it from the list. A secret still
   under a dropped key no longer decrypts: SecretUnreadableError.

Keys are Fernet keys (`Fernet.generate_key()`: 32 random bytes, url-safe base64). Settings
that hold a passphrase instead go through `derive_key`, which stretches it with
PBKDF2-HMAC-SHA256 under a fixed salt so that every replica derives the same key; a
passphrase is only as strong as it is long and random, so prefer generated keys.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from flowauto.domain.errors import SecretUnreadableError
from flowauto.ports.secret_box import SecretBox

# Fixed on purpose: replicas must derive the same key from the same passphrase. Changing
# either value changes every derived key (and so needs a rotation).
_SALT = b"flowauto/secret-box/v1"
_ITERATIONS = 200_000
_KEY_BYTES = 32


class FernetSecretBox(SecretBox):
    def __init__(self, keys: Sequence[bytes]) -> None:
        """`keys`: Fernet keys, the one to encrypt with first; raises ValueError when empty
        or when one is not a Fernet key."""
        if not keys:
            raise ValueError("the secret box needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, values: Sequence[str]) -> FernetSecretBox:
        """A box from settings strings, each a Fernet key or a passphrase (see `as_key`)."""
        return cls([as_key(value) for value in values])

    @classmethod
    def generated(cls) -> FernetSecretBox:
        """A box with a fresh random key: for tests and in-memory wiring (nothing it encrypts
        outlives the process)."""
        return cls([Fernet.generate_key()])

    def encrypt(self, plain: str) -> bytes:
        return self._fernet.encrypt(plain.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except (InvalidToken, UnicodeDecodeError) as error:
            raise SecretUnreadableError() from error

    def rotate(self, token: bytes) -> bytes:
        """The same secret encrypted under the first key; raises SecretUnreadableError when
        no key decrypts it."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as error:
            raise SecretUnreadableError() from error


def as_key(value: str) -> bytes:
    """`value` itself when it is a Fernet key, else the key derived from it as a passphrase.

    A passphrase that happens to be 44 characters of url-safe base64 encoding 32 bytes is
    taken as a key: generated keys are the intended input, passphrases the fallback.
    """
    if _is_fernet_key(value):
        return value.encode()
    return derive_key(value)


def derive_key(passphrase: str) -> bytes:
    """A Fernet key stretched from a passphrase (PBKDF2-HMAC-SHA256, fixed salt)."""
    if not passphrase:
        raise ValueError("a passphrase may not be empty")
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=_SALT, iterations=_ITERATIONS
    )
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))


def _is_fernet_key(value: str) -> bool:
    try:
        decoded = base64.b64decode(value.encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(decoded) == _KEY_BYTES
