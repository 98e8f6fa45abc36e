"""Customers arriving in bulk (the data tools' import of a file from the old system):
the same cleaning as the form (``customers._clean``: names, choices, normalised mobile, ID
number), matched to the store's live customers by normalised mobile, set-based so a
100 000-row file takes seconds per 10 000 rows.

New customers are inserted with one executemany INSERT per chunk (their tags too, the
new ids found again by their mobile);
matched customers are updated through the ORM (only the cells the file fills: an empty
cell never blanks a stored value; tags are added). Rows are refused one by one with the
reason; the caller writes the one audit row of the import.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...extensions import db
from ...pinyin import full_pinyin, initials
from ...timeutil import utcnow
from ..models import Customer, CustomerTag
from ._common import live_customers
from .customers import _clean

#: the form's fields an import may fill
IMPORT_FIELDS = (
    "name",
    "mobile",
    "kind",
    "gender",
    "birthday",
    "id_number",
    "email",
    "wechat",
    "address",
    "source",
    "level",
    "tags",
    "notes",
    "other_phones",
)


def existing_by_mobile(mobiles: Sequence[str]) -> dict[str, int]:
    """Normalised mobile -> id of the store's live customer holding it."""
    if not mobiles:
        return {}
    rows = db.session.execute(
        live_customers().with_only_columns(Customer.mobile, Customer.id).where(Customer.mobile.in_(list(mobiles)))
    ).all()
    return {mobile: ident for mobile, ident in rows}


def clean_import_row(data: dict[str, Any]) -> dict[str, Any]:
    """One row of form values (text as typed) cleaned by the form's rules (``_clean``):
    the values :func:`import_customers` takes. Raises a DomainError saying why not. An
    empty cell is left out, so it never blanks a stored value on update."""
    given = {k: v for k, v in data.items() if k in IMPORT_FIELDS and v not in (None, "")}
    given.setdefault("name", data.get("name") or "")
    return _clean(given)


@functools.lru_cache(maxsize=100_000)
def _pinyin(name: str) -> tuple[str, str]:
    # names repeat (张伟, 王芳 ...): the slowest step of a large file, computed once per name
    return full_pinyin(name), initials(name)


def _insert_rows(table: sa.Table, records: list[dict[str, Any]]) -> None:
    """Insert rows that all carry the same keys: on PostgreSQL by COPY (a third of the
    server's time of multi-row INSERTs into a table with two dozen indexes), the values
    through the columns' own bind processing (the encrypted ID number); elsewhere one
    executemany. The caller has flushed the session."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(sa.insert(table), records)
        return
    given = list(records[0])
    # the columns' Python-side defaults, which an INSERT would have filled
    extra: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in records[0] and column.default is not None and not column.primary_key:
            default = column.default
            extra[column.name] = default.arg(None) if default.is_callable else default.arg
    names = given + list(extra)
    tail = list(extra.values())
    processors = [table.c[name].type._cached_bind_processor(connection.dialect) for name in names]
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(
                [
                    value if process is None else process(value)
                    for value, process in zip([*(record[n] for n in given), *tail], processors, strict=True)
                ]
            )


def check_customers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """What :func:`import_customers` would do with one chunk, without writing it (the dry
    run): "updated" for a row whose mobile a live customer of the store holds, else
    "created" (the rows are cleaned already, so nothing else can refuse them)."""
    found = existing_by_mobile([v["mobile"] for v in rows if v.get("mobile")])
    return [("updated", "") if values.get("mobile") in found else ("created", "") for values in rows]


def import_customers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Create or update one chunk of customers, each row as :func:`clean_import_row` gave
    it; one (outcome, reason) per row: "created" or "updated". The caller keeps mobiles
    unique within its file."""
    ctx = tenancy.current()
    store = tenancy.writable_store()
    outcomes: list[tuple[str, str]] = [("", "")] * len(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = [(index, dict(values)) for index, values in enumerate(rows)]
    found = existing_by_mobile([v["mobile"] for _i, v in cleaned if v.get("mobile")])
    inserts: list[tuple[int, dict[str, Any]]] = []
    updates: dict[int, tuple[int, dict[str, Any]]] = {}
    for index, values in cleaned:
        ident = found.get(values.get("mobile") or "")
        if ident is None:
            inserts.append((index, values))
        else:
            updates[ident] = (index, values)
    if updates:
        for customer in db.session.execute(select(Customer).where(Customer.id.in_(list(updates)))).scalars():
            index, values = updates[customer.id]
            tags = values.pop("tags", [])
            for key, value in values.items():
                setattr(customer, key, value)
            customer.name_pinyin, customer.name_initials = _pinyin(customer.name)
            have = set(customer.tag_names)
            for tag in tags:
                if tag not in have:
                    customer.tags.append(CustomerTag(tag=tag))
            outcomes[index] = ("updated", "")
        db.session.flush()
    if inserts:
        now = utcnow()
        table = Customer.__table__
        records = []
        for _index, values in inserts:
            record = {k: v for k, v in values.items() if k != "tags"}
            mobile = record.get("mobile")
            record.update(
                org_id=store.org_id,
                store_id=store.id,
                name_pinyin=_pinyin(record["name"])[0],
                name_initials=_pinyin(record["name"])[1],
                mobile_last4=mobile[-4:] if mobile else None,
                created_by_id=ctx.user_id,
                created_at=now,
                updated_at=now,
            )
            records.append(record)
        # one statement shape per chunk: every record carries every column the chunk uses
        columns = sorted({k for record in records for k in record})
        defaults = {
            c.name: c.default.arg for c in table.columns if c.default is not None and not callable(c.default.arg)
        }
        full = [{c: r.get(c, defaults.get(c)) for c in columns} for r in records]
        pairs = [(record, values) for record, (_i, values) in zip(full, inserts, strict=True)]
        by_mobile = [(r, v) for r, v in pairs if r.get("mobile") or not v.get("tags")]
        if by_mobile:
            # the new ids are found again by mobile below (no RETURNING)
            _insert_rows(table, [record for record, _v in by_mobile])
        tags: list[dict[str, Any]] = []
        tagged = [(r, v) for r, v in by_mobile if v.get("tags")]
        if tagged:
            ids = existing_by_mobile([record["mobile"] for record, _v in tagged])
            tags += [
                {"org_id": store.org_id, "store_id": store.id, "customer_id": ids[record["mobile"]], "tag": tag}
                for record, values in tagged
                for tag in values["tags"]
            ]
        for record, values in pairs:
            if not record.get("mobile") and values.get("tags"):  # no key to find it again by
                ident = db.session.execute(sa.insert(table).values(record).returning(table.c.id)).scalar_one()
                tags += [
                    {"org_id": store.org_id, "store_id": store.id, "customer_id": ident, "tag": tag}
                    for tag in values["tags"]
                ]
        if tags:
            _insert_rows(CustomerTag.__table__, tags)
        for index, _values in inserts:
            outcomes[index] = ("created", "")
    return [o if o[0] else ("rejected", _("未能导入。")) for o in outcomes]
