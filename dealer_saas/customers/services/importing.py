"""Customers arriving in bulk (the data tools' import of a file from the old system):
the same cleaning as the form (``customers._clean``: names, choices, normalised mobile, ID
number), matched to the store's live customers by normalised mobile, set-based so a
100 000-row file takes seconds per 10 000 rows.

New customers are inserted with one multi-row INSERT per chunk (their tags with another);
matched customers are updated through the ORM (only the cells the file fills: an empty
cell never blanks a stored value; tags are added). Rows are refused one by one with the
reason; the caller writes the one audit row of the import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...domain import DomainError
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


def import_customers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Create or update one chunk of customers (dicts of form values, text as typed); one
    (outcome, reason) per row: "created", "updated" or "rejected" with why. The caller
    keeps mobiles unique within its file."""
    ctx = tenancy.current()
    store = tenancy.writable_store()
    outcomes: list[tuple[str, str]] = [("", "")] * len(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for index, data in enumerate(rows):
        given = {k: v for k, v in data.items() if k in IMPORT_FIELDS and v not in (None, "")}
        given.setdefault("name", data.get("name") or "")
        try:
            cleaned.append((index, _clean(given)))
        except DomainError as error:
            outcomes[index] = ("rejected", str(error))
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
            customer.name_pinyin, customer.name_initials = full_pinyin(customer.name), initials(customer.name)
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
                name_pinyin=full_pinyin(record["name"]),
                name_initials=initials(record["name"]),
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
        ids = (
            db.session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), full)
            .scalars()
            .all()
        )
        tags = [
            {"org_id": store.org_id, "store_id": store.id, "customer_id": ident, "tag": tag}
            for ident, (_index, values) in zip(ids, inserts, strict=True)
            for tag in values.get("tags", [])
        ]
        if tags:
            db.session.execute(sa.insert(CustomerTag.__table__), tags)
        for index, _values in inserts:
            outcomes[index] = ("created", "")
    return [o if o[0] else ("rejected", _("未能导入。")) for o in outcomes]
