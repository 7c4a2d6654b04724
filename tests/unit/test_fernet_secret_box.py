"""FernetSecretBox: round trips, key rotation, and refusing what it cannot trust."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from flowauto.domain.errors import SecretUnreadableError
from flowauto.driven_adapters.crypto.fernet_secret_box import (
    FernetSecretBox,
    as_key,
    derive_key,
)


def test_a_secret_round_trips_and_is_not_stored_in_the_clear() -> None:
    box = FernetSecretBox.generated()
    plain = "pässwörd: s3cr3t ✓"

    first, second = box.encrypt(plain), box.encrypt(plain)

    assert box.decrypt(first) == plain
    assert first != second
    assert plain.encode() not in first
    assert box.decrypt(box.encrypt("")) == ""


def test_a_token_made_with_an_old_key_decrypts_once_a_new_key_is_put_first() -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    token = FernetSecretBox([old_key]).encrypt("kept")

    rotated_box = FernetSecretBox([new_key, old_key])

    assert rotated_box.decrypt(token) == "kept"
    fresh = rotated_box.encrypt("new")
    assert FernetSecretBox([new_key]).decrypt(fresh) == "new"
    with pytest.raises(SecretUnreadableError):
        FernetSecretBox([old_key]).decrypt(fresh)


def test_rotate_re_encrypts_under_the_first_key_so_the_old_one_can_go() -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    token = FernetSecretBox([old_key]).encrypt("moving")

    rotated = FernetSecretBox([new_key, old_key]).rotate(token)

    assert FernetSecretBox([new_key]).decrypt(rotated) == "moving"
    with pytest.raises(SecretUnreadableError):
        FernetSecretBox([new_key]).decrypt(token)


def test_a_tampered_token_fails() -> None:
    box = FernetSecretBox.generated()
    token = bytearray(box.encrypt("value"))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")

    with pytest.raises(SecretUnreadableError):
        box.decrypt(bytes(token))


@pytest.mark.parametrize("token", [b"", b"not a token", b"\x00\xff\xfe"])
def test_garbage_fails(token: bytes) -> None:
    with pytest.raises(SecretUnreadableError):
        FernetSecretBox.generated().decrypt(token)


def test_a_token_of_an_unknown_key_fails() -> None:
    token = FernetSecretBox.generated().encrypt("value")

    with pytest.raises(SecretUnreadableError):
        FernetSecretBox.generated().decrypt(token)
    with pytest.raises(SecretUnreadableError):
        FernetSecretBox.generated().rotate(token)


def test_settings_take_fernet_keys_as_they_are_and_derive_from_passphrases() -> None:
    key = Fernet.generate_key()

    assert as_key(key.decode()) == key
    assert as_key("correct horse battery staple") == derive_key("correct horse battery staple")
    assert derive_key("one") != derive_key("two")
    # Replicas configured with the same passphrase read each other's secrets.
    token = FernetSecretBox.from_settings(["shared passphrase"]).encrypt("value")
    assert FernetSecretBox.from_settings(["shared passphrase"]).decrypt(token) == "value"


def test_a_box_needs_valid_keys() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        FernetSecretBox([])
    with pytest.raises(ValueError, match="Fernet key"):
        FernetSecretBox([b"short"])
    with pytest.raises(ValueError, match="empty"):
        derive_key("")
