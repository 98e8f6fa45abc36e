"""Builders for marketing rows (flushed, never committed)."""

from __future__ import annotations

import datetime as dt
import decimal

from dealer_saas.extensions import db
from dealer_saas.marketing.models import Campaign, CampaignSignup, MessageTemplate
from dealer_saas.timeutil import utcnow


def campaign(store, *, status: str = "published", budget: str = "1000.00", days_ago: int = 0, **fields) -> Campaign:
    start = utcnow() - dt.timedelta(days=days_ago)
    row = Campaign(
        store_id=store.id,
        org_id=store.org_id,
        theme=fields.pop("theme", "试驾节"),
        place="展厅",
        starts_at=fields.pop("starts_at", start),
        ends_at=fields.pop("ends_at", start + dt.timedelta(days=2)),
        status=status,
        budget=decimal.Decimal(budget),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def signup(campaign_row, *, name="报名人", mobile="13900000001", customer=None, **fields) -> CampaignSignup:
    row = CampaignSignup(
        store_id=campaign_row.store_id,
        org_id=campaign_row.org_id,
        campaign_id=campaign_row.id,
        customer_id=customer.id if customer else None,
        name=name,
        mobile=mobile,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def template(store, *, code="promo", occasion="marketing", body="{客户姓名}您好，{门店}欢迎您", active=True):
    row = MessageTemplate(
        store_id=store.id, org_id=store.org_id, code=code, name=code, occasion=occasion, body=body, is_active=active
    )
    db.session.add(row)
    db.session.flush()
    return row
