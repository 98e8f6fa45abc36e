"""The care and marketing report (客户关怀与市场报表): call-back completion, CSI and NPS by
month, complaints by category and problem type with their SLA breaches, and the campaigns'
sign-ups, attendance, attributed orders and cost per lead.

Every figure is a function whose docstring is its definition, aggregate SQL per store over
the store-leading indexes of the rows the care, surveys, complaints and marketing modules
write (read only), with a store column in the group roll-up. The modules' models are
imported where used: those packages import the reports' metrics themselves.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..sales.models import SalesOrder
from . import section_jobs, services
from .metrics import ZERO, Period, _money, among, ratio, scope
from .sections import Filters, is_postgres, local_month, months_of, section, store_names
from .tables import Table, percent

#: the most campaigns the campaigns section lists (the newest first)
CAMPAIGN_ROWS = 100


def _one(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}"


def nps_points(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """NPS in points: the share of promoters (9-10) less the share of detractors (0-6)
    among the 0-10 answers, as the surveys module reports it; None without an answer."""
    if not answers:
        return None
    return (Decimal(promoters - detractors) * 100 / answers).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --------------------------------------------------------------------------- call-backs


def callback_completion(period: Period, *, store_ids=None) -> dict[tuple[int, str, int | None], dict[str, int]]:
    """**Call-back completion** (回访完成率): the call-back tasks due in the period (their due
    day between the period's first and last day), per store, rule and agent (the task's
    assignee; None: unassigned): ``due`` (all of them), ``done``, ``cancelled`` and ``open``
    (still to call, so overdue once the day has passed). The completion rate is done / (due
    - cancelled): a cancelled task (the customer left, the occasion fell away) is not owed."""
    from ..care.models import CallbackTask

    t = CallbackTask
    rows = db.session.execute(
        select(t.store_id, t.rule, t.assignee_id, t.status, func.count(t.id))
        .where(among(t.store_id, scope(store_ids)), t.due_on >= period.start, t.due_on <= period.end)
        .group_by(t.store_id, t.rule, t.assignee_id, t.status)
    ).all()
    out: dict[tuple[int, str, int | None], dict[str, int]] = {}
    for store_id, rule, agent, status, n in rows:
        figures = out.setdefault((store_id, rule, agent), {"due": 0, "done": 0, "cancelled": 0, "open": 0})
        figures["due"] += int(n)
        if status in figures:
            figures[status] += int(n)
    return out


def completion_rate(figures: dict[str, int]) -> Decimal | None:
    return ratio(figures["done"], figures["due"] - figures["cancelled"])


def _add(into: dict, key: Any, figures: dict[str, int]) -> None:
    agg = into.setdefault(key, dict.fromkeys(figures, 0))
    for name, n in figures.items():
        agg[name] += n


def _group_callbacks(f: Filters) -> bool:
    """Several stores of a large installation: the section runs as a job
    (``section_jobs.many_callbacks``)."""
    return f.multi and section_jobs.many_callbacks()


def _group_complaints(f: Filters) -> bool:
    """Several stores of a large installation: the section runs as a job
    (``section_jobs.many_complaints``)."""
    return f.multi and section_jobs.many_complaints()


@section("care", "callbacks", _l("回访完成率"), order=10)
@section_jobs.section_or_job("care", "callbacks", _group_callbacks)
def callbacks_section(f: Filters) -> dict[str, Any]:
    from ..care import rules

    names = store_names()
    data = callback_completion(f.period, store_ids=f.store_ids)
    people = services.user_names(a for _s, _r, a in data)
    header = [_("应回访"), _("已完成"), _("已取消"), _("未完成"), _("完成率")]

    def cells(v: dict[str, int]) -> list[str]:
        return [str(v["due"]), str(v["done"]), str(v["cancelled"]), str(v["open"]), percent(completion_rate(v))]

    per_rule: dict[tuple, dict] = {}
    per_agent: dict[tuple, dict] = {}
    total: dict[str, dict] = {}
    for (store, rule, agent), v in data.items():
        _add(per_rule, (store if f.multi else None, rule), v)
        _add(per_agent, (store if f.multi else None, agent), v)
        _add(total, "all", v)
    by_rule = Table(_("按回访规则"), [*([_("门店")] if f.multi else []), _("规则"), *header])
    for (store, rule), v in sorted(per_rule.items(), key=lambda kv: (names.get(kv[0][0], ""), -kv[1]["due"])):
        by_rule.rows.append([*([names.get(store, "")] if f.multi else []), rules.label(rule), *cells(v)])
    if total:
        by_rule.rows.append([_("合计"), *([""] if f.multi else []), *cells(total["all"])])
        by_rule.total_row = len(by_rule.rows) - 1
    by_agent = Table(_("按回访专员"), [_("回访专员"), *([_("门店")] if f.multi else []), *header])
    for (store, agent), v in sorted(
        per_agent.items(), key=lambda kv: (-(completion_rate(kv[1]) or 0), -kv[1]["due"], str(kv[0]))
    ):
        by_agent.rows.append([people.get(agent, _("未分配")), *([names.get(store, "")] if f.multi else []), *cells(v)])
    ordered = [k for k, _v in sorted(per_rule.items(), key=lambda kv: -kv[1]["due"])][:20]
    chart = {
        "type": "bar",
        "title": _("各规则应回访与已完成"),
        "labels": [rules.label(r) + (f"（{names.get(s, '')}）" if f.multi else "") for s, r in ordered],
        "series": [
            {"name": _("应回访"), "values": [per_rule[k]["due"] for k in ordered]},
            {"name": _("已完成"), "values": [per_rule[k]["done"] for k in ordered]},
        ],
    }
    return {"chart": chart, "tables": [by_rule, by_agent]}


# --------------------------------------------------------------------------- CSI and NPS


def satisfaction(period: Period, *, tz: str | None = None, store_ids=None) -> dict[tuple, dict[str, Any]]:
    """**CSI and NPS by month** (满意度趋势): the surveys answered in the period, per store,
    store-local month of the answer and staff member (the advisor or consultant the survey
    is about; None: nobody): ``answered``; ``csi_sum``/``csi_n`` the score percentages of the
    answers to CSI templates (CSI = their mean, ``metrics.csi_score``); ``promoters``,
    ``detractors``, ``nps_n`` of the 0-10 answers of any template (NPS = :func:`nps_points`)."""
    from ..surveys.models import SurveyInvitation, SurveyTemplate

    inv = SurveyInvitation
    start, end = period.bounds(tz)
    month = local_month(inv.answered_at, tz)
    is_csi = sa.and_(SurveyTemplate.kind == "csi", inv.score_pct.is_not(None))
    rows = db.session.execute(
        select(
            inv.store_id,
            month,
            inv.staff_id,
            func.count(inv.id),
            func.sum(sa.case((is_csi, inv.score_pct), else_=None)),
            func.sum(sa.case((is_csi, 1), else_=0)),
            func.sum(sa.case((inv.nps >= 9, 1), else_=0)),
            func.sum(sa.case((inv.nps <= 6, 1), else_=0)),
            func.count(inv.nps),
        )
        .join(SurveyTemplate, SurveyTemplate.id == inv.template_id)
        .where(
            among(inv.store_id, scope(store_ids)),
            inv.status == "answered",
            inv.answered_at >= start,
            inv.answered_at < end,
        )
        .group_by(inv.store_id, month, inv.staff_id)
    ).all()
    return {
        (s, m, staff): {
            "answered": int(n),
            "csi_sum": Decimal(str(c or 0)),
            "csi_n": int(cn or 0),
            "promoters": int(p or 0),
            "detractors": int(d or 0),
            "nps_n": int(nn or 0),
        }
        for s, m, staff, n, c, cn, p, d, nn in rows
    }


def _scores(v: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    csi = (v["csi_sum"] / v["csi_n"]).quantize(Decimal("0.1"), ROUND_HALF_UP) if v["csi_n"] else None
    return csi, nps_points(v["promoters"], v["detractors"], v["nps_n"])


@section("care", "satisfaction", _l("CSI / NPS 趋势"), order=20)
def satisfaction_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = satisfaction(f.period, tz=f.tz, store_ids=f.store_ids)
    people = services.user_names(staff for _s, _m, staff in data)
    months = months_of(f.period)
    per_month: dict[tuple, dict] = {}
    per_staff: dict[tuple, dict] = {}
    for (store, month, staff), v in data.items():
        _add(per_month, (store if f.multi else None, month), v)
        _add(per_month, ("all", month), v)
        _add(per_staff, (store if f.multi else None, staff), v)
    header = [_("回答数"), _("CSI"), _("NPS")]
    trend = Table(_("按月 CSI / NPS"), [_("月份"), *([_("门店")] if f.multi else []), *header])
    stores = sorted({s for s, _m in per_month if s != "all"}, key=lambda s: names.get(s, ""))
    for month in months:
        for store in stores:
            v = per_month.get((store, month))
            if v is None:
                continue
            csi, nps = _scores(v)
            trend.rows.append(
                [month, *([names.get(store, "")] if f.multi else []), str(v["answered"]), _one(csi), _one(nps)]
            )
    by_staff = Table(_("按服务顾问 / 销售顾问"), [_("员工"), *([_("门店")] if f.multi else []), *header])
    for (store, staff), v in sorted(per_staff.items(), key=lambda kv: (-(_scores(kv[1])[0] or 0), str(kv[0]))):
        csi, nps = _scores(v)
        by_staff.rows.append(
            [
                people.get(staff, _("未指定")),
                *([names.get(store, "")] if f.multi else []),
                str(v["answered"]),
                _one(csi),
                _one(nps),
            ]
        )
    overall = [_scores(per_month[("all", m)]) if ("all", m) in per_month else (None, None) for m in months]
    chart = {
        "type": "line",
        "title": _("CSI 与 NPS 按月趋势"),
        "labels": months,
        "series": [
            {"name": _("CSI"), "values": [None if c is None else float(c) for c, _n in overall]},
            {"name": _("NPS"), "values": [None if n is None else float(n) for _c, n in overall]},
        ],
    }
    return {"chart": chart, "tables": [trend, by_staff]}


# --------------------------------------------------------------------------- complaints


def complaint_figures(period: Period, *, tz: str | None = None, store_ids=None) -> dict[tuple, dict[str, int]]:
    """**Complaints** (投诉分析): the cases of kind complaint received in the period, per
    store, category (投诉类别) and problem type (问题类型): ``received``, ``open`` (not yet
    closed or rejected), and their **SLA breaches**: ``accept_late`` / ``resolve_late``, the
    complaints with an accept or resolve breach recorded (the complaints module writes one
    escalation row per complaint and breach when its deadline passes)."""
    from ..complaints.models import OPEN_STATES, Complaint, ComplaintEscalation

    start, end = period.bounds(tz)

    def breached(kind: str) -> Any:
        return sa.exists().where(
            ComplaintEscalation.store_id == Complaint.store_id,
            ComplaintEscalation.complaint_id == Complaint.id,
            ComplaintEscalation.breach == kind,
        )

    rows = db.session.execute(
        select(
            Complaint.store_id,
            Complaint.category,
            Complaint.problem_type,
            func.count(Complaint.id),
            func.sum(sa.case((Complaint.status.in_(OPEN_STATES), 1), else_=0)),
            func.sum(sa.case((breached("accept"), 1), else_=0)),
            func.sum(sa.case((breached("resolve"), 1), else_=0)),
        )
        .where(
            among(Complaint.store_id, scope(store_ids)),
            Complaint.kind == "complaint",
            Complaint.received_at >= start,
            Complaint.received_at < end,
        )
        .group_by(Complaint.store_id, Complaint.category, Complaint.problem_type)
    ).all()
    return {
        (s, c, p): {"received": int(n), "open": int(o or 0), "accept_late": int(a or 0), "resolve_late": int(r or 0)}
        for s, c, p, n, o, a, r in rows
    }


@section("care", "complaints", _l("投诉分类与超时"), order=30)
@section_jobs.section_or_job("care", "complaints", _group_complaints)
def complaints_section(f: Filters) -> dict[str, Any]:
    from ..complaints.models import CATEGORIES, PROBLEM_TYPES

    names = store_names()
    data = complaint_figures(f.period, tz=f.tz, store_ids=f.store_ids)
    header = [_("投诉数"), _("未结案"), _("受理超时"), _("解决超时")]

    def cells(v: dict[str, int]) -> list[str]:
        return [str(v["received"]), str(v["open"]), str(v["accept_late"]), str(v["resolve_late"])]

    per_category: dict[tuple, dict] = {}
    per_problem: dict[tuple, dict] = {}
    total: dict[str, dict] = {}
    for (store, category, problem), v in data.items():
        _add(per_category, (store if f.multi else None, category), v)
        _add(per_problem, (store if f.multi else None, problem), v)
        _add(total, "all", v)
    tables = []
    for caption, head, groups, labels in (
        (_("按投诉类别"), _("投诉类别"), per_category, CATEGORIES),
        (_("按问题类型"), _("问题类型"), per_problem, PROBLEM_TYPES),
    ):
        table = Table(caption, [*([_("门店")] if f.multi else []), head, *header])
        for (store, key), v in sorted(groups.items(), key=lambda kv: (names.get(kv[0][0], ""), -kv[1]["received"])):
            table.rows.append([*([names.get(store, "")] if f.multi else []), str(labels.get(key, key)), *cells(v)])
        if total:
            table.rows.append([_("合计"), *([""] if f.multi else []), *cells(total["all"])])
            table.total_row = len(table.rows) - 1
        tables.append(table)
    categories = [c for c in CATEGORIES if any(k == c for (_s, k) in per_category)]

    def of(category: str, name: str) -> int:
        return sum(v[name] for (_s, k), v in per_category.items() if k == category)

    chart = {
        "type": "bar",
        "title": _("各类别投诉与超时"),
        "labels": [str(CATEGORIES[c]) for c in categories],
        "series": [
            {"name": _("投诉数"), "values": [of(c, "received") for c in categories]},
            {"name": _("受理超时"), "values": [of(c, "accept_late") for c in categories]},
            {"name": _("解决超时"), "values": [of(c, "resolve_late") for c in categories]},
        ],
    }
    return {"chart": chart, "tables": tables}


# --------------------------------------------------------------------------- campaigns


def _window_end(starts_at: Any, days: Any) -> Any:
    if is_postgres():
        return starts_at + func.make_interval(0, 0, 0, days)
    return func.datetime(starts_at, "+" + sa.cast(days, sa.String) + " days")


def campaign_results(period: Period, *, tz: str | None = None, store_ids=None) -> list[dict[str, Any]]:
    """**Campaign results** (市场活动效果) of the campaigns starting in the period (the
    newest :data:`CAMPAIGN_ROWS`), per campaign, as the marketing module counts them:
    ``signups``, ``people`` (party sizes added up), ``attended`` (checked in), ``cards`` (the
    follow-up cards opened at check-in: the leads), ``orders`` attributed (orders not
    cancelled of the sign-up customers, created from the campaign's start to
    ``attribution_days`` after it), ``budget``; cost per lead = budget / cards."""
    from ..marketing.models import Campaign, CampaignSignup

    start, end = period.bounds(tz)
    ids = scope(store_ids)
    campaigns = (
        select(Campaign.id)
        .where(among(Campaign.store_id, ids), Campaign.starts_at >= start, Campaign.starts_at < end)
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
        .limit(CAMPAIGN_ROWS)
        .subquery("shown")
    )
    signups = (
        select(
            CampaignSignup.campaign_id.label("cid"),
            func.count(CampaignSignup.id).label("signups"),
            func.coalesce(func.sum(CampaignSignup.party_size), 0).label("people"),
            func.count(CampaignSignup.checked_in_at).label("attended"),
            func.count(CampaignSignup.card_id).label("cards"),
        )
        .where(among(CampaignSignup.store_id, ids), CampaignSignup.campaign_id.in_(select(campaigns.c.id)))
        .group_by(CampaignSignup.campaign_id)
        .subquery("signups")
    )
    rows = db.session.execute(
        select(
            Campaign.id,
            Campaign.store_id,
            Campaign.theme,
            Campaign.starts_at,
            Campaign.budget,
            signups.c.signups,
            signups.c.people,
            signups.c.attended,
            signups.c.cards,
        )
        .outerjoin(signups, signups.c.cid == Campaign.id)
        .where(Campaign.id.in_(select(campaigns.c.id)))
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
    ).all()
    if not rows:
        return []
    buyers = (
        select(CampaignSignup.campaign_id, CampaignSignup.customer_id)
        .where(
            among(CampaignSignup.store_id, ids),
            CampaignSignup.campaign_id.in_([r[0] for r in rows]),
            CampaignSignup.customer_id.is_not(None),
        )
        .subquery("buyers")
    )
    orders = dict(
        db.session.execute(
            select(buyers.c.campaign_id, func.count(sa.distinct(SalesOrder.id)))
            .join(Campaign, Campaign.id == buyers.c.campaign_id)
            .join(
                SalesOrder,
                sa.and_(
                    SalesOrder.store_id == Campaign.store_id,
                    SalesOrder.customer_id == buyers.c.customer_id,
                    SalesOrder.status != "cancelled",
                    SalesOrder.created_at >= Campaign.starts_at,
                    SalesOrder.created_at < _window_end(Campaign.starts_at, Campaign.attribution_days),
                ),
            )
            .group_by(buyers.c.campaign_id)
        ).all()
    )
    return [
        {
            "id": cid,
            "store_id": store_id,
            "theme": theme,
            "starts_at": starts_at,
            "budget": _money(budget),
            "signups": int(n or 0),
            "people": int(people or 0),
            "attended": int(attended or 0),
            "cards": int(cards or 0),
            "orders": int(orders.get(cid, 0)),
        }
        for cid, store_id, theme, starts_at, budget, n, people, attended, cards in rows
    ]


def cost_per_lead(budget: Decimal, cards: int) -> Decimal | None:
    """Budget per lead (a follow-up card opened at check-in); None before the first one."""
    return (budget / cards).quantize(Decimal("0.01")) if cards else None


@section("care", "campaigns", _l("市场活动效果"), order=40)
def campaigns_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = campaign_results(f.period, tz=f.tz, store_ids=f.store_ids)
    header = [_("报名"), _("人数"), _("到场"), _("到场率"), _("线索"), _("成交订单"), _("预算"), _("单条线索成本")]

    def cells(v: dict[str, Any]) -> list[str]:
        cpl = cost_per_lead(v["budget"], v["cards"])
        return [
            str(v["signups"]),
            str(v["people"]),
            str(v["attended"]),
            percent(ratio(v["attended"], v["signups"])),
            str(v["cards"]),
            str(v["orders"]),
            f"{v['budget']:,.2f}",
            "—" if cpl is None else f"{cpl:,.2f}",
        ]

    table = Table(
        _("市场活动（按开始时间，最新在前）"),
        [_("活动"), *([_("门店")] if f.multi else []), _("开始日期"), *header],
    )
    zone = ZoneInfo(f.tz)
    for v in data:
        starts = v["starts_at"] if v["starts_at"].tzinfo else v["starts_at"].replace(tzinfo=dt.UTC)
        table.rows.append(
            [
                v["theme"],
                *([names.get(v["store_id"], "")] if f.multi else []),
                f"{starts.astimezone(zone):%Y-%m-%d}",
                *cells(v),
            ]
        )
    if data:
        total = {k: sum(v[k] for v in data) for k in ("signups", "people", "attended", "cards", "orders")}
        total["budget"] = sum((v["budget"] for v in data), ZERO)
        table.rows.append([_("合计"), *([""] if f.multi else []), "", *cells(total)])
        table.total_row = len(table.rows) - 1
    shown = data[:15]
    chart = {
        "type": "bar",
        "title": _("各活动报名、到场、线索与成交"),
        "labels": [v["theme"] for v in shown],
        "series": [
            {"name": _("报名"), "values": [v["signups"] for v in shown]},
            {"name": _("到场"), "values": [v["attended"] for v in shown]},
            {"name": _("线索"), "values": [v["cards"] for v in shown]},
            {"name": _("成交订单"), "values": [v["orders"] for v in shown]},
        ],
    }
    return {"chart": chart, "tables": [table]}
