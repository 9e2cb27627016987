"""Opening an app's store: its URL, its master and data keys, its audit chain's keys.

What every command that reads or writes the store needs, and nothing of the serving stack
(guards, knowledge, providers, SSO): a store-only CLI command imports this, not
``stanchion.runtime``, and starts in a fraction of the time. ``runtime`` re-exports these.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stanchion.errors import CryptoError
from stanchion.store.audit import AuditKeys, bind_audit
from stanchion.store.checkpoints import open_checkpoints
from stanchion.store.crypto import Cipher, load_cipher, load_key, parse_key
from stanchion.store.db import Store, resolve_sqlite
from stanchion.store.keyring import LocalMasterKey, MasterKey, content_cipher, master_from_provider
from stanchion.store.subjects import SubjectKeys

if TYPE_CHECKING:
    from stanchion.settings import Settings
    from stanchion.spec import AppSpec


def database_url(spec: AppSpec, app_dir: Path, settings: Settings) -> str:
    """The store URL; a relative SQLite path is relative to the app's folder."""
    return resolve_sqlite(settings.database_url or spec.storage.url, app_dir)


def key_file(spec: AppSpec, app_dir: Path, settings: Settings) -> Path:
    if settings.key_file:
        return settings.key_file
    return app_dir / (spec.storage.key_file or ".stanchion/master.key")


def open_store(
    spec: AppSpec, app_dir: Path, settings: Settings, cipher: Cipher | None = None
) -> Store:
    """The app's store, its audit log keyed by the content keys (loaded when not given)."""
    return open_app_store(spec, app_dir, settings, cipher)[0]


def open_app_store(
    spec: AppSpec, app_dir: Path, settings: Settings, cipher: Cipher | None = None
) -> tuple[Store, Cipher | None]:
    """The app's store and the cipher for its content (the data keys, unwrapped by the
    master key); None when there is no master key (audit appends are then refused)."""
    store = Store(database_url(spec, app_dir, settings))
    if cipher is None:
        try:
            cipher = app_cipher(spec, app_dir, settings, store)
        except CryptoError:
            cipher = None
    bind_audit(store.engine, audit_keys(spec, app_dir, settings, cipher))
    return store, cipher


def master_keys(
    spec: AppSpec, app_dir: Path, settings: Settings
) -> tuple[list[MasterKey], bytes | None]:
    """The master key (and, mid-rotation, the previous one), and the local key's bytes."""
    if settings.master_key_provider:
        found: list[MasterKey] = [master_from_provider(settings.master_key_provider)]
        raw = None
    else:
        raw = load_key(settings.encryption_key, key_file(spec, app_dir, settings))
        found = [LocalMasterKey(raw)]
    if settings.previous_encryption_key:
        found.append(LocalMasterKey(parse_key(settings.previous_encryption_key)))
    return found, raw


def app_cipher(spec: AppSpec, app_dir: Path, settings: Settings, store: Store) -> Cipher:
    """The content cipher: the app's data keys unwrapped by the master key (envelopes); a
    store not migrated yet falls back to the master key itself, as before envelopes."""
    masters, raw = master_keys(spec, app_dir, settings)
    cipher = content_cipher(store, masters, raw, spec.app)
    if cipher is not None:
        subjects = SubjectKeys(store, masters, spec.app)
        cipher.resolver = subjects.resolve  # users' own keys, found by the id a blob carries
        if spec.retention.subject_keys:  # and each user's content sealed under their own
            cipher.subjects = subjects
        return cipher
    if raw is None:
        raise CryptoError("run `stanchion db upgrade`: a master-key provider needs data keys")
    return Cipher(raw)


def audit_keys(
    spec: AppSpec, app_dir: Path, settings: Settings, cipher: Cipher | None = None
) -> AuditKeys:
    """The audit chain's keys and checkpoint; without a master key, appends are refused."""
    if cipher is None:
        try:
            cipher = load_cipher(settings.encryption_key, key_file(spec, app_dir, settings))
        except CryptoError as exc:
            return AuditKeys.refusing(f"{exc} (the audit log is keyed by it)")
    where = settings.audit_checkpoint or str(app_dir / ".stanchion" / "audit.checkpoint")
    return AuditKeys.from_cipher(cipher, open_checkpoints(where, spec.app))
