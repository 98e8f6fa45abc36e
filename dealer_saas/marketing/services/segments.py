"""Target segments: a saved customer filter (source, level, tags, model owned, last visit
range), stored as JSON and evaluated as ONE SQL select of customer ids. Unknown keys and
values are dropped when the filter is cleaned, so a stored segment never reaches SQL raw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ...customers.models import LEVELS, SOURCES, Customer, CustomerTag, CustomerVehicle
from ...extensions import db
from ...leads.models import Visit
from ...timeutil import local_day_bounds
from . import MarketingError

MAX_TAGS = 10
MAX_TEXT = 40


def _date(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise MarketingError(_("日期格式不正确。"), field) from None


def clean(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filter in its stored form: ``sources``/``levels`` (known codes), ``tags``,
    ``model`` (text the owned car's model contains), ``visited_from``/``visited_to`` (ISO
    dates, store-local), ``has_mobile`` (always true for a send). Raises MarketingError for
    a reversed date range."""
    data = data or {}

    def listed(key: str) -> list[str]:
        value = data.get(key) or []
        return [value] if isinstance(value, str) else [str(v) for v in value]

    tags_raw = data.get("tags") or []
    if isinstance(tags_raw, str):
        tags_raw = tags_raw.replace("，", ",").split(",")
    segment: dict[str, Any] = {
        "sources": [s for s in dict.fromkeys(listed("sources")) if s in SOURCES],
        "levels": [s for s in dict.fromkeys(listed("levels")) if s in LEVELS],
        "tags": [t.strip()[:30] for t in dict.fromkeys(str(t) for t in tags_raw) if t.strip()][:MAX_TAGS],
        "model": str(data.get("model") or "").strip()[:MAX_TEXT],
        "visited_from": _date(data.get("visited_from"), "visited_from"),
        "visited_to": _date(data.get("visited_to"), "visited_to"),
    }
    if segment["visited_from"] and segment["visited_to"] and segment["visited_to"] < segment["visited_from"]:
        raise MarketingError(_("结束日期不能早于开始日期。"), "visited_to")
    return {k: v for k, v in segment.items() if v}


def customer_ids(segment: Mapping[str, Any] | None, tz: str | None = None) -> sa.Select:
    """``select(Customer.id)`` of the store's live customers with a mobile that match the
    segment (tenancy adds the store); one statement, usable as a sub-select."""
    segment = clean(segment)
    stmt = sa.select(Customer.id).where(Customer.deleted_at.is_(None), Customer.mobile.isnot(None))
    if segment.get("sources"):
        stmt = stmt.where(Customer.source.in_(segment["sources"]))
    if segment.get("levels"):
        stmt = stmt.where(Customer.level.in_(segment["levels"]))
    if segment.get("tags"):
        stmt = stmt.where(
            sa.exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag.in_(segment["tags"]))
        )
    if segment.get("model"):
        like = "%" + segment["model"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.exists().where(
                CustomerVehicle.owner_id == Customer.id,
                sa.or_(CustomerVehicle.model.like(like, escape="\\"), CustomerVehicle.brand.like(like, escape="\\")),
            )
        )
    if segment.get("visited_from") or segment.get("visited_to"):
        visit = sa.exists().where(Visit.customer_id == Customer.id)
        if segment.get("visited_from"):
            start, _end = local_day_bounds(dt.date.fromisoformat(segment["visited_from"]), tz)
            visit = visit.where(Visit.time_in >= start)
        if segment.get("visited_to"):
            _start, end = local_day_bounds(dt.date.fromisoformat(segment["visited_to"]), tz)
            visit = visit.where(Visit.time_in < end)
        stmt = stmt.where(visit)
    return stmt


def count(segment: Mapping[str, Any] | None, tz: str | None = None) -> int:
    """How many customers the segment reaches (one statement)."""
    inner = customer_ids(segment, tz).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one()


def describe(segment: Mapping[str, Any] | None) -> list[str]:
    """The filter in words, for the campaign page."""
    segment = clean(segment)
    parts = []
    if segment.get("sources"):
        parts.append(_("来源：%(v)s", v="、".join(str(SOURCES[s]) for s in segment["sources"])))
    if segment.get("levels"):
        parts.append(_("级别：%(v)s", v="、".join(str(LEVELS[s]) for s in segment["levels"])))
    if segment.get("tags"):
        parts.append(_("标签：%(v)s", v="、".join(segment["tags"])))
    if segment.get("model"):
        parts.append(_("保有车型：%(v)s", v=segment["model"]))
    if segment.get("visited_from") or segment.get("visited_to"):
        parts.append(
            _("最近到店：%(a)s ~ %(b)s", a=segment.get("visited_from") or "…", b=segment.get("visited_to") or "…")
        )
    return parts or [_("本店全部有手机号的客户")]
