"""Bulk messages to a segment: a preview with the count, then a job (``marketing.bulk_send``)
that queues one marketing message per customer of the segment in batches, each batch
committed with the send's progress row (the page polls it). A killed worker's send is simply
run again: every message's key is ``bulk:<send>:<customer>``, so what was queued before is
counted as existing and nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy, web
from ...customers.models import Customer, CustomerVehicle
from ...extensions import db
from ...jobs import enqueue_after_commit
from ...messaging import consent
from ...timeutil import utcnow
from ..models import BulkSend, Campaign
from . import MarketingError, segments, sending, templates

#: customers per batch (one commit each)
BATCH = 500
#: the most recent sends the page lists
RECENT = 20


@dataclass
class BulkPreview:
    count: int
    #: of ``count``, the customers who accept marketing messages (the only ones sent to)
    consenting: int
    text: str
    customer: Any


def preview(template_id: Any, segment: Mapping[str, Any] | None, campaign_id: Any = None) -> BulkPreview:
    """How many customers the segment reaches, how many of them accept marketing messages,
    and the first one's message (3-4 statements)."""
    template = templates.get_template(template_id)
    campaign = tenancy.get_or_404(Campaign, campaign_id) if campaign_id else None
    tz = tenancy.store_timezone()
    count = segments.count(segment, tz)
    reachable = segments.customer_ids(segment, tz).where(consent.consenting(Customer.id, "marketing")).subquery()
    consenting = db.session.execute(select(sa.func.count()).select_from(reachable)).scalar_one()
    first_id = db.session.execute(
        segments.customer_ids(segment, tz).order_by(Customer.id).limit(1)
    ).scalar_one_or_none()
    customer = tenancy.get_or_none(Customer, first_id) if first_id else None
    values = templates.store_values(tenancy.writable_store()) | _campaign_values(campaign, preview=True)
    if customer is not None:
        values |= templates.customer_values(customer)
    return BulkPreview(count, consenting, templates.render(template.body, values), customer)


def _campaign_values(campaign: Campaign | None, *, preview: bool = False) -> dict[str, str]:
    if campaign is None:
        return {}
    from ...timeutil import local
    from .. import links

    return {
        "活动主题": campaign.theme,
        "活动地点": campaign.place,
        "活动时间": local(campaign.starts_at, tenancy.store_timezone()).strftime("%m-%d %H:%M"),
        "报名链接": "https://…/marketing/join/…" if preview else links.signup_url(campaign.store_id, campaign.id),
    }


def start_send(template_id: Any, segment: Mapping[str, Any] | None, campaign_id: Any = None) -> BulkSend:
    """Record a bulk send of a template to a segment and queue its job after the commit.
    Refuses an inactive template or an empty segment (MarketingError)."""
    tenancy.writable_store()
    template = templates.get_template(template_id)
    if not template.is_active:
        raise MarketingError(_("请选择启用中的模板。"), "template_id")
    campaign = tenancy.get_or_404(Campaign, campaign_id) if campaign_id else None
    segment = segments.clean(segment)
    total = segments.count(segment, tenancy.store_timezone())
    if not total:
        raise MarketingError(_("该客户范围内没有可发送的客户。"))
    send = BulkSend(
        template_id=template.id,
        campaign_id=campaign.id if campaign else None,
        segment=segment,
        status="queued",
        total=total,
        created_by_id=tenancy.current().user_id,
    )
    db.session.add(send)
    db.session.flush()
    audit.record("create", send, after=audit.snapshot(send), summary=f"{template.code} x{total}")
    enqueue_after_commit(
        "marketing.bulk_send",
        send.store_id,
        bulk_send_id=send.id,
        job_id=send_job_id(send.store_id, send.id),
        unique=True,
    )
    return send


def send_job_id(store_id: int, bulk_send_id: int) -> str:
    """The RQ job id of one bulk send (deterministic: the scheduler can tell whether Redis
    still holds it)."""
    from ...jobs.scheduler import job_id_for

    return job_id_for("marketing.bulk_send", store_id, f"send-{bulk_send_id}")


def unfinished_sends(before: dt.datetime) -> list[tuple[int, str, dict]]:
    """Every store's bulk sends not done and created before ``before``: the scheduler
    enqueues again those whose job Redis lost (a restart), and they resume."""
    rows = db.session.execute(
        select(BulkSend.id, BulkSend.store_id).where(
            BulkSend.status.in_(("queued", "running")), BulkSend.created_at < before
        )
    ).all()
    return [(store_id, send_job_id(store_id, send_id), {"bulk_send_id": send_id}) for send_id, store_id in rows]


def get_send(bulk_send_id: Any) -> BulkSend:
    return tenancy.get_or_404(BulkSend, bulk_send_id)


def recent_sends(limit: int = RECENT) -> list[BulkSend]:
    stmt = (
        select(BulkSend)
        .options(joinedload(BulkSend.template))
        .order_by(BulkSend.created_at.desc(), BulkSend.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def run_send(bulk_send_id: int, *, batch: int | None = None, commit: bool = True) -> dict[str, Any]:
    """Queue the send's messages batch by batch (keyset on the customer id); each batch and
    the progress row commit together when ``commit`` (the job). A finished send is left
    alone; a send found "running" (its worker died) starts over, its earlier messages
    counted as existing."""
    batch = batch or int(current_app.config.get("MARKETING_BULK_BATCH") or BATCH)
    #: a pause after each batch (the fault tests slow a send down to kill its worker half-way)
    pause = float(current_app.config.get("MARKETING_BULK_PAUSE") or 0)
    send = db.session.execute(select(BulkSend).where(BulkSend.id == bulk_send_id)).scalar_one_or_none()
    if send is None:
        return {"bulk_send_id": bulk_send_id, "skipped": "missing"}
    if send.status == "done":
        return {"bulk_send_id": send.id, "skipped": "done"}
    template, campaign = send.template, send.campaign
    store = tenancy.writable_store()
    shared = templates.store_values(store) | _campaign_values(campaign)
    send.status, send.started_at = "running", utcnow()
    send.processed = send.queued = send.deferred = send.suppressed = send.existing = 0
    db.session.flush()
    tz = tenancy.store_timezone()
    last_id = 0
    while True:
        ids = select(Customer.id).where(Customer.id.in_(segments.customer_ids(send.segment, tz)))
        customers = list(
            db.session.execute(
                select(Customer).where(Customer.id.in_(ids), Customer.id > last_id).order_by(Customer.id).limit(batch)
            ).scalars()
        )
        if not customers:
            break
        plates = _first_plates([c.id for c in customers])
        rows = [
            {
                "channel": "sms",
                "recipient": c.mobile,
                "customer_id": c.id,
                "key": f"bulk:{send.id}:{c.id}",
                "template": template.code,
                "body": templates.render(
                    template.body, shared | {"客户姓名": c.name, "车牌": plates.get(c.id, ""), "车型": ""}
                ),
            }
            for c in customers
        ]
        counts = sending.queue_rows(rows, "marketing")
        send.processed += len(customers)
        for name in ("queued", "deferred", "suppressed", "existing"):
            setattr(send, name, getattr(send, name) + int(counts.get(name, 0)))
        last_id = customers[-1].id
        db.session.flush()
        if commit:
            web.commit_and_run_effects()
        if pause:
            time.sleep(pause)
    send.status, send.finished_at = "done", utcnow()
    send.total = max(send.total, send.processed)
    db.session.flush()
    return {
        "bulk_send_id": send.id,
        "processed": send.processed,
        "queued": send.queued,
        "deferred": send.deferred,
        "suppressed": send.suppressed,
        "existing": send.existing,
    }


def _first_plates(customer_ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(CustomerVehicle.owner_id, sa.func.min(CustomerVehicle.plate))
        .where(CustomerVehicle.owner_id.in_(customer_ids))
        .group_by(CustomerVehicle.owner_id)
    ).all()
    return {owner: plate or "" for owner, plate in rows}
