"""The badges of a follow-up card (its level, its status, overdue or due today): the one
definition of their markup. The macros of ``templates/leads/_macros.html`` draw them on
pages of one card; a list of many cards (the card list) calls these functions directly
with its words made once per page: a Python call (escape and an f-string, not
``Markup.format``'s Formatter) instead of a Jinja macro call per badge (issue 15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .models import CARD_STATUSES

#: the colour of each card status's badge
STATUS_TONES = {"open": "primary", "lost_pending": "warning", "won": "success", "lost": "secondary", "dormant": "dark"}

_NONE = Markup("")


def level_badge(level: str, title: Any = None) -> Markup:
    """The intent level (H, A, B, C) with ``title`` ("意向级别") as its tooltip."""
    code = escape(level)
    return Markup(
        f'<span class="badge level-{code}" title="{escape(_("意向级别") if title is None else title)}">{code}</span>'
    )


def status_badge(status: str, labels: Mapping[str, Any] | None = None) -> Markup:
    """The card status, named by ``labels`` (status -> word; the code when it has none)."""
    tone = STATUS_TONES.get(status, "secondary")
    label = (CARD_STATUSES if labels is None else labels).get(status, status)
    return Markup(f'<span class="badge text-bg-{escape(tone)}">{escape(label)}</span>')


def days_overdue(card: Any, today: dt.date, due_today: Any = None, overdue: Any = None) -> Markup:
    """The "逾期 N 天" badge of an open card whose next call-back is past, "今日跟进" for one due
    today, nothing otherwise. ``overdue`` is the translated text with its ``%(n)s`` left
    in (a translation is trusted markup, as in a template; the number is escaped); the
    words left out are translated here, only when the badge shows."""
    if card.status != "open" or not card.next_contact_on:
        return _NONE
    if card.next_contact_on < today:
        text = _("逾期 %(n)s 天") if overdue is None else overdue
        days = (today - card.next_contact_on).days
        return Markup(f'<span class="badge text-bg-danger">{escape(Markup(text) % {"n": days})}</span>')
    if card.next_contact_on == today:
        return Markup(
            f'<span class="badge text-bg-warning">{escape(_("今日跟进") if due_today is None else due_today)}</span>'
        )
    return _NONE
