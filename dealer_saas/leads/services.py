"""Visit log and follow-up card rules: call-back dates from the intent level, the contact
log, the card status transitions (one table), ownership of cards, and the list queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, settings, tenancy
from ..customers.models import Customer
from ..customers.services import can_see_full_mobile, find_by_mobile, find_or_create_for_visit
from ..extensions import db
from ..inventory.models import VehicleModel
from ..pagination import Page, Sort, keyset_page
from ..tenancy import Membership, Role, Store, User
from ..timeutil import local, local_day_bounds, local_today, utcnow
from ..validation import InvalidValue, normalise_mobile
from .models import CARD_STATUSES, CONTACT_CHANNELS, INTENT_LEVELS, VISIT_KINDS, CardContact, FollowUpCard, Visit

#: open C-level cards without any contact for this long go dormant (the daily job)
STALE_DAYS = 60
#: cards per pipeline column before the "more" link
PIPELINE_COLUMN_SIZE = 20
MY_DAY_LIMIT = 200


class LeadsError(Exception):
    """A domain rule refused the change; the message is safe to show. ``field`` names the
    form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidTransition(LeadsError):
    """The card's status does not allow this action."""


class StaleCard(LeadsError):
    """Someone else saved the card first."""


# --------------------------------------------------------------------------- helpers


def current_store() -> Store | None:
    """The active store (not tenant-owned itself; the identity map usually has it); None in
    the all-stores roll-up."""
    store_id = tenancy.current().store_id
    return db.session.get(Store, store_id) if store_id is not None else None


def store_tz() -> str | None:
    """The active store's time zone (the default one in the roll-up)."""
    store = current_store()
    return store.timezone if store else None


def store_today() -> dt.date:
    """Today in the active store's time zone."""
    return local_today(store_tz())


def callback_days() -> dict[str, int]:
    """Days to the next call-back per level, from the store's settings (H1 A3 B7 C15)."""
    return settings.callback_days(current_store())


def next_contact_for(level: str, from_day: dt.date) -> dt.date:
    """Rule: the next call-back is ``from_day`` plus the store's days for ``level``."""
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    return from_day + dt.timedelta(days=callback_days()[level])


def _sees_all() -> bool:
    return tenancy.current().can("customers.view_all")


def consultants() -> list[User]:
    """Active users holding the sales consultant role in the active store."""
    ctx = tenancy.current()
    # memberships are not tenant-owned rows: the store is named explicitly here
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.store_id == ctx.store_id, Role.code == "sales_consultant", User.is_active.is_(True))
        .distinct()
        .order_by(User.name, User.id)
    )
    return list(db.session.execute(stmt).scalars())


def _check_consultant(consultant_id: int | None, allowed_extra: int | None = None) -> int | None:
    if not consultant_id:
        return None
    if consultant_id == allowed_extra:
        return consultant_id
    if consultant_id not in {u.id for u in consultants()}:
        raise LeadsError(_("请选择本店的销售顾问。"), "consultant_id")
    return consultant_id


def vehicle_models() -> list[VehicleModel]:
    """The organisation's active models for the "intended model" chips, the active store's
    own brands first (a group sells several brands; a VW store's visitors want VWs)."""
    store = current_store()
    brands = store.brand_list if store else []
    own_first = sa.case((VehicleModel.brand.in_(brands), 0), else_=1) if brands else sa.literal(0)
    stmt = (
        select(VehicleModel)
        .where(VehicleModel.is_active.is_(True))
        .order_by(own_first, VehicleModel.brand, VehicleModel.series, VehicleModel.id)
        .limit(60)
    )
    return list(db.session.execute(stmt).scalars())


def _model_label(model_id: int | None, free_text: str) -> tuple[int | None, str]:
    """The model id (checked against the org's models) and the text to store."""
    text = (free_text or "").strip()
    if not model_id:
        return None, text
    model = tenancy.get_or_none(VehicleModel, model_id)
    if model is None:
        raise LeadsError(_("车型不存在。"), "model_id")
    return model.id, text or model.series


def customer_for_mobile(mobile: str) -> Customer | None:
    """The store's customer with this mobile, for the receptionist's hint; None when the
    number is incomplete or unknown."""
    try:
        normalised = normalise_mobile(mobile)
    except InvalidValue:
        return None
    return find_by_mobile(normalised)


# --------------------------------------------------------------------------- visits


@dataclass
class VisitInput:
    kind: str = "walk_in"
    mobile: str = ""
    name: str = ""
    party_size: int = 1
    model_id: int | None = None
    intended_model: str = ""
    source: str = ""
    consultant_id: int | None = None
    time_in: dt.datetime | None = None
    time_out: dt.datetime | None = None
    wants_test_drive: bool = False
    summary: str = ""
    card_level: str = ""

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> VisitInput:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def _visit_values(data: VisitInput) -> dict[str, Any]:
    if data.kind not in VISIT_KINDS:
        raise LeadsError(_("请选择到店或来电。"), "kind")
    if data.time_in and data.time_out and data.time_out < data.time_in:
        raise LeadsError(_("离店时间不能早于到店时间。"), "time_out")
    model_id, model_text = _model_label(data.model_id, data.intended_model)
    return dict(
        kind=data.kind,
        party_size=max(1, data.party_size or 1),
        model_id=model_id,
        intended_model=model_text[:80],
        source=data.source or data.kind,
        wants_test_drive=bool(data.wants_test_drive),
        summary=(data.summary or "").strip(),
        time_out=data.time_out,
    )


def _find_customer(data: VisitInput, consultant_id: int | None) -> Customer | None:
    mobile = (data.mobile or "").strip()
    if mobile:
        try:
            normalise_mobile(mobile)
        except InvalidValue as error:
            raise LeadsError(str(error), "mobile") from None
    try:
        customer, _created = find_or_create_for_visit(
            name=data.name or "", mobile=mobile or None, source=data.source or data.kind, owner_id=consultant_id
        )
    except InvalidValue as error:
        # the mobile is valid, so the refusal is "a new customer needs a name"
        raise LeadsError(str(error), "name") from None
    return customer


def _card_consultant(customer: Customer, consultant_id: int | None) -> int | None:
    """Who follows up the card a visit opens: the chosen consultant, except that a user who
    cannot see the whole store's customers does not open a card for another consultant's
    customer under anyone else (that would hand over the customer and their full number).
    Such a visitor is a returning customer of their own consultant, so the card goes to
    that consultant: the visit is logged as received, and the intent is not lost."""
    if _sees_all() or customer.owner_id in (None, tenancy.current().user_id):
        return consultant_id
    return customer.owner_id


def log_visit(data: VisitInput) -> tuple[Visit, FollowUpCard | None]:
    """Rule: one save logs the visit, finds or creates the customer by mobile and may open a
    card (level -> next call-back); a card for another consultant's customer goes to that
    consultant (:func:`_card_consultant`). A visit without contact details is still logged.
    Raises LeadsError (with the field) for a bad mobile, a missing name or consultant."""
    ctx = tenancy.current()
    consultant_id = _check_consultant(data.consultant_id)
    values = _visit_values(data)
    if data.card_level and data.card_level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "card_level")
    if data.card_level and not (data.mobile or "").strip():
        raise LeadsError(_("开意向跟进卡需要客户手机号。"), "mobile")
    customer = _find_customer(data, consultant_id)
    visit = Visit(
        customer_id=customer.id if customer else None,
        visitor_name="" if customer else (data.name or "").strip()[:80],
        time_in=data.time_in or utcnow(),
        consultant_id=consultant_id,
        created_by_id=ctx.user_id,
        **values,
    )
    db.session.add(visit)
    db.session.flush()
    card = None
    if data.card_level:
        card = _new_card(
            customer,
            level=data.card_level,
            consultant_id=_card_consultant(customer, consultant_id),
            model_id=visit.model_id,
            intended_model=visit.intended_model,
            source=visit.source,
        )
        visit.card_id = card.id
        db.session.flush()
    audit.record(
        "create",
        visit,
        after=audit.snapshot(visit),
        summary=f"{visit.kind} {customer.name if customer else visit.visitor_name}",
    )
    return visit, card


def update_visit(visit_id: int, data: VisitInput) -> Visit:
    """Rule: edit a visit; contact details added later link (or create) the customer.
    Raises LeadsError as :func:`log_visit`."""
    visit = tenancy.get_or_404(Visit, visit_id)
    before = audit.snapshot(visit)
    consultant_id = _check_consultant(data.consultant_id, allowed_extra=visit.consultant_id)
    values = _visit_values(data)
    if visit.customer_id is None and (data.mobile or "").strip():
        customer = _find_customer(data, consultant_id)
        visit.customer_id = customer.id if customer else None
        visit.visitor_name = ""
    elif visit.customer_id is None:
        visit.visitor_name = (data.name or "").strip()[:80]
    for key, value in values.items():
        setattr(visit, key, value)
    if data.time_in:
        visit.time_in = data.time_in
    visit.consultant_id = consultant_id
    db.session.flush()
    audit.record("update", visit, before=before, after=audit.snapshot(visit))
    return visit


def mark_visit_left(visit_id: int) -> Visit:
    """Rule: "离店" sets time_out to now once; a second tap changes nothing."""
    visit = tenancy.get_or_404(Visit, visit_id)
    if visit.time_out is None:
        before = audit.snapshot(visit)
        visit.time_out = utcnow()
        db.session.flush()
        audit.record("update", visit, before=before, after=audit.snapshot(visit), summary="time_out")
    return visit


@dataclass
class ConsultantGroup:
    consultant: User | None
    visits: list[Visit] = field(default_factory=list)


@dataclass
class VisitBoard:
    day: dt.date
    groups: list[ConsultantGroup]
    total: int
    walk_ins: int
    phone: int
    no_contact: int
    in_showroom: int


def visit_board(day: dt.date | None = None) -> VisitBoard:
    """The store's visits of one local day, grouped by consultant, with the day's counts."""
    day = day or store_today()
    start, end = local_day_bounds(day, store_tz())
    stmt = (
        select(Visit)
        .where(Visit.time_in >= start, Visit.time_in < end)
        .options(joinedload(Visit.customer), joinedload(Visit.consultant))
        .order_by(Visit.time_in.desc(), Visit.id.desc())
        .limit(1000)
    )
    visits = list(db.session.execute(stmt).unique().scalars())
    groups: dict[int | None, ConsultantGroup] = {}
    for visit in visits:
        groups.setdefault(visit.consultant_id, ConsultantGroup(visit.consultant)).visits.append(visit)
    ordered = sorted(groups.values(), key=lambda g: (g.consultant is None, g.consultant.name if g.consultant else ""))
    return VisitBoard(
        day=day,
        groups=ordered,
        total=len(visits),
        walk_ins=sum(v.kind == "walk_in" for v in visits),
        phone=sum(v.kind == "phone" for v in visits),
        no_contact=sum(v.customer_id is None for v in visits),
        in_showroom=sum(v.kind == "walk_in" and v.time_out is None for v in visits),
    )


VISIT_SORTS = {"recent": Sort(_l("最近"), (Visit.time_in, Visit.id), desc=True)}


def list_visits(filters: dict[str, Any], after: str | None, size: int = 30) -> Page[Visit]:
    """Visits filtered by date range, consultant, kind, no-contact-only; keyset pages."""
    stmt = select(Visit).options(joinedload(Visit.customer), joinedload(Visit.consultant))
    if filters.get("date_from"):
        stmt = stmt.where(Visit.time_in >= local_day_bounds(filters["date_from"], store_tz())[0])
    if filters.get("date_to"):
        stmt = stmt.where(Visit.time_in < local_day_bounds(filters["date_to"], store_tz())[1])
    if filters.get("consultant_id"):
        stmt = stmt.where(Visit.consultant_id == filters["consultant_id"])
    if filters.get("kind") in VISIT_KINDS:
        stmt = stmt.where(Visit.kind == filters["kind"])
    if filters.get("no_contact"):
        stmt = stmt.where(Visit.customer_id.is_(None))
    return keyset_page(stmt, VISIT_SORTS["recent"], after, size)


def get_visit(visit_id: int) -> Visit:
    """A visit of the store, with what its page shows (404 when foreign)."""
    stmt = (
        select(Visit)
        .where(Visit.id == int(visit_id))
        .options(joinedload(Visit.customer), joinedload(Visit.consultant), joinedload(Visit.card))
    )
    visit = db.session.execute(stmt).scalar_one_or_none()
    if visit is None:
        from flask import abort

        abort(404)
    return visit


# --------------------------------------------------------------------------- cards: reading


def visible_cards():
    """Cards the current user may see: a consultant their own and the unassigned pool,
    anyone with ``customers.view_all`` the whole store."""
    stmt = select(FollowUpCard)
    if not _sees_all():
        user_id = tenancy.current().user_id
        stmt = stmt.where(sa.or_(FollowUpCard.consultant_id == user_id, FollowUpCard.consultant_id.is_(None)))
    return stmt


def get_card(card_id: int) -> FollowUpCard:
    """A card the current user may see, else 404 (foreign store or another consultant's)."""
    try:
        ident = int(card_id)
    except (TypeError, ValueError):
        ident = -1
    stmt = (
        visible_cards()
        .where(FollowUpCard.id == ident)
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
    )
    card = db.session.execute(stmt).scalar_one_or_none()
    if card is None:
        from flask import abort

        abort(404)
    return card


def card_contacts(card_id: int, limit: int = 100) -> list[CardContact]:
    """The card's contact log, newest first."""
    stmt = (
        select(CardContact)
        .where(CardContact.card_id == card_id)
        .options(joinedload(CardContact.by_user))
        .order_by(CardContact.at.desc(), CardContact.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


CARD_SORTS = {
    "due": Sort(_l("下次跟进"), (FollowUpCard.next_contact_on, FollowUpCard.id)),
    "new": Sort(_l("最新"), (FollowUpCard.created_at, FollowUpCard.id), desc=True),
}


def list_cards(filters: dict[str, Any], after: str | None, size: int = 30) -> Page[FollowUpCard]:
    """Cards filtered by level, status, consultant, overdue only; keyset pages."""
    stmt = visible_cards().options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
    status = filters.get("status") or "open"
    if status in CARD_STATUSES:
        stmt = stmt.where(FollowUpCard.status == status)
    if filters.get("level") in INTENT_LEVELS:
        stmt = stmt.where(FollowUpCard.level == filters["level"])
    if filters.get("consultant_id"):
        stmt = stmt.where(FollowUpCard.consultant_id == filters["consultant_id"])
    if filters.get("overdue"):
        stmt = stmt.where(FollowUpCard.status == "open", FollowUpCard.next_contact_on < store_today())
    sort = CARD_SORTS.get(filters.get("sort") or "due", CARD_SORTS["due"])
    if sort is CARD_SORTS["due"]:
        stmt = stmt.where(FollowUpCard.next_contact_on.is_not(None))
    return keyset_page(stmt, sort, after, size)


def last_contacts(card_ids: list[int]) -> dict[int, CardContact]:
    """The newest contact of each card, in one query (a window function)."""
    if not card_ids:
        return {}
    ranked = (
        select(
            CardContact.id,
            sa.func.row_number()
            .over(partition_by=CardContact.card_id, order_by=(CardContact.at.desc(), CardContact.id.desc()))
            .label("rn"),
        )
        .where(CardContact.card_id.in_(card_ids))
        .subquery()
    )
    stmt = select(CardContact).join(ranked, ranked.c.id == CardContact.id).where(ranked.c.rn == 1)
    return {c.card_id: c for c in db.session.execute(stmt).scalars()}


@dataclass
class MyDay:
    cards: list[FollowUpCard]
    last: dict[int, CardContact]
    today: dt.date
    overdue: int
    due_today: int
    everyone: bool


def my_day(everyone: bool = False) -> MyDay:
    """The signed-in consultant's open cards due today or overdue (overdue first, oldest
    first); with ``everyone`` (managers) every consultant's overdue cards."""
    ctx = tenancy.current()
    today = store_today()
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.status == "open")
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
    )
    if everyone and _sees_all():
        stmt = stmt.where(FollowUpCard.next_contact_on < today)
    else:
        everyone = False
        stmt = stmt.where(FollowUpCard.consultant_id == ctx.user_id, FollowUpCard.next_contact_on <= today)
    stmt = stmt.order_by(FollowUpCard.next_contact_on, FollowUpCard.id).limit(MY_DAY_LIMIT)
    cards = list(db.session.execute(stmt).scalars())
    overdue = sum(c.next_contact_on < today for c in cards)
    return MyDay(
        cards=cards,
        last=last_contacts([c.id for c in cards]),
        today=today,
        overdue=overdue,
        due_today=len(cards) - overdue,
        everyone=everyone,
    )


def my_day_counts() -> tuple[int, int]:
    """(overdue, due today) of the signed-in consultant's open cards: one grouped query."""
    ctx = tenancy.current()
    today = store_today()
    is_overdue = FollowUpCard.next_contact_on < today
    stmt = (
        select(is_overdue.label("o"), sa.func.count())
        .where(
            FollowUpCard.status == "open",
            FollowUpCard.consultant_id == ctx.user_id,
            FollowUpCard.next_contact_on <= today,
        )
        .group_by(is_overdue)
    )
    counts = {bool(o): n for o, n in db.session.execute(stmt)}
    return counts.get(True, 0), counts.get(False, 0)


def pipeline_column(level: str, limit: int = PIPELINE_COLUMN_SIZE) -> tuple[list[FollowUpCard], bool]:
    """Open cards of one level, newest activity first, bounded; (cards, has_more)."""
    stmt = (
        visible_cards()
        .where(FollowUpCard.status == "open", FollowUpCard.level == level)
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
        .order_by(FollowUpCard.updated_at.desc(), FollowUpCard.id.desc())
        .limit(limit + 1)
    )
    cards = list(db.session.execute(stmt).scalars())
    return cards[:limit], len(cards) > limit


def pipeline_columns(levels, limit: int = PIPELINE_COLUMN_SIZE) -> dict[str, tuple[list[FollowUpCard], bool]]:
    """Every level's column of :func:`pipeline_column` in ONE statement: the cards are ranked
    per level (``row_number``) and the first ``limit + 1`` of each are loaded."""
    levels = list(levels)
    order = (FollowUpCard.updated_at.desc(), FollowUpCard.id.desc())
    ranked = (
        visible_cards()
        .with_only_columns(
            FollowUpCard.id,
            sa.func.row_number().over(partition_by=FollowUpCard.level, order_by=order).label("rn"),
        )
        .where(FollowUpCard.status == "open", FollowUpCard.level.in_(levels))
        .subquery()
    )
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.id.in_(select(ranked.c.id).where(ranked.c.rn <= limit + 1)))
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
        .order_by(*order)
    )
    by_level: dict[str, list[FollowUpCard]] = {level: [] for level in levels}
    for card in db.session.execute(stmt).scalars():
        by_level.setdefault(card.level, []).append(card)
    return {level: (cards[:limit], len(cards) > limit) for level, cards in by_level.items()}


def lost_queue(limit: int = 100) -> list[FollowUpCard]:
    """Lost (战败) requests waiting for the manager, oldest first."""
    stmt = (
        visible_cards()
        .where(FollowUpCard.status == "lost_pending")
        .options(
            joinedload(FollowUpCard.customer),
            joinedload(FollowUpCard.consultant),
            joinedload(FollowUpCard.lost_requested_by),
        )
        .order_by(FollowUpCard.lost_requested_at, FollowUpCard.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


# --------------------------------------------------------------------------- cards: writing


def _check_next_contact(day: dt.date | None) -> None:
    if day is not None and day < store_today():
        raise LeadsError(_("下次跟进日期不能早于今天。"), "next_contact_on")


def _new_card(
    customer: Customer,
    *,
    level: str,
    consultant_id: int | None,
    model_id: int | None = None,
    intended_model: str = "",
    source: str = "walk_in",
    next_contact_on: dt.date | None = None,
    **extra: Any,
) -> FollowUpCard:
    _check_next_contact(next_contact_on)
    card = FollowUpCard(
        customer_id=customer.id,
        consultant_id=consultant_id,
        level=level,
        next_contact_on=next_contact_on or next_contact_for(level, store_today()),
        model_id=model_id,
        intended_model=intended_model,
        source=source,
        status="open",
        created_by_id=tenancy.current().user_id,
        **extra,
    )
    db.session.add(card)
    db.session.flush()
    audit.record("create", card, after=audit.snapshot(card), summary=f"{customer.name} {level}")
    return card


CARD_FIELDS = (
    "model_id",
    "intended_model",
    "intended_trim",
    "intended_colour",
    "budget",
    "payment_method",
    "competitor_models",
    "source",
)


def _visible_customer(customer_id: int) -> Customer:
    customer = tenancy.get_or_404(Customer, customer_id)
    ctx = tenancy.current()
    if not _sees_all() and customer.owner_id not in (None, ctx.user_id):
        from flask import abort

        abort(404)
    return customer


def create_card(customer_id: int, data: dict[str, Any]) -> FollowUpCard:
    """Rule: open a card for a customer the user may see; the level sets the next call-back
    (the consultant may give another date). Raises LeadsError."""
    customer = _visible_customer(customer_id)
    ctx = tenancy.current()
    consultant_id = data.get("consultant_id") or (customer.owner_id or ctx.user_id)
    if consultant_id != ctx.user_id:
        consultant_id = _check_consultant(consultant_id, allowed_extra=customer.owner_id)
    model_id, text = _model_label(data.get("model_id"), data.get("intended_model", ""))
    extra = {k: data[k] for k in CARD_FIELDS if k in data and k not in ("model_id", "intended_model", "source")}
    return _new_card(
        customer,
        level=data.get("level") or "C",
        consultant_id=consultant_id,
        model_id=model_id,
        intended_model=text,
        source=data.get("source") or customer.source,
        next_contact_on=data.get("next_contact_on"),
        **extra,
    )


def update_card(card_id: int, data: dict[str, Any], version: int) -> FollowUpCard:
    """Rule: edit the card fields if nobody saved since ``version``; a level change moves the
    next call-back unless a date was given. Raises StaleCard, LeadsError."""
    card = get_card(card_id)
    if card.version != version:
        raise StaleCard(_("已被他人修改，请刷新后重试"))
    before = audit.snapshot(card)
    model_id, text = _model_label(data.get("model_id"), data.get("intended_model", ""))
    card.model_id, card.intended_model = model_id, text
    for key in CARD_FIELDS:
        if key in data and key not in ("model_id", "intended_model"):
            setattr(card, key, data[key] if data[key] is not None or key == "budget" else "")
    if "consultant_id" in data and data["consultant_id"] != card.consultant_id and _sees_all():
        card.consultant_id = _check_consultant(data["consultant_id"])
    level = data.get("level") or card.level
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    level_changed = level != card.level
    if level_changed and card.status != "open":
        raise InvalidTransition(_("只有跟进中的卡片可以调整意向级别（当前：%(s)s）。", s=CARD_STATUSES[card.status]))
    card.level = level
    if data.get("next_contact_on") and data["next_contact_on"] != card.next_contact_on:
        _check_next_contact(data["next_contact_on"])
        card.next_contact_on = data["next_contact_on"]
    elif level_changed:
        card.next_contact_on = next_contact_for(level, store_today())
    _flush_card()
    audit.record("update", card, before=before, after=audit.snapshot(card))
    return card


def _flush_card() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleCard(_("已被他人修改，请刷新后重试")) from None


def change_card_level(card_id: int, level: str) -> FollowUpCard:
    """Rule: only an open card changes level; the next call-back restarts from today.
    Raises LeadsError, InvalidTransition."""
    card = get_card(card_id)
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    if card.status != "open":
        raise InvalidTransition(_("只有跟进中的卡片可以调整意向级别（当前：%(s)s）。", s=CARD_STATUSES[card.status]))
    if level == card.level:
        return card
    before = audit.snapshot(card)
    card.level = level
    card.next_contact_on = next_contact_for(level, store_today())
    _flush_card()
    audit.record(
        "update", card, before=before, after=audit.snapshot(card), summary=f"level {before['level']} -> {level}"
    )
    return card


def log_contact(card_id: int, data: dict[str, Any]) -> tuple[CardContact, bool]:
    """Rule: a contact on an open card restarts the call-back cycle from the contact date
    (level days, or the consultant's own date) and may change the level; returns
    (contact, level_changed). Raises LeadsError, InvalidTransition."""
    card = get_card(card_id)
    if card.status != "open":
        raise InvalidTransition(_("只有跟进中的卡片可以登记跟进（当前：%(s)s）。", s=CARD_STATUSES[card.status]))
    channel = data.get("channel") or "phone"
    if channel not in CONTACT_CHANNELS:
        raise LeadsError(_("请选择跟进方式。"), "channel")
    content = (data.get("content") or "").strip()
    if not content:
        raise LeadsError(_("请填写跟进内容。"), "content")
    level = data.get("level") or card.level
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    now = utcnow()
    contact_day = local(now, store_tz()).date()
    next_on = data.get("next_contact_on") or next_contact_for(level, contact_day)
    _check_next_contact(next_on)
    before = audit.snapshot(card)
    contact = CardContact(
        card_id=card.id,
        at=now,
        channel=channel,
        content=content,
        objections=(data.get("objections") or "").strip()[:300],
        next_step=(data.get("next_step") or "").strip()[:300],
        level_before=card.level,
        level_after=level,
        next_contact_on=next_on,
        by_user_id=tenancy.current().user_id,
    )
    db.session.add(contact)
    level_changed = level != card.level
    card.level, card.next_contact_on, card.last_contact_at = level, next_on, now
    _flush_card()
    audit.record("create", contact, after=audit.snapshot(contact), summary=content[:100])
    audit.record("update", card, before=before, after=audit.snapshot(card))
    return contact, level_changed


# --------------------------------------------------------------------------- cards: status

#: (from status, action) -> to status. The only place card statuses change.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "request_lost"): "lost_pending",
    ("lost_pending", "approve_lost"): "lost",
    ("lost_pending", "send_back"): "open",
    ("open", "win"): "won",
    # a delivered car wins the card whatever happened to it meanwhile (only delivery wins)
    ("dormant", "win"): "won",
    ("lost_pending", "win"): "won",
    ("lost", "win"): "won",
    ("open", "make_dormant"): "dormant",
    ("dormant", "reactivate"): "open",
}
ACTION_LABELS = {
    "request_lost": _l("申请战败"),
    "approve_lost": _l("批准战败"),
    "send_back": _l("退回继续跟进"),
    "win": _l("成交"),
    "make_dormant": _l("转为休眠"),
    "reactivate": _l("重新激活"),
}


def allowed_actions(card: FollowUpCard) -> list[str]:
    """The actions the card's status allows (the page shows only these)."""
    return [action for (status, action) in TRANSITIONS if status == card.status]


def _apply(card: FollowUpCard, action: str) -> str:
    """Move a card along :data:`TRANSITIONS`; anything else is refused with a message."""
    target = TRANSITIONS.get((card.status, action))
    if target is None:
        raise InvalidTransition(
            _(
                "当前状态「%(s)s」不能执行「%(a)s」。",
                s=CARD_STATUSES.get(card.status, card.status),
                a=ACTION_LABELS.get(action, action),
            )
        )
    return target


def transition_card(card_id: int, action: str, **values: Any) -> FollowUpCard:
    """Rule: apply one status action to a visible card (request_lost needs a reason and a
    competitor; approve/send back need the approver not to be the requester or the
    consultant; send back needs a note). Raises InvalidTransition, LeadsError."""
    card = get_card(card_id)
    return _transition(card, action, **values)


def _transition(
    card: FollowUpCard,
    action: str,
    *,
    reason: str = "",
    competitor: str = "",
    note: str = "",
    order_id: int | None = None,
) -> FollowUpCard:
    ctx = tenancy.current()
    target = _apply(card, action)
    before = audit.snapshot(card)
    now = utcnow()
    if action == "request_lost":
        if not (reason or "").strip():
            raise LeadsError(_("请填写战败原因。"), "reason")
        if not (competitor or "").strip():
            raise LeadsError(_("请填写战败去向（竞品品牌/车型）。"), "competitor")
        card.lost_reason, card.lost_competitor = reason.strip()[:200], competitor.strip()[:80]
        card.lost_requested_by_id, card.lost_requested_at = ctx.user_id, now
        card.lost_reviewed_by_id, card.lost_reviewed_at, card.lost_review_note = None, None, ""
    elif action in ("approve_lost", "send_back"):
        if not ctx.can("cards.approve_lost"):
            raise LeadsError(_("没有审批战败申请的权限。"))
        if ctx.user_id is not None and ctx.user_id in (card.lost_requested_by_id, card.consultant_id):
            raise LeadsError(_("不能审批自己的战败申请。"))
        if action == "send_back":
            if not (note or "").strip():
                raise LeadsError(_("退回时请填写说明。"), "note")
            # back to work: the next call-back starts again from today
            card.next_contact_on = next_contact_for(card.level, store_today())
        card.lost_review_note = (note or "").strip()[:200]
        card.lost_reviewed_by_id, card.lost_reviewed_at = ctx.user_id, now
    elif action == "win":
        card.won_order_id, card.won_at = order_id, now
    elif action == "make_dormant":
        card.dormant_at = now
    elif action == "reactivate":
        card.dormant_at = None
        card.next_contact_on = next_contact_for(card.level, store_today())
    card.status = target
    _flush_card()
    audit.record(
        "transition",
        card,
        before=before,
        after=audit.snapshot(card),
        # codes, not labels: jobs run outside a request, where no locale is chosen
        summary=f"{action}: {before['status']} -> {target}",
    )
    return card


def mark_card_won(card_id: int, order_id: int) -> FollowUpCard:
    """For the sales module: an order was created from this card (open -> won). Raises
    InvalidTransition when the card is not open; a card already won by this order is kept."""
    card = tenancy.get_or_404(FollowUpCard, card_id)
    if card.status == "won" and card.won_order_id == order_id:
        return card
    return _transition(card, "win", order_id=order_id)


def mark_stale_cards_dormant(days: int = STALE_DAYS) -> int:
    """Rule: open C-level cards without contact for ``days`` days go dormant (idempotent:
    dormant cards are not open any more). Returns how many changed."""
    cutoff = utcnow() - dt.timedelta(days=days)
    last_activity = sa.func.coalesce(FollowUpCard.last_contact_at, FollowUpCard.created_at)
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.status == "open", FollowUpCard.level == "C", last_activity < cutoff)
        .order_by(FollowUpCard.id)
        .limit(5000)
    )
    cards = list(db.session.execute(stmt).scalars())
    for card in cards:
        _transition(card, "make_dormant")
    return len(cards)


def can_call(card: FollowUpCard) -> bool:
    """The full phone number of a card's customer: the card's consultant has to call them;
    anyone else by the customers' rule (``customers.pii`` or the customer's owner)."""
    return card.consultant_id == tenancy.current().user_id or can_see_full_mobile(card.customer)
