"""Duplicates and merge: customers that look like one person (a shared phone or plate), and
merging two into one in one transaction (every referencing row of every module moves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import audit, tenancy
from ...extensions import db
from ..models import Customer, CustomerVehicle
from ._common import FieldError, StaleRecord, _fill_search_columns, get_customer, live_customers


@dataclass
class DuplicateGroup:
    reason: str
    value: str
    customers: list[Customer]


def duplicate_groups(limit: int = 50) -> list[DuplicateGroup]:
    """Groups of the store's customers that look like one person: a mobile of one listed
    among another's other phones, or cars with the same plate. (VIN and mobile are unique
    per store, so they cannot repeat within those columns.) Three grouped, indexed queries."""
    groups: list[DuplicateGroup] = []
    customers: dict[int, Customer] = {}
    # plates: GROUP BY over the (store_id, plate) index, and their owners in the same statement
    shared_plates = (
        select(CustomerVehicle.plate)
        .where(CustomerVehicle.plate != "", CustomerVehicle.owner_id.isnot(None))
        .group_by(CustomerVehicle.plate)
        .having(sa.func.count(sa.distinct(CustomerVehicle.owner_id)) > 1)
        .limit(limit)
    )
    owners_by_plate: dict[str, set[int]] = {}
    for customer, plate in db.session.execute(
        live_customers()
        .add_columns(CustomerVehicle.plate)
        .join(CustomerVehicle, CustomerVehicle.owner_id == Customer.id)
        .where(CustomerVehicle.plate.in_(shared_plates))
        .options(joinedload(Customer.owner))
    ):
        customers[customer.id] = customer
        owners_by_plate.setdefault(plate, set()).add(customer.id)
    # phones: customers with other phones (few), matched against mobiles in one IN query
    holders = (
        db.session.execute(
            live_customers().where(Customer.other_phones != "").options(joinedload(Customer.owner)).limit(5000)
        )
        .scalars()
        .all()
    )
    wanted: dict[str, set[int]] = {}
    for holder in holders:
        for phone in holder.other_phones.split(","):
            if phone.strip():
                wanted.setdefault(phone.strip(), set()).add(holder.id)
    by_phone: dict[str, set[int]] = {}
    if wanted:
        keys = list(wanted)[:2000]
        for match in db.session.execute(
            live_customers().where(Customer.mobile.in_(keys)).options(joinedload(Customer.owner))
        ).scalars():
            members = wanted[match.mobile] | {match.id}
            if len(members) > 1:
                by_phone[match.mobile] = members
                customers[match.id] = match
                customers.update({h.id: h for h in holders if h.id in members})
    for phone, members in sorted(by_phone.items()):
        found = [customers[i] for i in sorted(members) if i in customers]
        if len(found) > 1:
            groups.append(DuplicateGroup(_("手机号"), phone, found))
    for plate, members in sorted(owners_by_plate.items()):
        found = [customers[i] for i in sorted(members) if i in customers]
        if len(found) > 1:
            groups.append(DuplicateGroup(_("车牌"), plate, found))
    return groups[:limit]


#: filled from the loser when the survivor's value is empty
_FILLABLE = ("mobile", "gender", "birthday", "id_number", "email", "wechat", "address", "owner_id")


def _referencing_columns() -> list[tuple[Any, sa.Column]]:
    """(mapped class or Table, column) for every foreign key pointing at customers.id."""
    by_table = {m.local_table: m.class_ for m in db.Model.registry.mappers if m.local_table is not None}
    customers_table = Customer.__table__
    found = []
    for table in db.Model.metadata.sorted_tables:
        if table is customers_table:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is customers_table and fk.column.name == "id":
                found.append((by_table.get(table, table), fk.parent))
    return found


def merge_customers(survivor_id: int, loser_id: int) -> Customer:
    """Merge two customers of the store into the survivor in one transaction: every row of
    every module that references the loser moves to the survivor, tags are united, empty
    fields are filled from the loser, and the loser is deleted. Audit-logged with both
    snapshots. FieldError when they are the same or a move breaks a unique rule."""
    if int(survivor_id) == int(loser_id):
        raise FieldError(None, _("请选择两个不同的客户。"))
    survivor = get_customer(survivor_id)
    loser = get_customer(loser_id)
    before = {
        "survivor": {**audit.snapshot(survivor), "tags": survivor.tag_names},
        "loser": {**audit.snapshot(loser), "tags": loser.tag_names},
    }
    ctx = tenancy.current()
    try:
        with db.session.begin_nested():
            # tags first: (customer_id, tag) is unique, so the loser's copies of shared tags go
            have = set(survivor.tag_names)
            for row in list(loser.tags):
                if row.tag in have:
                    loser.tags.remove(row)
            db.session.flush()
            for target, column in _referencing_columns():
                if isinstance(target, sa.Table):
                    stmt = target.update().where(column == loser.id).values({column.name: survivor.id})
                    if "store_id" in target.c:
                        # not mapped, so the tenancy hook cannot scope it: scope it here
                        stmt = stmt.where(target.c.store_id == ctx.store_id)
                    db.session.execute(stmt)
                    continue
                mapper = sa.inspect(target)
                key = mapper.get_property_by_column(column).key
                values: dict[Any, Any] = {key: survivor.id}
                if mapper.version_id_col is not None:
                    # those editing the moved rows are told, as for any other change
                    version_key = mapper.get_property_by_column(mapper.version_id_col).key
                    values[version_key] = getattr(target, version_key) + 1
                db.session.execute(
                    sa.update(target)
                    .where(getattr(target, key) == loser.id)
                    .values(values)
                    .execution_options(synchronize_session=False)
                )
            # other phones: the loser's mobile must not be lost even if the survivor has one
            phones = [p for p in (survivor.other_phones or "").split(",") if p]
            if loser.mobile and survivor.mobile and loser.mobile != survivor.mobile:
                phones.append(loser.mobile)
            phones += [p for p in (loser.other_phones or "").split(",") if p]
            loser_values = {name: getattr(loser, name) for name in _FILLABLE}
            loser_notes = loser.notes
            # the mobile is unique per store: free it before the survivor can take it
            loser.mobile, loser.mobile_last4 = None, None
            db.session.flush()
            for name, value in loser_values.items():
                if value not in (None, "") and getattr(survivor, name) in (None, ""):
                    setattr(survivor, name, value)
            survivor.other_phones = ",".join(p for p in dict.fromkeys(phones) if p != survivor.mobile)[:200]
            if loser_notes and loser_notes not in (survivor.notes or ""):
                survivor.notes = "\n".join(n for n in (survivor.notes, loser_notes) if n)
            _fill_search_columns(survivor)
            survivor.updated_at = dt.datetime.now(dt.UTC)
            db.session.flush()
            # the moved child rows are in the database now, not in these stale collections
            db.session.expire(survivor, ["tags", "contacts"])
            db.session.expire(loser, ["tags", "contacts"])
            db.session.delete(loser)
            db.session.flush()
    except IntegrityError:
        raise FieldError(None, _("合并失败：有记录无法转移到保留的客户（唯一性冲突）。")) from None
    except StaleDataError:
        raise StaleRecord() from None
    db.session.expire_all()
    after = {
        "survivor": {**audit.snapshot(survivor), "tags": survivor.tag_names},
        "loser": {"merged_into": survivor.id},
    }
    audit.record(
        "merge",
        survivor,
        before=before,
        after=after,
        summary=_("合并客户 #%(loser)d 到 #%(survivor)d", loser=loser_id, survivor=survivor.id),
    )
    return survivor
