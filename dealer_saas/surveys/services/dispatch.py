"""Survey dispatch, in two set-based steps run by the ``surveys.dispatch`` job every minute:

1. :func:`create_due_invitations`: one ``INSERT ... SELECT`` per active template makes an
   invitation for every occasion of the last :data:`LOOKBACK` (an RO closed: the service
   module's ``ServiceEvent`` rows; a car delivered: sales orders delivered) that has none,
   due ``delay_hours`` later. The unique (template, occasion) key makes a rerun, a second
   worker or a crash halfway create each invitation once.
2. :func:`send_due`: the store's invitations due now (at most the store's per-minute
   throttle), each a message with a signed one-time link, queued through the messaging
   policy (``purpose="service"``: consent, quiet hours, throttle) in one ``queue_many``,
   idempotent on the key ``survey:<invitation id>``; the invitations are marked sent in the
   same transaction. The policy holds each message as deferred (past the quiet hours, spread
   by the store's throttle) until ``messaging.release_due`` sends it. A customer who refused
   service messages gets no survey (the invitation is skipped, "no_consent"). Due rows live
   in the database, never as RQ timers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from ... import signed_links, tenancy
from ...customers.models import Customer
from ...extensions import db
from ...messaging import consent
from ...messaging import services as messaging
from ...sales.models import SalesOrder
from ...service.models import RepairOrder, ServiceEvent
from ...timeutil import utcnow
from .. import settings
from ..models import SurveyInvitation, SurveyTemplate

#: occasions older than this get no survey (a template switched on today does not survey last year)
LOOKBACK = dt.timedelta(days=30)
#: the purpose survey links are signed for, and how long they live
LINK_PURPOSE = "survey"
LINK_DAYS = 30
DEFAULT_MESSAGE = "感谢您的光临，请花一分钟评价我们的服务："


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SurveyInvitation.__table__)


def _plus_hours(column, hours: int, dialect: str):
    if dialect == "postgresql":
        return column + sa.literal(dt.timedelta(hours=hours), sa.Interval)
    return sa.func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{int(hours)} hours")


def _occasions(template: SurveyTemplate, store_id: int, since: dt.datetime, dialect: str):
    """The select of (occasion, customer, RO, order, staff, due at) of one template."""
    if template.trigger == "ro_closed":
        occasion = sa.literal("ro:") + sa.cast(ServiceEvent.repair_order_id, sa.String)
        return (
            select(
                occasion.label("occasion"),
                ServiceEvent.customer_id,
                ServiceEvent.repair_order_id,
                sa.null().label("sales_order_id"),
                RepairOrder.advisor_id.label("staff_id"),
                _plus_hours(ServiceEvent.occurred_at, template.delay_hours, dialect).label("due_at"),
            )
            .select_from(ServiceEvent)
            .join(RepairOrder, RepairOrder.id == ServiceEvent.repair_order_id)
            .where(
                ServiceEvent.store_id == store_id,
                ServiceEvent.kind == "ro_closed",
                ServiceEvent.occurred_at >= since,
            )
        ), occasion
    if template.trigger == "delivered":
        occasion = sa.literal("order:") + sa.cast(SalesOrder.id, sa.String)
        return (
            select(
                occasion.label("occasion"),
                SalesOrder.customer_id,
                sa.null().label("repair_order_id"),
                SalesOrder.id.label("sales_order_id"),
                SalesOrder.consultant_id.label("staff_id"),
                _plus_hours(SalesOrder.delivered_at, template.delay_hours, dialect).label("due_at"),
            )
            .select_from(SalesOrder)
            .where(
                SalesOrder.store_id == store_id,
                SalesOrder.status == "delivered",
                SalesOrder.delivered_at >= since,
            )
        ), occasion
    return None, None


def create_due_invitations(now: dt.datetime | None = None) -> int:
    """Due rows for every new occasion of the active store's automatic templates; returns
    how many were created (0 on a rerun)."""
    store = tenancy.writable_store()
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    created = 0
    templates = db.session.execute(
        select(SurveyTemplate).where(
            SurveyTemplate.is_active.is_(True), SurveyTemplate.trigger.in_(("ro_closed", "delivered"))
        )
    ).scalars()
    for template in templates:
        source, occasion = _occasions(template, store.id, now - LOOKBACK, dialect)
        if source is None:
            continue
        taken = (
            select(SurveyInvitation.id)
            .where(SurveyInvitation.template_id == template.id, SurveyInvitation.occasion == occasion)
            .exists()
        )
        rows = source.where(~taken).add_columns(
            sa.literal(store.org_id).label("org_id"),
            sa.literal(store.id).label("store_id"),
            sa.literal(template.id).label("template_id"),
            sa.literal("due").label("status"),
            sa.literal("").label("skip_reason"),
            sa.literal(False).label("is_low"),
            sa.literal("").label("comment"),
            sa.literal(now, sa.DateTime(timezone=True)).label("created_at"),
        )
        names = [
            "occasion",
            "customer_id",
            "repair_order_id",
            "sales_order_id",
            "staff_id",
            "due_at",
            "org_id",
            "store_id",
            "template_id",
            "status",
            "skip_reason",
            "is_low",
            "comment",
            "created_at",
        ]
        statement = (
            _insert(dialect)
            .from_select(names, rows)
            .on_conflict_do_nothing()
            .returning(SurveyInvitation.__table__.c.id)
        )
        created += len(db.session.execute(statement).all())
    return created


def public_url(token: str) -> str:
    """The survey page's address for a message (a job has no request: the kernel's helper)."""
    return signed_links.public_url("surveys.public_survey", token=token)


def message_body(template_message: str, store_name: str, url: str) -> str:
    return f"【{store_name}】{template_message or DEFAULT_MESSAGE}{url}"


def send_due(now: dt.datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Queue the messages of the store's invitations due by ``now`` (at most the store's
    per-minute throttle) and mark them sent; an invitation whose customer has no mobile (or
    is gone) is skipped. Safe to rerun: a sent invitation is not picked again, and a
    message exists once per key."""
    store = tenancy.writable_store()
    now = now or utcnow()
    limit = limit or settings.rules(store).per_minute
    due = db.session.execute(
        select(
            SurveyInvitation.id,
            SurveyInvitation.customer_id,
            Customer.mobile,
            Customer.deleted_at,
            SurveyTemplate.message,
            SurveyTemplate.code,
        )
        .join(Customer, Customer.id == SurveyInvitation.customer_id)
        .join(SurveyTemplate, SurveyTemplate.id == SurveyInvitation.template_id)
        .where(SurveyInvitation.status == "due", SurveyInvitation.due_at <= now)
        .order_by(SurveyInvitation.due_at, SurveyInvitation.id)
        .limit(limit)
    ).all()
    rows: list[dict[str, Any]] = []
    sent_ids: list[int] = []
    skipped: dict[str, list[int]] = {"no_mobile": [], "no_consent": []}
    refused = consent.refusing({row[1] for row in due}, "service")
    for invitation_id, customer_id, mobile, deleted_at, template_message, code in due:
        if not mobile or deleted_at is not None:
            skipped["no_mobile"].append(invitation_id)
            continue
        if customer_id in refused:  # the policy would suppress it: no link is made at all
            skipped["no_consent"].append(invitation_id)
            continue
        token = signed_links.issue(LINK_PURPOSE, store.id, invitation_id, days=LINK_DAYS)
        rows.append(
            {
                "channel": "sms",
                "recipient": mobile,
                "body": message_body(template_message, store.name, public_url(token)),
                "key": f"survey:{invitation_id}",
                "customer_id": customer_id,
                "template": f"survey:{code}"[:60],
            }
        )
        sent_ids.append(invitation_id)
    counts: dict[str, int] = {"due": len(due), "skipped": sum(len(ids) for ids in skipped.values())}
    if rows:
        counts.update(messaging.queue_many(rows, purpose="service"))
    table = SurveyInvitation.__table__
    if sent_ids:
        db.session.execute(
            table.update()
            .where(table.c.store_id == store.id, table.c.id.in_(sent_ids), table.c.status == "due")
            .values(status="sent", sent_at=now)
        )
    for reason, ids in skipped.items():
        if ids:
            db.session.execute(
                table.update()
                .where(table.c.store_id == store.id, table.c.id.in_(ids), table.c.status == "due")
                .values(status="skipped", skip_reason=reason)
            )
    counts["sent"] = len(sent_ids)
    return counts


def dispatch(now: dt.datetime | None = None) -> dict[str, int]:
    """The job's body: create the due rows, then send what is due."""
    created = create_due_invitations(now)
    result = send_due(now)
    result["created"] = created
    return result


def invite_now(template_id: int, customer_id: int, occasion: str, *, staff_id: int | None = None) -> SurveyInvitation:
    """An invitation due now for a manual template (or a test): once per template and occasion."""
    existing = db.session.execute(
        select(SurveyInvitation).where(
            SurveyInvitation.template_id == template_id, SurveyInvitation.occasion == occasion
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    invitation = SurveyInvitation(
        template_id=template_id, occasion=occasion[:40], customer_id=customer_id, staff_id=staff_id, due_at=utcnow()
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation
