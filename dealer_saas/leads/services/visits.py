"""The visit log (来店/来电): one save logs the visit, finds or creates the customer by
mobile and may open a card (which goes to the customer's consultant when the user cannot
see the whole store; an H or A card needs a consultant unless a manager chooses to leave it
unassigned); the returning-customer hint (full number or last 4 digits); edits, "left", the
day's board and the list."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy, visibility
from ...customers.models import SOURCES, Customer
from ...customers.services import find_by_mobile, find_or_create_for_visit, visible_customers
from ...extensions import db
from ...formatting import mask_phone
from ...pagination import Page, Sort, keyset_page
from ...tenancy import User
from ...timeutil import local_day_bounds, utcnow
from ...validation import InvalidValue, bounded_id, normalise_mobile
from ..models import INTENT_LEVELS, VISIT_KINDS, FollowUpCard, Visit
from ._common import LeadsError, _check_consultant, _model_label
from .cards import _new_card


def customer_for_mobile(mobile: str) -> Customer | None:
    """The store's customer with this mobile, for the receptionist's hint; None when the
    number is incomplete or unknown."""
    try:
        normalised = normalise_mobile(mobile)
    except InvalidValue:
        return None
    return find_by_mobile(normalised)


#: how many last-4 matches the hint lists
HINT_LIMIT = 5
_LAST4 = re.compile(r"^\s*(\d{4})\s*$")


@dataclass
class CustomerHint:
    """What the visit form shows under the mobile as it is typed: the customer with that full
    number, or the customers whose number ends in the 4 digits typed, each with the number
    as the user may see it."""

    exact: Customer | None = None
    last4: str = ""
    #: (customer, the number shown: full only with ``customers.pii``, else masked)
    matches: list[tuple[Customer, str]] = field(default_factory=list)
    more: bool = False


def customer_hint(typed: str) -> CustomerHint:
    """Rule: a full mobile names the store's customer with it (as before: the receptionist
    must not create a duplicate); exactly 4 digits list up to :data:`HINT_LIMIT` customers
    the user may see (the visibility rule) whose mobile ends so. A full number is only ever
    shown to a user with ``customers.pii``; everyone else sees it masked (138****1234)."""
    exact = customer_for_mobile(typed)
    if exact is not None:
        return CustomerHint(exact=exact)
    found = _LAST4.match(typed or "")
    if not found:
        return CustomerHint()
    digits = found.group(1)
    stmt = (
        visible_customers()
        .where(Customer.mobile_last4 == digits)
        .options(joinedload(Customer.owner))
        .order_by(Customer.id.desc())
        .limit(HINT_LIMIT + 1)
    )
    customers = list(db.session.execute(stmt).unique().scalars())
    full = tenancy.current().can("customers.pii")
    return CustomerHint(
        last4=digits,
        matches=[(c, c.mobile if full else mask_phone(c.mobile)) for c in customers[:HINT_LIMIT]],
        more=len(customers) > HINT_LIMIT,
    )


#: the permission that may save an H or A card without a consultant ("暂不分配（经理确认）")
UNASSIGNED_NEEDS = "cards.approve_lost"
#: intent levels whose card must have a consultant
LEVELS_NEEDING_OWNER = ("H", "A")


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
    #: a manager's explicit "暂不分配（经理确认）" for an H or A card without a consultant
    allow_unassigned: bool = False

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> VisitInput:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def _visit_values(data: VisitInput) -> dict[str, Any]:
    if data.kind not in VISIT_KINDS:
        raise LeadsError(_("请选择到店或来电。"), "kind")
    if data.time_in and data.time_out and data.time_out < data.time_in:
        raise LeadsError(_("离店时间不能早于到店时间。"), "time_out")
    if data.source and data.source not in SOURCES:
        raise LeadsError(_("请选择来源。"), "source")
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
    if visibility.is_mine_or_pool(customer.owner_id):
        return consultant_id
    return customer.owner_id


def _check_card_owner(level: str, card_consultant_id: int | None, allow_unassigned: bool) -> None:
    """Rule: an H or A card (buys within 15 days) is not left without a consultant, unless a
    user with :data:`UNASSIGNED_NEEDS` ticks "暂不分配（经理确认）"."""
    if level not in LEVELS_NEEDING_OWNER or card_consultant_id is not None:
        return
    if allow_unassigned and tenancy.current().can(UNASSIGNED_NEEDS):
        return
    raise LeadsError(_("H、A 级意向客户必须指定接待顾问；暂不分配需经理确认。"), "consultant_id")


def log_visit(data: VisitInput) -> tuple[Visit, FollowUpCard | None]:
    """Rule: one save logs the visit, finds or creates the customer by mobile and may open a
    card (level -> next call-back); a card for another consultant's customer goes to that
    consultant (:func:`_card_consultant`); an H or A card needs a consultant unless a manager
    chose to leave it unassigned (:func:`_check_card_owner`). A visit without contact details
    is still logged. Raises LeadsError (with the field) for a bad mobile, a missing name or
    consultant."""
    ctx = tenancy.current()
    consultant_id = _check_consultant(data.consultant_id)
    values = _visit_values(data)
    if data.card_level and data.card_level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "card_level")
    if data.card_level and not (data.mobile or "").strip():
        raise LeadsError(_("开意向跟进卡需要客户手机号。"), "mobile")
    customer = _find_customer(data, consultant_id)
    if data.card_level:
        _check_card_owner(data.card_level, _card_consultant(customer, consultant_id), data.allow_unassigned)
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
    """The store's visits of one local day, grouped by consultant, with the day's counts (in
    the roll-up: every store's visits of that day in the default zone)."""
    day = day or tenancy.store_today()
    start, end = local_day_bounds(day, tenancy.store_timezone())
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
    """Visits filtered by date range, consultant, kind, no-contact-only; keyset pages. The
    dates are the store's days (the default zone's in the roll-up)."""
    stmt = select(Visit).options(joinedload(Visit.customer), joinedload(Visit.consultant))
    tz = tenancy.store_timezone()
    if filters.get("date_from"):
        stmt = stmt.where(Visit.time_in >= local_day_bounds(filters["date_from"], tz)[0])
    if filters.get("date_to"):
        stmt = stmt.where(Visit.time_in < local_day_bounds(filters["date_to"], tz)[1])
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
        .where(Visit.id == (bounded_id(visit_id) or -1))
        .options(joinedload(Visit.customer), joinedload(Visit.consultant), joinedload(Visit.card))
    )
    visit = db.session.execute(stmt).scalar_one_or_none()
    if visit is None:
        from flask import abort

        abort(404)
    return visit
