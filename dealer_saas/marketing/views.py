"""Marketing screens: campaigns (list, form, detail with results and the sign-up link,
check-in on a phone), message templates (with a live preview), bulk sends (preview with the
count, then progress polled from the send's row) and the public sign-up page.

Views are thin: parse the form, run one service through ``domain.attempt``, render the page
or its fragment. Write controls are not shown in the read-only roll-up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, render_template, request, url_for
from flask_babel import gettext as _

from .. import signed_links, tenancy
from ..domain import attempt
from ..extensions import db
from ..i18n import translated
from ..timeutil import from_local, local
from ..web import permission_required, public, redirect_to, render_htmx, rollback_only, trigger
from . import bp, events, links
from .forms import ActionForm, BulkForm, CampaignForm, PreviewForm, SignupForm, TemplateForm
from .models import (
    BULK_BADGES,
    BULK_STATUSES,
    CAMPAIGN_BADGES,
    CAMPAIGN_STATUSES,
    OCCASIONS,
    SIGNUP_SOURCES,
    Campaign,
    MessageTemplate,
)
from .services import bulk, campaigns, segments, templates


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "marketing_campaign_statuses": CAMPAIGN_STATUSES,
        "marketing_campaign_badges": CAMPAIGN_BADGES,
        "marketing_bulk_statuses": BULK_STATUSES,
        "marketing_bulk_badges": BULK_BADGES,
        "marketing_occasions": OCCASIONS,
        "marketing_signup_sources": SIGNUP_SOURCES,
    }


def _read_only() -> bool:
    return tenancy.current().is_rollup


# --------------------------------------------------------------------------- campaigns


@bp.route("/campaigns")
@permission_required("marketing.view")
def campaign_list():
    """The store's campaigns, newest first, filtered by state."""
    status = request.args.get("status") or None
    status = status if status in CAMPAIGN_STATUSES else None
    page = campaigns.list_campaigns(status, request.args.get("after"))
    next_url = url_for("marketing.campaign_list", status=status, after=page.next_token) if page.has_more else None
    return render_htmx(
        "marketing/campaign_list.html",
        "marketing/_campaign_rows.html",
        rows=page,
        status=status,
        next_url=next_url,
        # the rows' states translated once per page, not once per row
        row_statuses=translated(CAMPAIGN_STATUSES),
    )


def _campaign_data(form: CampaignForm) -> dict[str, Any]:
    tz = tenancy.store_timezone()
    data = dict(form.data)
    for name in ("starts_at", "ends_at"):
        if data.get(name):
            data[name] = from_local(data[name], tz)
    data["segment"] = form.segment()
    return data


def _fill_campaign_form(form: CampaignForm, campaign: Campaign) -> None:
    tz = tenancy.store_timezone()
    for name in ("theme", "place", "description", "budget", "headcount", "attribution_days"):
        getattr(form, name).data = getattr(campaign, name)
    form.starts_at.data = local(campaign.starts_at, tz).replace(tzinfo=None)
    form.ends_at.data = local(campaign.ends_at, tz).replace(tzinfo=None)
    segment = segments.clean(campaign.segment)
    form.sources.data = segment.get("sources", [])
    form.levels.data = segment.get("levels", [])
    form.tags.data = ",".join(segment.get("tags", []))
    form.model.data = segment.get("model", "")
    form.version.data = str(campaign.version)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@permission_required("marketing.manage", write=True)
def campaign_new():
    """A new draft campaign."""
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = attempt(form, lambda: campaigns.create_campaign(_campaign_data(form)))
        if campaign:
            return redirect_to(
                url_for("marketing.campaign_detail", campaign_id=campaign.id),
                trigger=trigger(events.CAMPAIGN_SAVED, id=campaign.id),
            )
    elif request.method == "POST":
        rollback_only()
    return render_template("marketing/campaign_form.html", form=form, campaign=None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required("marketing.manage", write=True)
def campaign_edit(campaign_id: int):
    """Edit a campaign that has not finished (the second of two saves is told)."""
    campaign = campaigns.get_campaign(campaign_id)
    form = CampaignForm()
    if request.method == "GET":
        _fill_campaign_form(form, campaign)
    elif form.validate_on_submit():
        saved = attempt(
            form, lambda: campaigns.update_campaign(campaign.id, _campaign_data(form), form.version.data or None)
        )
        if saved:
            return redirect_to(
                url_for("marketing.campaign_detail", campaign_id=campaign.id),
                trigger=trigger(events.CAMPAIGN_SAVED, id=campaign.id),
            )
    else:
        rollback_only()
    return render_template("marketing/campaign_form.html", form=form, campaign=campaign)


def _campaign_page(campaign: Campaign, action_form: ActionForm | None = None, status: int = 200):
    can_manage = tenancy.current().can("marketing.manage") and not _read_only()
    signup_url = None
    if can_manage and campaigns.is_open_for_signup(campaign):
        signup_url = links.signup_url(campaign.store_id, campaign.id)
    return render_htmx(
        "marketing/campaign_detail.html",
        "marketing/_campaign.html",
        http_status=status,
        campaign=campaign,
        results=campaigns.results(campaign),
        segment_text=segments.describe(campaign.segment),
        actions=CAMPAIGN_ACTIONS_FOR(campaign) if can_manage else [],
        action_labels=campaigns.CAMPAIGN_MOVES.action_labels,
        action_form=action_form or ActionForm(formdata=None),
        signup_url=signup_url,
        can_manage=can_manage,
    )


def CAMPAIGN_ACTIONS_FOR(campaign: Campaign) -> list[str]:  # noqa: N802 - reads as the table it asks
    return campaigns.CAMPAIGN_MOVES.actions_for(campaign)


@bp.route("/campaigns/<int:campaign_id>")
@permission_required("marketing.view")
def campaign_detail(campaign_id: int):
    """A campaign: details, segment, results, the sign-up link and its state buttons."""
    return _campaign_page(campaigns.get_campaign(campaign_id))


@bp.route("/campaigns/<int:campaign_id>/state", methods=["POST"])
@permission_required("marketing.manage", write=True)
def campaign_state(campaign_id: int):
    """Publish, start, withdraw or finish a campaign (the form's ``action``)."""
    campaign = campaigns.get_campaign(campaign_id)
    form = ActionForm()
    action = (request.form.get("action") or "")[:20]
    if form.validate_on_submit() and attempt(form, lambda: campaigns.change_state(campaign.id, action)):
        return redirect_to(
            url_for("marketing.campaign_detail", campaign_id=campaign.id),
            trigger=trigger(events.CAMPAIGN_SAVED, id=campaign.id),
        )
    rollback_only()
    return _campaign_page(campaign, action_form=form)


@bp.route("/campaigns/<int:campaign_id>/check-in")
@permission_required("marketing.view")
def campaign_checkin(campaign_id: int):
    """The check-in list on a phone: search by name or the mobile's last digits, one tap."""
    campaign = campaigns.get_campaign(campaign_id)
    q = (request.args.get("q") or "").strip()[:40]
    page = campaigns.list_signups(campaign.id, q, request.args.get("after"))
    next_url = (
        url_for("marketing.campaign_checkin", campaign_id=campaign.id, q=q or None, after=page.next_token)
        if page.has_more
        else None
    )
    return render_htmx(
        "marketing/checkin.html",
        "marketing/_signup_rows.html",
        campaign=campaign,
        rows=page,
        q=q,
        next_url=next_url,
        can_check_in=(
            tenancy.current().can("marketing.manage")
            and not _read_only()
            and campaign.status in campaigns.OPEN_FOR_CHECKIN
        ),
        action_form=ActionForm(formdata=None),
    )


@bp.route("/signups/<int:campaign_signup_id>/check-in", methods=["POST"])
@permission_required("marketing.manage", write=True)
def signup_checkin(campaign_signup_id: int):
    """One tap: mark present (logs the visit, may open a card); answers the row."""
    signup = campaigns.get_signup(campaign_signup_id)
    form = ActionForm()
    done = form.validate_on_submit() and attempt(form, lambda: campaigns.check_in(signup.id))
    if not done:
        rollback_only()
    response = render_htmx(
        "marketing/signup_row_page.html",
        "marketing/_signup_row.html",
        signup=signup,
        campaign=signup.campaign,
        can_check_in=True,
        action_form=ActionForm(formdata=None),
        error=form.form_errors[0] if form.form_errors else None,
        trigger=trigger(events.SIGNUP_CHECKED_IN, id=signup.id) if done else None,
    )
    return response


# --------------------------------------------------------------------------- public sign-up


def _closed_page():
    """A genuine link of a campaign no longer taking sign-ups."""
    return render_template("marketing/signup_closed.html"), 410, signed_links.PUBLIC_HEADERS


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def public_signup(token: str):
    """The customer's sign-up page (no login, phone first): the link's store's campaign;
    signing up twice with one mobile keeps the first. A tampered, expired, over-used link,
    or a campaign no longer taking sign-ups, answers a friendly page."""
    try:
        with signed_links.opened(links.SIGNUP_LINK, token, request.remote_addr) as (link, store):
            campaign = tenancy.get_or_none(Campaign, link.record_id)  # only in the link's store
            if campaign is None:
                raise signed_links.LinkRefused("invalid", 404)
            if not campaigns.is_open_for_signup(campaign):
                return _closed_page()
            form = SignupForm()
            result = None
            if form.validate_on_submit():
                result = attempt(form, lambda: campaigns.sign_up(campaign.id, dict(form.data), source="link"))
                # a refused sign-up is undone by its savepoint; the request still commits, so
                # a failed try counts against the rate limit
                g.rollback_only = False
            body = render_template(
                "marketing/public_signup.html",
                form=form,
                store=store,
                campaign=campaign,
                result=result,
                starts=local(campaign.starts_at, store.timezone),
            )
    except signed_links.LinkRefused as error:
        return signed_links.refusal_page(error)
    return body, 200, signed_links.PUBLIC_HEADERS


# --------------------------------------------------------------------------- templates


@bp.route("/templates")
@permission_required("marketing.manage")
def template_list():
    """The store's message templates and the placeholders they may use."""
    return render_template(
        "marketing/template_list.html", rows=templates.list_templates(), placeholders=templates.PLACEHOLDERS
    )


def _template_form_page(form: TemplateForm, template: MessageTemplate | None):
    return render_template(
        "marketing/template_form.html",
        form=form,
        template=template,
        placeholders=templates.PLACEHOLDERS,
        preview_form=PreviewForm(formdata=None),
    )


@bp.route("/templates/new", methods=["GET", "POST"])
@permission_required("marketing.manage", write=True)
def template_new():
    """A new template; an unknown placeholder is refused beside the body."""
    form = TemplateForm()
    if form.validate_on_submit():
        saved = attempt(form, lambda: templates.create_template(form.data))
        if saved:
            return redirect_to(url_for("marketing.template_list"), trigger=trigger(events.TEMPLATE_SAVED, id=saved.id))
    elif request.method == "POST":
        rollback_only()
    return _template_form_page(form, None)


@bp.route("/templates/<int:message_template_id>/edit", methods=["GET", "POST"])
@permission_required("marketing.manage", write=True)
def template_edit(message_template_id: int):
    template = templates.get_template(message_template_id)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(template.version)
    elif form.validate_on_submit():
        saved = attempt(form, lambda: templates.update_template(template.id, form.data, form.version.data or None))
        if saved:
            return redirect_to(url_for("marketing.template_list"), trigger=trigger(events.TEMPLATE_SAVED, id=saved.id))
    else:
        rollback_only()
    return _template_form_page(form, template)


@bp.route("/templates/preview", methods=["POST"])
@permission_required("marketing.manage")
def template_preview():
    """The body filled with a real customer's data (a fragment, changes nothing)."""
    form = PreviewForm()
    result = None
    if form.validate_on_submit():
        result = attempt(form, lambda: templates.preview(form.body.data or "", form.customer_id.data))
    rollback_only()
    return render_template("marketing/_preview.html", form=form, result=result)


# --------------------------------------------------------------------------- bulk sends


def _bulk_choices(form: BulkForm) -> None:
    rows = db.session.execute(
        sa.select(MessageTemplate.id, MessageTemplate.name)
        .where(MessageTemplate.is_active.is_(True), MessageTemplate.occasion.in_(("marketing", "campaign")))
        .order_by(MessageTemplate.code)
        .limit(100)
    ).all()
    form.template_id.choices = [(0, _("请选择"))] + [(i, n) for i, n in rows]
    live = db.session.execute(
        sa.select(Campaign.id, Campaign.theme)
        .where(Campaign.status.in_(campaigns.OPEN_FOR_SIGNUP))
        .order_by(Campaign.starts_at.desc())
        .limit(50)
    ).all()
    form.campaign_id.choices = [(0, _("不关联"))] + [(i, t) for i, t in live]


@bp.route("/sends/new", methods=["GET", "POST"])
@permission_required("marketing.send", write=True)
def bulk_new():
    """Choose a template and a segment, see the count and a sample, then confirm: the send
    runs as a job and its page shows the progress."""
    form = BulkForm()
    _bulk_choices(form)
    preview = None
    if form.validate_on_submit():
        if not form.template_id.data:
            form.template_id.errors = [_("请选择模板。")]
            rollback_only()
        elif form.confirm.data:
            send = attempt(
                form, lambda: bulk.start_send(form.template_id.data, form.segment(), form.campaign_id.data or None)
            )
            if send:
                return redirect_to(url_for("marketing.bulk_detail", bulk_send_id=send.id))
        else:
            preview = attempt(
                form, lambda: bulk.preview(form.template_id.data, form.segment(), form.campaign_id.data or None)
            )
            rollback_only()
    elif request.method == "POST":
        rollback_only()
    return render_template("marketing/bulk_new.html", form=form, preview=preview, sends=bulk.recent_sends(10))


@bp.route("/sends/<int:bulk_send_id>")
@permission_required("marketing.send")
def bulk_detail(bulk_send_id: int):
    """A bulk send's progress; the fragment polls itself until the send is done."""
    send = bulk.get_send(bulk_send_id)
    return render_htmx("marketing/bulk_detail.html", "marketing/_bulk_progress.html", send=send)
