"""Follow-up cards: which cards a user sees (the consultant visibility rule from
:mod:`dealer_saas.visibility`), opening and editing them (the level sets the next
call-back; edits over a version), the card state machine (``CARD_MOVES``, one
:class:`dealer_saas.domain.Transitions`), who decides a lost request, winning from a sale
and the daily dormancy rule."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, domain, tenancy, visibility
from ...customers.models import Customer, shown_name
from ...customers.services import can_see_full_mobile, get_customer
from ...extensions import db
from ...pagination import Page, Sort, keyset_page
from ...tenancy import User
from ...timeutil import utcnow
from ...validation import bounded_id
from ..models import CARD_STATUSES, INTENT_LEVELS, FollowUpCard
from ._common import InvalidTransition, LeadsError, StaleCard, _check_consultant, _model_label, next_contact_for

#: open C-level cards without any contact for this long go dormant (the daily job)
STALE_DAYS = 60


def visible_cards() -> sa.Select:
    """Cards the current user may see, by the consultant visibility rule
    (:mod:`dealer_saas.visibility`): a consultant their own and the unassigned pool,
    anyone with ``customers.view_all`` the whole store."""
    return visibility.restrict(select(FollowUpCard), visibility.mine_or_pool(FollowUpCard.consultant_id))


def is_visible_card(card: FollowUpCard) -> bool:
    """The same rule for one loaded card (what the page links to agrees with :func:`get_card`)."""
    return visibility.is_mine_or_pool(card.consultant_id)


def get_card(card_id: int) -> FollowUpCard:
    """A card the current user may see, else 404 (foreign store or another consultant's)."""
    ident = bounded_id(card_id) or -1
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


CARD_SORTS = {
    "due": Sort(_l("下次跟进"), (FollowUpCard.next_contact_on, FollowUpCard.id)),
    "new": Sort(_l("最新"), (FollowUpCard.created_at, FollowUpCard.id), desc=True),
}


class CardListRow(NamedTuple):
    """One row of the card list, read as columns (the list shows of the customer the name
    and of the consultant theirs: no ORM cards, customers and users per row, issue 15)."""

    id: int
    level: str
    status: str
    next_contact_on: dt.date | None
    intended_model: str | None
    store_id: int
    customer_name: str
    consultant_name: str | None


def list_cards(
    filters: dict[str, Any], after: str | None, size: int = 30, *, rows_only: bool = False
) -> Page[FollowUpCard] | Page[CardListRow]:
    """Cards filtered by level, status, consultant, overdue only; keyset pages.
    ``rows_only``: the card list's rows (:class:`CardListRow`, read as columns); the
    export takes the whole cards."""
    if rows_only:
        stmt = (
            select(
                FollowUpCard.id,
                FollowUpCard.level,
                FollowUpCard.status,
                FollowUpCard.next_contact_on,
                FollowUpCard.intended_model,
                FollowUpCard.store_id,
                shown_name(),
                User.name.label("consultant_name"),
            )
            .outerjoin(Customer, Customer.id == FollowUpCard.customer_id)
            .outerjoin(User, User.id == FollowUpCard.consultant_id)
        )
        stmt = visibility.restrict(stmt, visibility.mine_or_pool(FollowUpCard.consultant_id))
    else:
        stmt = visible_cards().options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
    status = filters.get("status") or "open"
    if status in CARD_STATUSES:
        stmt = stmt.where(FollowUpCard.status == status)
    if filters.get("level") in INTENT_LEVELS:
        stmt = stmt.where(FollowUpCard.level == filters["level"])
    if filters.get("consultant_id"):
        stmt = stmt.where(FollowUpCard.consultant_id == filters["consultant_id"])
    if filters.get("overdue"):
        # in the roll-up: overdue by today in the default zone
        stmt = stmt.where(FollowUpCard.status == "open", FollowUpCard.next_contact_on < tenancy.store_today())
    sort = CARD_SORTS.get(filters.get("sort") or "due", CARD_SORTS["due"])
    if sort is CARD_SORTS["due"]:
        stmt = stmt.where(FollowUpCard.next_contact_on.is_not(None))
    if not rows_only:
        return keyset_page(stmt, sort, after, size)
    page = keyset_page(stmt, sort, after, size, scalars=False)
    page.items = [
        CardListRow(
            ident,
            level,
            status,
            next_on,
            model,
            store_id,
            name,
            consultant,
        )
        for ident, level, status, next_on, model, store_id, name, consultant in page.items
    ]
    return page


def _check_next_contact(day: dt.date | None) -> None:
    # writes only happen in a store, so this is the store's today
    if day is not None and day < tenancy.store_today():
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
        next_contact_on=next_contact_on or next_contact_for(level, tenancy.store_today()),
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


def create_card(customer_id: int, data: dict[str, Any]) -> FollowUpCard:
    """Rule: open a card for a customer the user may see; the level sets the next call-back
    (the consultant may give another date). Raises LeadsError."""
    customer = get_customer(customer_id)
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
        raise StaleCard()
    before = audit.snapshot(card)
    model_id, text = _model_label(data.get("model_id"), data.get("intended_model", ""))
    card.model_id, card.intended_model = model_id, text
    for key in CARD_FIELDS:
        if key in data and key not in ("model_id", "intended_model"):
            setattr(card, key, data[key] if data[key] is not None or key == "budget" else "")
    if "consultant_id" in data and data["consultant_id"] != card.consultant_id and visibility.sees_whole_store():
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
        card.next_contact_on = next_contact_for(level, tenancy.store_today())
    _flush_card()
    audit.record("update", card, before=before, after=audit.snapshot(card))
    return card


def _flush_card() -> None:
    domain.flush_or_stale(StaleCard)


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
    card.next_contact_on = next_contact_for(level, tenancy.store_today())
    _flush_card()
    audit.record(
        "update", card, before=before, after=audit.snapshot(card), summary=f"level {before['level']} -> {level}"
    )
    return card


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
#: the card state machine: refusals read "当前状态「%(s)s」不能执行「%(a)s」。"; every column
#: is snapshotted, so the audit row shows whatever the action changed with the status
CARD_MOVES = domain.Transitions(
    labels=CARD_STATUSES,
    actions=TRANSITIONS,
    action_labels=ACTION_LABELS,
    audit_fields=tuple(FollowUpCard.__table__.columns.keys()),
    error=InvalidTransition,
    stale=StaleCard,
)


def allowed_actions(card: FollowUpCard) -> list[str]:
    """The actions the card's status allows (the page shows only these)."""
    return CARD_MOVES.actions_for(card)


def can_decide_lost(card: FollowUpCard) -> bool:
    """Who approves or sends back a lost request: ``cards.approve_lost``, and neither the
    requester nor the card's consultant (the page's buttons and :func:`transition_card`)."""
    ctx = tenancy.current()
    return ctx.can("cards.approve_lost") and not (
        ctx.user_id is not None and ctx.user_id in (card.lost_requested_by_id, card.consultant_id)
    )


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
    target = CARD_MOVES.target_of(card, action)
    before_status = card.status
    now = utcnow()
    changes: dict[str, Any] = {}
    if action == "request_lost":
        if not (reason or "").strip():
            raise LeadsError(_("请填写战败原因。"), "reason")
        if not (competitor or "").strip():
            raise LeadsError(_("请填写战败去向（竞品品牌/车型）。"), "competitor")
        changes.update(
            lost_reason=reason.strip()[:200],
            lost_competitor=competitor.strip()[:80],
            lost_requested_by_id=ctx.user_id,
            lost_requested_at=now,
            lost_reviewed_by_id=None,
            lost_reviewed_at=None,
            lost_review_note="",
        )
    elif action in ("approve_lost", "send_back"):
        if not ctx.can("cards.approve_lost"):
            raise LeadsError(_("没有审批战败申请的权限。"))
        if not can_decide_lost(card):
            raise LeadsError(_("不能审批自己的战败申请。"))
        if action == "send_back":
            if not (note or "").strip():
                raise LeadsError(_("退回时请填写说明。"), "note")
            # back to work: the next call-back starts again from today
            changes["next_contact_on"] = next_contact_for(card.level, tenancy.store_today())
        changes.update(
            lost_review_note=(note or "").strip()[:200], lost_reviewed_by_id=ctx.user_id, lost_reviewed_at=now
        )
    elif action == "win":
        changes.update(won_order_id=order_id, won_at=now)
    elif action == "make_dormant":
        changes["dormant_at"] = now
    elif action == "reactivate":
        changes.update(dormant_at=None, next_contact_on=next_contact_for(card.level, tenancy.store_today()))
    # codes, not labels, in the summary: jobs run outside a request, where no locale is chosen
    CARD_MOVES.apply(card, target, changes=changes, summary=f"{action}: {before_status} -> {target}", checked=True)
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
