"""Customer rules: normalised unique mobiles per store, pinyin for search, who may see whom,
vehicles with owner history, contacts, duplicates and merge, owner assignment."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, tenancy
from ..extensions import db
from ..pagination import Page, Sort, keyset_page, keyset_slice
from ..pinyin import full_pinyin, initials
from ..tenancy import Membership, Role, User
from ..timeutil import local_day_bounds
from ..validation import InvalidValue, normalise_id_number, normalise_mobile, normalise_plate, normalise_vin
from .models import (
    GENDERS,
    KINDS,
    LEVELS,
    SOURCES,
    Customer,
    CustomerContact,
    CustomerTag,
    CustomerVehicle,
    VehicleOwnership,
)

PAGE_SIZE = 25
COUNT_LIMIT = 1000


# --------------------------------------------------------------------------- errors


class CustomerError(Exception):
    """A domain rule refused the change; ``str(error)`` is safe to show."""

    #: the form field the message belongs beside (None: the whole form)
    field: str | None = None


class DuplicateMobile(CustomerError):
    field = "mobile"

    def __init__(self, existing: Customer | None):
        super().__init__(_("该手机号已登记为本店客户。"))
        self.existing = existing


class DuplicateVin(CustomerError):
    field = "vin"

    def __init__(self, existing: CustomerVehicle | None):
        super().__init__(_("该车架号已登记在本店。"))
        self.existing = existing


class StaleRecord(CustomerError):
    def __init__(self) -> None:
        super().__init__(_("该客户已被他人修改，请查看最新内容后重试（已被他人修改，请刷新后重试）。"))


class FieldError(CustomerError):
    def __init__(self, field_name: str | None, message: str):
        super().__init__(message)
        self.field = field_name


# --------------------------------------------------------------------------- visibility


def visibility_clause() -> sa.ColumnElement[bool] | None:
    """The object rule: without ``customers.view_all`` a user sees the customers they own
    plus the store's unassigned pool; None means "the whole store"."""
    ctx = tenancy.current()
    if ctx.can("customers.view_all"):
        return None
    return sa.or_(Customer.owner_id == ctx.user_id, Customer.owner_id.is_(None))


def visible_customers() -> sa.Select:
    """``select(Customer)`` restricted by :func:`visibility_clause` (tenancy adds the store)."""
    stmt = select(Customer)
    clause = visibility_clause()
    return stmt if clause is None else stmt.where(clause)


def get_customer(customer_id: Any) -> Customer:
    """A customer the current user may see, or 404 (another store's, or another
    consultant's customer, is simply not found)."""
    try:
        ident = int(customer_id)
    except (TypeError, ValueError):
        from flask import abort

        abort(404)
    customer = db.session.execute(visible_customers().where(Customer.id == ident)).scalar_one_or_none()
    if customer is None:
        from flask import abort

        abort(404)
    return customer


def is_visible(customer: Customer) -> bool:
    ctx = tenancy.current()
    return ctx.can("customers.view_all") or customer.owner_id in (None, ctx.user_id)


def get_vehicle(customer_vehicle_id: Any) -> CustomerVehicle:
    """A vehicle whose owner the current user may see, or 404."""
    from flask import abort

    vehicle = tenancy.get_or_404(CustomerVehicle, customer_vehicle_id)
    if vehicle.owner_id is None:
        if not tenancy.current().can("customers.view_all"):
            abort(404)
    elif not is_visible(get_customer(vehicle.owner_id)):
        abort(404)
    return vehicle


def get_contact(customer_contact_id: Any) -> CustomerContact:
    """A company contact whose customer the current user may see, or 404."""
    contact = tenancy.get_or_404(CustomerContact, customer_contact_id)
    get_customer(contact.customer_id)
    return contact


def can_see_full_mobile(customer: Customer) -> bool:
    """Full phone numbers: roles with ``customers.pii``, and the customer's own consultant
    (they have to call them)."""
    ctx = tenancy.current()
    return ctx.can("customers.pii") or (customer.owner_id is not None and customer.owner_id == ctx.user_id)


def can_see_id_number() -> bool:
    return tenancy.current().can("customers.pii")


# --------------------------------------------------------------------------- look-ups used by other modules


def find_by_mobile(mobile: str) -> Customer | None:
    """The store's customer with this (normalised) mobile, if any. A mobile is unique per
    store, but the all-stores roll-up reads several stores: there the oldest match is
    returned (nothing is written in the roll-up)."""
    return (
        db.session.execute(select(Customer).where(Customer.mobile == mobile).order_by(Customer.id).limit(1))
        .scalars()
        .first()
    )


def _fill_search_columns(customer: Customer) -> None:
    customer.name_pinyin = full_pinyin(customer.name)
    customer.name_initials = initials(customer.name)
    customer.mobile_last4 = customer.mobile[-4:] if customer.mobile else None


def find_or_create_for_visit(
    *, name: str, mobile: str | None, source: str, owner_id: int | None
) -> tuple[Customer | None, bool]:
    """The visit log's rule: find the store's customer by mobile or create one on the spot.

    Returns (customer, created). Without a mobile no customer is made (the visit is still
    logged and counted as "no contact details"): (None, False). Raises InvalidValue for a
    malformed mobile. An existing customer keeps their owner and name.
    """
    if not mobile or not mobile.strip():
        return None, False
    normalised = normalise_mobile(mobile)
    existing = find_by_mobile(normalised)
    if existing is not None:
        return existing, False
    if not (name or "").strip():
        raise InvalidValue(_("新客户请填写姓名。"))
    customer = Customer(
        name=name.strip(),
        name_pinyin=full_pinyin(name.strip()),
        name_initials=initials(name.strip()),
        mobile=normalised,
        mobile_last4=normalised[-4:],
        source=source,
        owner_id=owner_id,
        created_by_id=tenancy.current().user_id,
    )
    db.session.add(customer)
    db.session.flush()
    audit.record("create", customer, after=audit.snapshot(customer), summary=customer.name)
    return customer, True


# --------------------------------------------------------------------------- search


SORTS: dict[str, Sort] = {
    "newest": Sort(_l("最新创建"), (Customer.created_at, Customer.id), desc=True),
    "oldest": Sort(_l("最早创建"), (Customer.created_at, Customer.id)),
    "name": Sort(_l("姓名拼音"), (Customer.name_pinyin, Customer.id)),
    "updated": Sort(_l("最近更新"), (Customer.updated_at, Customer.id), desc=True),
}
FILTERS = ("q", "owner", "source", "level", "tag", "created_from", "created_to", "sort")

_DIGITS = re.compile(r"^\+?[\d\s-]+$")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")
_ALNUM = re.compile(r"^[A-Z0-9]+$")
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{0,6}[\u4e00-\u9fff]?$")
LIKE_ESCAPE = "\\"


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column, value: str) -> sa.ColumnElement[bool]:
    """A prefix match an index serves. PostgreSQL: a plain ``LIKE 'x%'``, which the
    ``varchar_pattern_ops`` indexes serve in any collation and which the planner estimates
    once (a range plus the LIKE was estimated twice, the selectivity squared: 18 rows
    expected where 1 900 matched, and the wrong plan; issue 15). SQLite: a range the
    B-tree index serves, plus the exact LIKE."""
    pattern = _like_escape(value) + "%"
    if db.session.get_bind().dialect.name == "postgresql":
        return column.like(pattern, escape=LIKE_ESCAPE)
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return sa.and_(column >= value, column < upper, column.like(pattern, escape=LIKE_ESCAPE))


def _contains(column, value: str) -> sa.ColumnElement[bool]:
    return column.like("%" + _like_escape(value) + "%", escape=LIKE_ESCAPE)


def _vehicle_owners(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return Customer.id.in_(select(CustomerVehicle.owner_id).where(condition, CustomerVehicle.owner_id.isnot(None)))


def search_clause(q: str) -> tuple[str, sa.ColumnElement[bool] | None]:
    """Choose the query by the shape of what was typed, so one index serves it:
    11 digits = exact mobile, 4 digits = last-4 index, other digits = substring on mobile
    (trigram on PostgreSQL); lower-case letters = pinyin initials or full-pinyin prefix
    (B-tree ranges) or a Latin name; 5+ digits also match a VIN's serial; a plate ("粤B12345") = plate
    prefix/substring; 17 letters and digits = exact VIN; shorter letters+digits = VIN or plate substring;
    anything else = name substring. Returns (kind, clause)."""
    raw = (q or "").strip()
    if not raw:
        return "", None
    if _DIGITS.match(raw):
        digits = re.sub(r"[\s-]", "", raw).lstrip("+")
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if len(digits) == 11:
            return "mobile", Customer.mobile == digits
        if len(digits) == 4:
            return "last4", Customer.mobile_last4 == digits
        if len(digits) >= 5:
            # a VIN's last six are digits: the serial number people read off the windscreen
            return "mobile_part", sa.or_(
                _contains(Customer.mobile, digits), _vehicle_owners(_contains(CustomerVehicle.vin, digits))
            )
        return "mobile_part", _contains(Customer.mobile, digits)
    lowered = raw.lower().replace(" ", "")
    if _ASCII_LETTERS.match(lowered):
        # Latin names are their own "pinyin" (full_pinyin keeps them), so the two B-tree
        # prefixes cover them too; an OR with a name substring would scan the store.
        return "pinyin", sa.or_(_prefix(Customer.name_initials, lowered), _prefix(Customer.name_pinyin, lowered))
    compact = normalise_plate(raw)
    if _PLATE.match(compact):
        # a plate starts with its province character: what starts with it is a prefix
        return "plate", _vehicle_owners(_prefix(CustomerVehicle.plate, compact))
    if _ALNUM.match(compact) and re.search(r"\d", compact):
        if len(compact) == 17:
            return "vin", _vehicle_owners(CustomerVehicle.vin == compact)
        return "vin_part", _vehicle_owners(
            sa.or_(_contains(CustomerVehicle.vin, compact), _contains(CustomerVehicle.plate, compact))
        )
    if len(raw) < 3:
        # Trigrams need three characters: a one- or two-character name ("张", "张三") is a
        # prefix (surname first), which the trigram index serves; longer input a substring.
        return "name", Customer.name.like(_like_escape(raw) + "%", escape=LIKE_ESCAPE)
    return "name", _contains(Customer.name, raw)


@dataclass
class CustomerQuery:
    """The list's search box, filters and sort, from request args (unknown names ignored)."""

    q: str = ""
    owner: str = ""
    source: str = ""
    level: str = ""
    tag: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    sort: str = "newest"
    after: str | None = None

    @classmethod
    def from_args(cls, args) -> CustomerQuery:
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(args.get(name, "").strip())
            except ValueError:
                return None

        sort = args.get("sort", "newest")
        return cls(
            q=args.get("q", "").strip()[:60],
            owner=args.get("owner", "").strip(),
            source=args.get("source", "") if args.get("source", "") in SOURCES else "",
            level=args.get("level", "") if args.get("level", "") in LEVELS else "",
            tag=args.get("tag", "").strip()[:30],
            created_from=day("created_from"),
            created_to=day("created_to"),
            sort=sort if sort in SORTS else "newest",
            after=args.get("after") or None,
        )

    def args(self, **override: Any) -> dict[str, Any]:
        """The non-empty query-string values (for links and the next page)."""
        values = {
            "q": self.q,
            "owner": self.owner,
            "source": self.source,
            "level": self.level,
            "tag": self.tag,
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "sort": self.sort if self.sort != "newest" else "",
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class CustomerPage:
    page: Page
    count: int
    count_is_more: bool
    kind: str = ""
    query: CustomerQuery = field(default_factory=CustomerQuery)


def matching_customers(query: CustomerQuery, tz: str | None) -> tuple[sa.Select, str]:
    """The customers the user may see that match the list's search and filters (unordered),
    and the kind of search the text was read as."""
    ctx = tenancy.current()
    stmt = visible_customers()
    kind, clause = search_clause(query.q)
    if clause is not None:
        stmt = stmt.where(clause)
    if query.owner == "none":
        stmt = stmt.where(Customer.owner_id.is_(None))
    elif query.owner == "me":
        stmt = stmt.where(Customer.owner_id == ctx.user_id)
    elif query.owner.isdigit():
        stmt = stmt.where(Customer.owner_id == int(query.owner))
    if query.source:
        stmt = stmt.where(Customer.source == query.source)
    if query.level:
        stmt = stmt.where(Customer.level == query.level)
    if query.tag:
        stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag == query.tag)))
    if query.created_from:
        stmt = stmt.where(Customer.created_at >= local_day_bounds(query.created_from, tz)[0])
    if query.created_to:
        stmt = stmt.where(Customer.created_at < local_day_bounds(query.created_to, tz)[1])
    return stmt, kind


def search_customers(
    query: CustomerQuery, *, tz: str | None = None, size: int = PAGE_SIZE, with_count: bool = True
) -> CustomerPage:
    """One keyset page of the customers the user may see that match ``query``, with a
    bounded count (never a count over the whole store).

    The plain list (no search text) is ONE statement: the count is an uncorrelated scalar
    subquery (PostgreSQL runs it once, as an InitPlan) and the owner and the tags are joined
    eager loads around the limited page. A search matches first: the ids and sort values
    of up to ``COUNT_LIMIT + 1`` matches come from the index of the search (1 statement);
    when that is all of them they are sorted here and the page's rows loaded by id (1 more);
    when there are more, matches are dense and the page walks the list's order index."""
    stmt, kind = matching_customers(query, tz)
    sort = SORTS[query.sort]
    listed = stmt.options(joinedload(Customer.owner), joinedload(Customer.tags))
    if kind:
        matches = db.session.execute(
            stmt.with_only_columns(Customer.id, *sort.columns).order_by(None).limit(COUNT_LIMIT + 1)
        ).all()
        more = len(matches) > COUNT_LIMIT
        count = min(len(matches), COUNT_LIMIT) if with_count and not query.after else 0
        if not more:
            ids, next_token = keyset_slice(matches, sort, query.after, size)
            rows = {c.id: c for c in db.session.execute(listed.where(Customer.id.in_(ids))).unique().scalars()}
            page = Page(items=[rows[i] for i in ids if i in rows], next_token=next_token)
        else:
            page = keyset_page(listed, sort, query.after, size)
        return CustomerPage(page=page, count=count, count_is_more=more and count > 0, kind=kind, query=query)
    counted = with_count and not query.after
    if counted:
        bounded = stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery()
        listed = listed.add_columns(select(sa.func.count()).select_from(bounded).scalar_subquery().label("_count"))
    page = keyset_page(listed, sort, query.after, size, scalars=not counted)
    count = more = 0
    if counted:
        total = page.items[0][1] if page.items else 0  # no row on the first page: none match
        count, more = min(total, COUNT_LIMIT), total > COUNT_LIMIT
        page = Page(items=[row[0] for row in page.items], next_token=page.next_token)
    return CustomerPage(page=page, count=count, count_is_more=bool(more), kind=kind, query=query)


def store_tags(limit: int = 50) -> list[str]:
    """The store's tags for the filter (distinct over the (store_id, tag) index)."""
    return list(db.session.execute(select(CustomerTag.tag).distinct().order_by(CustomerTag.tag).limit(limit)).scalars())


def assignable_users() -> list[User]:
    """Members of the active store whose role works the sales floor (may follow up cards):
    the only people a customer may be assigned to."""
    ctx = tenancy.current()
    rows = db.session.execute(
        select(User, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.store_id == ctx.store_id, User.is_active.is_(True), User.org_id == ctx.org_id)
        .order_by(User.name, User.id)
    ).all()
    users: dict[int, User] = {}
    for user, role in rows:
        if "cards.edit" in role.permission_set:
            users[user.id] = user
    return list(users.values())


def store_owners() -> list[User]:
    """Staff who may appear as owners in the filter (the assignable ones)."""
    return assignable_users()


def may_own_customers() -> bool:
    """Whether the current user may hold customers (claim from the pool): the same people
    a customer may be assigned to. Owning one shows its full phone numbers, so a service
    advisor or a receptionist must not get them by claiming."""
    user_id = tenancy.current().user_id
    return user_id is not None and user_id in {u.id for u in assignable_users()}


# --------------------------------------------------------------------------- create / edit


def parse_tags(text: str) -> list[str]:
    parts = re.split(r"[,，、;；\s]+", text or "")
    seen: dict[str, None] = {}
    for part in parts:
        tag = part.strip()[:30]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _set_tags(customer: Customer, tags: list[str]) -> None:
    wanted = set(tags)
    for row in list(customer.tags):
        if row.tag not in wanted:
            customer.tags.remove(row)
    have = {row.tag for row in customer.tags}
    for tag in tags:
        if tag not in have:
            customer.tags.append(CustomerTag(tag=tag))


_PLAIN_FIELDS = (
    "name",
    "kind",
    "other_phones",
    "gender",
    "birthday",
    "email",
    "wechat",
    "address",
    "source",
    "level",
    "notes",
)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise what the form sent; raises FieldError beside the offending field."""
    values: dict[str, Any] = {}
    name = (data.get("name") or "").strip()
    if not name:
        raise FieldError("name", _("请填写姓名。"))
    values["name"] = name[:80]
    for key, allowed in (("kind", KINDS), ("gender", GENDERS), ("source", SOURCES), ("level", LEVELS)):
        value = data.get(key) or ""
        if key in data and value not in allowed:
            raise FieldError(key, _("请选择有效的选项。"))
        if key in data:
            values[key] = value
    for key in ("email", "wechat", "address", "notes"):
        if key in data:
            values[key] = (data.get(key) or "").strip()
    if "birthday" in data:
        values["birthday"] = data.get("birthday")
    if "other_phones" in data:
        phones = []
        for part in re.split(r"[,，、;；\s]+", data.get("other_phones") or ""):
            if part.strip():
                try:
                    phones.append(normalise_mobile(part))
                except InvalidValue:
                    phones.append(part.strip())  # landlines and extensions are kept as typed
        values["other_phones"] = ",".join(dict.fromkeys(phones))[:200]
    if "mobile" in data:
        raw = (data.get("mobile") or "").strip()
        try:
            values["mobile"] = normalise_mobile(raw) if raw else None
        except InvalidValue as error:
            raise FieldError("mobile", str(error)) from None
    if "id_number" in data:
        raw = (data.get("id_number") or "").strip()
        if raw:
            try:
                values["id_number"] = normalise_id_number(raw)
            except InvalidValue as error:
                raise FieldError("id_number", str(error)) from None
    if "tags" in data:
        values["tags"] = parse_tags(data.get("tags") or "")
    return values


def _check_mobile_free(mobile: str | None, customer_id: int | None) -> None:
    if not mobile:
        return
    existing = find_by_mobile(mobile)
    if existing is not None and existing.id != customer_id:
        raise DuplicateMobile(existing)


def _flush_unique(customer: Customer) -> None:
    """Flush in a savepoint so a concurrent insert of the same mobile is a clear message."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateMobile(find_by_mobile(customer.mobile) if customer.mobile else None) from None
    except StaleDataError:
        raise StaleRecord() from None


def create_customer(data: dict[str, Any]) -> Customer:
    """Create a customer: normalised mobile unique per store (DuplicateMobile), valid ID
    number (FieldError); a consultant's new customer is theirs, others' go to the pool."""
    ctx = tenancy.current()
    values = _clean(data)
    _check_mobile_free(values.get("mobile"), None)
    tags = values.pop("tags", [])
    customer = Customer(
        created_by_id=ctx.user_id, owner_id=None if ctx.can("customers.view_all") else ctx.user_id, **values
    )
    _fill_search_columns(customer)
    _set_tags(customer, tags)
    db.session.add(customer)
    _flush_unique(customer)
    audit.record("create", customer, after=audit.snapshot(customer), summary=customer.name)
    return customer


def update_customer(customer_id: int, data: dict[str, Any], expected_version: int | None) -> Customer:
    """Save an edit over the version it was loaded from (StaleRecord when someone saved in
    between: nothing is overwritten); mobile unique per store (DuplicateMobile). A blank
    ``mobile``/``other_phones``/``id_number`` that the user could not see keeps the stored
    value; other phones typed by such a user are added to the hidden ones."""
    customer = get_customer(customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleRecord()
    data = dict(data)
    if not can_see_full_mobile(customer):
        if not (data.get("mobile") or "").strip():
            data.pop("mobile", None)
        if not (data.get("other_phones") or "").strip():
            data.pop("other_phones", None)
        elif "other_phones" in data:
            # they could not see the stored numbers, so they cannot have meant to remove them
            data["other_phones"] = ",".join(p for p in (customer.other_phones, data["other_phones"]) if p)
    if not (data.get("id_number") or "").strip():
        data.pop("id_number", None)
    if not can_see_id_number():
        data.pop("id_number", None)
    values = _clean(data)
    _check_mobile_free(values.get("mobile"), customer.id)
    before = audit.snapshot(customer)
    tags_before = customer.tag_names
    tags = values.pop("tags", None)
    for key, value in values.items():
        setattr(customer, key, value)
    _fill_search_columns(customer)
    if tags is not None:
        _set_tags(customer, tags)
    # a tag-only change still bumps the version, so concurrent editors are told
    customer.updated_at = dt.datetime.now(dt.UTC)
    _flush_unique(customer)
    after = audit.snapshot(customer)
    if tags is not None and sorted(tags) != sorted(tags_before):
        before["tags"], after["tags"] = tags_before, tags
    audit.record("update", customer, before=before, after=after, summary=customer.name)
    return customer


# --------------------------------------------------------------------------- assignment


def assign_customers(customer_ids: list[int], owner_id: int | None) -> list[Customer]:
    """Give customers to a consultant (or back to the pool with None); the owner must be a
    sales member of the store (FieldError). Audit-logged per customer."""
    if owner_id is not None and owner_id not in {u.id for u in assignable_users()}:
        raise FieldError("owner_id", _("只能分配给本店的销售人员。"))
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        raise FieldError(None, _("请先勾选客户。"))
    customers = db.session.execute(visible_customers().where(Customer.id.in_(ids))).scalars().all()
    if len(customers) != len(ids):
        from flask import abort

        abort(404)
    for customer in customers:
        if customer.owner_id == owner_id:
            continue
        before = {"owner_id": customer.owner_id}
        customer.owner_id = owner_id
        audit.record("assign", customer, before=before, after={"owner_id": owner_id}, summary=customer.name)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleRecord() from None
    return customers


def claim_customer(customer_id: int) -> Customer:
    """A consultant takes an unassigned customer from the pool (FieldError if it already
    has an owner, or if the user is not one a customer may be assigned to)."""
    ctx = tenancy.current()
    customer = get_customer(customer_id)
    if not may_own_customers():
        raise FieldError(None, _("只有本店的销售人员可以认领客户。"))
    if customer.owner_id is not None:
        raise FieldError(None, _("该客户已有归属顾问。"))
    customer.owner_id = ctx.user_id
    audit.record("claim", customer, before={"owner_id": None}, after={"owner_id": ctx.user_id}, summary=customer.name)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleRecord() from None
    return customer


# --------------------------------------------------------------------------- vehicles


_VEHICLE_TEXT = ("brand", "model", "trim", "colour")
_VEHICLE_OTHER = ("purchase_date", "mileage", "insurance_expiry", "next_service_date", "next_service_mileage")


def _clean_vehicle(data: dict[str, Any]) -> dict[str, Any]:
    try:
        vin = normalise_vin(data.get("vin") or "")
    except InvalidValue as error:
        raise FieldError("vin", str(error)) from None
    values: dict[str, Any] = {"vin": vin, "plate": normalise_plate(data.get("plate") or "")[:12]}
    for key in _VEHICLE_TEXT:
        values[key] = (data.get(key) or "").strip()
    for key in _VEHICLE_OTHER:
        value = data.get(key)
        if key in ("mileage", "next_service_mileage") and value is not None and value < 0:
            raise FieldError(key, _("里程不能为负数。"))
        values[key] = value
    return values


def _vin_taken(vin: str, vehicle_id: int | None) -> None:
    existing = db.session.execute(select(CustomerVehicle).where(CustomerVehicle.vin == vin)).scalar_one_or_none()
    if existing is not None and existing.id != vehicle_id:
        raise DuplicateVin(existing)


def _flush_vehicle(vin: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateVin(
            db.session.execute(select(CustomerVehicle).where(CustomerVehicle.vin == vin)).scalar_one_or_none()
        ) from None
    except StaleDataError:
        raise FieldError(None, _("该车辆已被他人修改，请刷新后重试。")) from None


def add_vehicle(customer_id: int, data: dict[str, Any]) -> CustomerVehicle:
    """Register a customer's car: valid VIN with its check digit, unique per store
    (DuplicateVin); opens the first owner-history row."""
    customer = get_customer(customer_id)
    values = _clean_vehicle(data)
    _vin_taken(values["vin"], None)
    vehicle = CustomerVehicle(owner_id=customer.id, **values)
    today = values.get("purchase_date") or dt.date.today()
    vehicle.ownerships.append(VehicleOwnership(customer_id=customer.id, started_on=today))
    db.session.add(vehicle)
    _flush_vehicle(values["vin"])
    audit.record("create", vehicle, after=audit.snapshot(vehicle), summary=f"{customer.name} {vehicle.vin}")
    return vehicle


def update_vehicle(customer_vehicle_id: int, data: dict[str, Any], expected_version: int | None) -> CustomerVehicle:
    """Edit a car over the version it was loaded from (FieldError when stale); VIN rules as
    :func:`add_vehicle`."""
    vehicle = get_vehicle(customer_vehicle_id)
    if expected_version is not None and vehicle.version != expected_version:
        raise FieldError(None, _("该车辆已被他人修改，请刷新后重试。"))
    values = _clean_vehicle(data)
    _vin_taken(values["vin"], vehicle.id)
    before = audit.snapshot(vehicle)
    for key, value in values.items():
        setattr(vehicle, key, value)
    _flush_vehicle(values["vin"])
    audit.record("update", vehicle, before=before, after=audit.snapshot(vehicle), summary=vehicle.vin)
    return vehicle


def transfer_vehicle(customer_vehicle_id: int, new_owner_mobile: str, on: dt.date | None = None) -> CustomerVehicle:
    """Change a car's owner to another customer of the store, found by mobile (FieldError
    when unknown or the same): closes the open owner-history row and opens a new one."""
    vehicle = get_vehicle(customer_vehicle_id)
    try:
        mobile = normalise_mobile(new_owner_mobile)
    except InvalidValue as error:
        raise FieldError("mobile", str(error)) from None
    target = find_by_mobile(mobile)
    if target is None or not is_visible(target):
        raise FieldError("mobile", _("本店没有此手机号的客户，请先新建客户。"))
    if target.id == vehicle.owner_id:
        raise FieldError("mobile", _("该车已属于此客户。"))
    on = on or dt.date.today()
    before = audit.snapshot(vehicle)
    for row in vehicle.ownerships:
        if row.ended_on is None:
            row.ended_on = on
    vehicle.ownerships.append(VehicleOwnership(customer_id=target.id, started_on=on))
    vehicle.owner_id = target.id
    _flush_vehicle(vehicle.vin)
    audit.record(
        "transfer",
        vehicle,
        before=before,
        after=audit.snapshot(vehicle),
        summary=_("过户给 %(name)s", name=target.name),
    )
    return vehicle


def vehicles_of(customer_id: int) -> list[CustomerVehicle]:
    """A customer's cars with their owner history (two statements)."""
    return list(
        db.session.execute(
            select(CustomerVehicle)
            .where(CustomerVehicle.owner_id == customer_id)
            .options(selectinload(CustomerVehicle.ownerships).joinedload(VehicleOwnership.customer))
            .order_by(CustomerVehicle.id)
        ).scalars()
    )


# --------------------------------------------------------------------------- contacts


def _clean_contact(data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    if not name:
        raise FieldError("name", _("请填写联系人姓名。"))
    raw = (data.get("mobile") or "").strip()
    try:
        mobile = normalise_mobile(raw) if raw else ""
    except InvalidValue as error:
        raise FieldError("mobile", str(error)) from None
    return {
        "name": name[:80],
        "title": (data.get("title") or "").strip()[:60],
        "mobile": mobile,
        "is_primary": bool(data.get("is_primary")),
    }


def _one_primary(customer: Customer, contact: CustomerContact) -> None:
    if contact.is_primary:
        for other in customer.contacts:
            if other is not contact:
                other.is_primary = False


def add_contact(customer_id: int, data: dict[str, Any]) -> CustomerContact:
    """Add a contact person to a company customer (FieldError for a person customer)."""
    customer = get_customer(customer_id)
    if customer.kind != "company":
        raise FieldError(None, _("只有公司客户可以添加联系人。"))
    contact = CustomerContact(**_clean_contact(data))
    customer.contacts.append(contact)
    _one_primary(customer, contact)
    db.session.flush()
    audit.record("create", contact, after=audit.snapshot(contact), summary=f"{customer.name} {contact.name}")
    return contact


def update_contact(customer_contact_id: int, data: dict[str, Any]) -> CustomerContact:
    """Edit a company contact. A blank mobile from a user who may not see the company's
    numbers in full keeps the stored one."""
    contact = get_contact(customer_contact_id)
    values = _clean_contact(data)
    if not values["mobile"] and not can_see_full_mobile(contact.customer):
        del values["mobile"]
    before = audit.snapshot(contact)
    for key, value in values.items():
        setattr(contact, key, value)
    _one_primary(contact.customer, contact)
    db.session.flush()
    audit.record("update", contact, before=before, after=audit.snapshot(contact), summary=contact.name)
    return contact


def remove_contact(customer_contact_id: int) -> int:
    """Remove a company contact; returns the customer id."""
    contact = get_contact(customer_contact_id)
    customer_id = contact.customer_id
    audit.record("delete", contact, before=audit.snapshot(contact), summary=contact.name)
    db.session.delete(contact)
    db.session.flush()
    return customer_id


# --------------------------------------------------------------------------- duplicates and merge


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
        select(Customer, CustomerVehicle.plate)
        .join(CustomerVehicle, CustomerVehicle.owner_id == Customer.id)
        .where(CustomerVehicle.plate.in_(shared_plates))
        .options(joinedload(Customer.owner))
    ):
        customers[customer.id] = customer
        owners_by_plate.setdefault(plate, set()).add(customer.id)
    # phones: customers with other phones (few), matched against mobiles in one IN query
    holders = (
        db.session.execute(
            select(Customer).where(Customer.other_phones != "").options(joinedload(Customer.owner)).limit(5000)
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
            select(Customer).where(Customer.mobile.in_(keys)).options(joinedload(Customer.owner))
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
