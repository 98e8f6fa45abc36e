"""Benchmark data of the marketing module: 40 campaigns per store over the last year (every
state), and one customer in 50 signed up to one of their store's campaigns (70% checked in).
Set-based (``INSERT ... SELECT``)."""

from __future__ import annotations

from typing import Any

from .data import _h, insert_select

CAMPAIGNS_PER_STORE = 40


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..marketing.models import Campaign, CampaignSignup

    counts: dict[str, Any] = {}
    counts["campaigns"] = insert_select(
        connection,
        Campaign.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "theme": "'基准活动' || g",
            "place": "'展厅'",
            "starts_at": "now() - (g * 9) * interval '1 day' + interval '30 days'",
            "ends_at": "now() - (g * 9) * interval '1 day' + interval '30 days 6 hours'",
            "segment": "'{}'",
            "budget": "(g % 5 + 1) * 5000",
            "status": "CASE WHEN g = 1 THEN 'draft' WHEN g <= 3 THEN 'published' WHEN g = 4 THEN 'running'"
            " ELSE 'finished' END",
        },
        f"FROM stores s CROSS JOIN generate_series(1, {CAMPAIGNS_PER_STORE}) g WHERE s.org_id = :o",
        o=org_id,
    )
    counts["campaign_signups"] = insert_select(
        connection,
        CampaignSignup.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "campaign_id": "cp.id",
            "customer_id": "c.id",
            "name": "c.name",
            "mobile": "c.mobile",
            "signed_up_at": "cp.starts_at - interval '3 days'",
            "checked_in_at": f"CASE WHEN {_h(41, 'c.id')} % 10 < 7 THEN cp.starts_at END",
        },
        "FROM customers c JOIN campaigns cp ON cp.store_id = c.store_id"
        f" AND cp.theme = '基准活动' || (2 + {_h(42, 'c.id')} % {CAMPAIGNS_PER_STORE - 1})"
        f" WHERE c.org_id = :o AND c.mobile IS NOT NULL AND {_h(43, 'c.id')} % 50 = 0",
        o=org_id,
    )
    echo(f"  {counts['campaigns']} campaigns, {counts['campaign_signups']} campaign sign-ups (INSERT ... SELECT)")
    return counts
