"""Content encryption at rest: AES-256-GCM with a key id, so keys can be rotated.

A blob is ``b"s1" + key_id (4 bytes) + nonce (12 bytes) + ciphertext+tag``. New content is
sealed with the active key; any known key opens old content.

    cipher = Cipher(os.urandom(32))
    assert cipher.decrypt(cipher.encrypt(b"hello")) == b"hello"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from stanchion.errors import CryptoError
from stanchion.store.files import private_dir

MAGIC = b"s1"
SEALED = "s1:"


class SubjectSealing(Protocol):
    """Data subjects' own keys (``store/subjects.py``), for sealing their content."""

    def sealer(self, conn: Any, subject: str) -> Cipher: ...

    def cached(self, subject: str) -> Cipher | None: ...


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"stanchion-key-id" + key).digest()[:4]


class Cipher:
    """Seals and opens content; ``old_keys`` open blobs sealed before a rotation."""

    def __init__(self, key: bytes, old_keys: tuple[bytes, ...] = ()) -> None:
        if len(key) != 32:
            raise CryptoError("the encryption key must be 32 bytes (base64 of 32 random bytes)")
        self._active = key_id(key)
        self._keys = (key, *old_keys)
        self._aead = {key_id(k): AESGCM(k) for k in self._keys}
        # Keys not held here (a data subject's, looked up by id): set by the keyring.
        self.resolver: Callable[[bytes], AESGCM | None] | None = None
        # With ``retention.subject_keys``: each user's content sealed under their own key.
        self.subjects: SubjectSealing | None = None

    def for_subject(self, conn: Any, subject: str | None) -> Cipher:
        """The cipher that seals ``subject``'s content (in ``conn``'s thread): their own key
        with subject keys on, else this one.

            comment_enc = cipher.for_subject(conn, "ana").encrypt_text(comment)
        """
        if subject and self.subjects is not None:
            return self.subjects.sealer(conn, subject)
        return self

    def cached_for(self, subject: str | None) -> Cipher:
        """``for_subject`` without touching the store (the event loop's side): the subject's
        key when this process holds it (the authenticate stage fetched it), else this one."""
        if subject and self.subjects is not None:
            return self.subjects.cached(subject) or self
        return self

    def derive(self, purpose: bytes) -> tuple[bytes, ...]:
        """Subkeys for one ``purpose`` (HKDF-SHA256), the active key's first, then one per old
        key; a distinct label per use makes one use's key worthless for any other.

            chain_keys = cipher.derive(b"stanchion/audit-chain/v1")
        """
        return tuple(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(k)
            for k in self._keys
        )

    def encrypt(self, data: bytes, associated: bytes | None = None) -> bytes:
        nonce = os.urandom(12)
        return (
            MAGIC + self._active + nonce + self._aead[self._active].encrypt(nonce, data, associated)
        )

    def holds(self, blob: bytes) -> bool:
        """Whether this cipher's own keys sealed ``blob`` (no subject-key lookup: a caller on
        the trace writer's path must not ask the store for a key it is still writing)."""
        return blob[:2] == MAGIC and blob[2:6] in self._aead

    def decrypt(self, blob: bytes, associated: bytes | None = None) -> bytes:
        if blob[:2] != MAGIC or len(blob) < 2 + 4 + 12 + 16:
            raise CryptoError("not a stanchion encrypted blob")
        aead = self._aead.get(blob[2:6])
        if aead is None and self.resolver is not None:
            aead = self.resolver(blob[2:6])
        if aead is None:
            raise CryptoError("content was sealed with a key this process does not have")
        try:
            return aead.decrypt(blob[6:18], blob[18:], associated)
        except InvalidTag:
            raise CryptoError("content failed authentication (edited, or wrong key)") from None

    def encrypt_text(self, text: str) -> bytes:
        return self.encrypt(text.encode("utf-8"))

    def decrypt_text(self, blob: bytes) -> str:
        return self.decrypt(blob).decode("utf-8")

    def seal_text(self, text: str) -> str:
        """Seal text for a text column: ``SEALED`` + base64 of the blob.

        assert cipher.open_text(cipher.seal_text("note")) == "note"
        """
        return SEALED + base64.b64encode(self.encrypt(text.encode("utf-8"))).decode()

    def open_text(self, stored: str) -> str:
        """Open a sealed text column; text stored before sealing began is returned as is."""
        if not stored.startswith(SEALED):
            return stored
        try:
            blob = base64.b64decode(stored[len(SEALED) :], validate=True)
        except ValueError:
            raise CryptoError("a sealed text is not valid base64 (edited)") from None
        return self.decrypt(blob).decode("utf-8")


class KeyedHash:
    """A memoised HMAC-SHA256 under the active key's ``purpose`` subkey, as ``prefix`` +
    hex of the first ``size`` bytes: equal inputs, equal tokens, and no way back to them.

        user_token = KeyedHash(cipher, b"stanchion/kpi-user/v1", "u", 15)("ana")
    """

    def __init__(self, cipher: Cipher, purpose: bytes, prefix: str, size: int, memo: int) -> None:
        self._mac = hmac.new(cipher.derive(purpose)[0], digestmod=hashlib.sha256)
        self._prefix, self._size, self._limit = prefix, size, memo
        self._memo: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        found = self._memo.get(text)
        if found is None:
            mac = self._mac.copy()  # the keyed state, computed once
            mac.update(text.encode("utf-8"))
            found = self._prefix + mac.digest()[: self._size].hex()
            if len(self._memo) >= self._limit:
                self._memo.clear()
            self._memo[text] = found
        return found


def parse_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise CryptoError("the encryption key is not valid base64") from None
    if len(key) != 32:
        raise CryptoError(f"the encryption key must decode to 32 bytes, not {len(key)}")
    return key


def new_key_file(path: Path) -> bytes:
    """Write a fresh random key readable by the owner only (0600)."""
    key = os.urandom(32)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode() + "\n")
    return key


def load_cipher(env_key: str | None, key_file: Path | None) -> Cipher:
    """The key from the env var, else from the key file; none is an error, never a default."""
    return Cipher(load_key(env_key, key_file))


def load_key(env_key: str | None, key_file: Path | None) -> bytes:
    """The master key's bytes: from the env var, else from the key file (0600)."""
    if env_key:
        return parse_key(env_key)
    if key_file is not None and key_file.is_file():
        mode = key_file.stat().st_mode & 0o077
        if mode:
            raise CryptoError(f"{key_file} is readable by others; chmod 600 it")
        return parse_key(key_file.read_text())
    where = f" or a key file at {key_file}" if key_file else ""
    raise CryptoError(
        "no encryption key: set STANCHION_ENCRYPTION_KEY (base64 of 32 random bytes)"
        f"{where}; content is never stored in clear"
    )
