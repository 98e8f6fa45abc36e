"""Encrypted columns for sensitive values (ID card numbers), and key rotation.

``FIELD_ENCRYPTION_KEY`` may hold several Fernet keys, comma-separated: the first encrypts,
every one decrypts (``MultiFernet``). To rotate, put the new key first, keep the old ones
after it, run ``flask rotate-encryption-key`` (re-encrypts every encrypted column under the
new key), then drop the old keys.
"""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from .keys import split_keys

log = logging.getLogger(__name__)


class UndecryptableValue(RuntimeError):
    """A stored value that none of the FIELD_ENCRYPTION_KEY keys can decrypt."""


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def configured_keys() -> tuple[str, ...]:
    keys = tuple(split_keys(current_app.config.get("FIELD_ENCRYPTION_KEY")))
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEY is not set")  # keys.check_keys fills it outside production
    return keys


def fernet() -> MultiFernet:
    """The configured keys: the first encrypts, all decrypt."""
    return _multi_fernet(configured_keys())


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text; raises UndecryptableValue (and logs it) when no key fits."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        log.error(
            "An encrypted column value could not be decrypted with any FIELD_ENCRYPTION_KEY key "
            "(a key was removed before `flask rotate-encryption-key` ran, or the value is corrupt)"
        )
        raise UndecryptableValue(
            "an encrypted value cannot be decrypted with any key in FIELD_ENCRYPTION_KEY"
        ) from None


class EncryptedString(sa.TypeDecorator):
    """Stored as a Fernet token; read back as the clear text. Never searchable. A token no
    configured key decrypts raises UndecryptableValue: it is never shown as empty."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return None
        return encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)


# --------------------------------------------------------------------------- rotation


def encrypted_columns(metadata: sa.MetaData) -> list[tuple[sa.Table, sa.Column]]:
    """Every column of type EncryptedString in the models' metadata."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedString):
                found.append((table, column))
    return found


def rotate(session, metadata: sa.MetaData, *, batch_size: int = 500, extra_keys: tuple[str, ...] = ()) -> dict:
    """Re-encrypt every encrypted column value that is not under the newest key yet, in
    keyset batches of ``batch_size`` rows, committing after each batch. Idempotent: a value
    already under the newest key is left alone, so a second run changes nothing.
    ``extra_keys`` decrypt too (for this run only). Values no key decrypts are counted and
    left as they are. Returns {"table.column": {"rotated": n, "current": n, "failed": [ids]}}."""
    keys = configured_keys()
    newest = Fernet(keys[0].encode())
    everything = MultiFernet([Fernet(k.encode()) for k in keys + tuple(extra_keys)])
    report: dict[str, dict] = {}
    for table, column in encrypted_columns(metadata):
        pk_columns = list(table.primary_key.columns)
        if len(pk_columns) != 1:
            raise RuntimeError(f"{table.name}: key rotation needs a single-column primary key")
        pk = pk_columns[0]
        raw = sa.type_coerce(column, sa.Text)  # the stored token, not run through the type
        stats = {"rotated": 0, "current": 0, "failed": []}
        last = None
        while True:
            query = sa.select(pk, raw).where(column.isnot(None)).order_by(pk).limit(batch_size)
            if last is not None:
                query = query.where(pk > last)
            rows = session.execute(query).all()
            if not rows:
                break
            last = rows[-1][0]
            changes = []
            for row_id, token in rows:
                data = token.encode()
                try:
                    newest.decrypt(data)
                    stats["current"] += 1
                    continue
                except InvalidToken:
                    pass
                try:
                    clear = everything.decrypt(data)
                except InvalidToken:
                    log.error("%s.%s id=%s cannot be decrypted with any key", table.name, column.name, row_id)
                    stats["failed"].append(row_id)
                    continue
                changes.append({"row_id": row_id, "token": newest.encrypt(clear).decode()})
            if changes:
                session.execute(
                    sa.update(table)
                    .where(pk == sa.bindparam("row_id"))
                    .values({column.name: sa.bindparam("token", type_=sa.Text)}),
                    changes,
                )
                stats["rotated"] += len(changes)
            session.commit()
        report[f"{table.name}.{column.name}"] = stats
    return report


def legacy_key_from_secret(secret_key: str) -> str:
    """The field key earlier versions derived from SECRET_KEY when FIELD_ENCRYPTION_KEY was
    unset: only for ``flask rotate-encryption-key --legacy-secret-key`` to move old values."""
    import base64
    import hashlib

    digest = hashlib.sha256(("field-encryption:" + secret_key).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()
