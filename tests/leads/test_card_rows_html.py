"""The card list's rows draw their badges with ``leads/badges.py`` (the words made once per
page and passed in, issue 15), which the card page's macros of ``leads/_macros.html`` call
too: the same markup as the card page's badges, byte for byte, for every state a row can
show."""

from __future__ import annotations

import datetime as dt
import re

from dealer_saas.timeutil import local_today

from .. import factories
from .factories import card, save

HX = {"HX-Request": "true"}


def _row(body: str, card_id: int) -> str:
    match = re.search(rf'<a class="[^"]*" id="card-row-{card_id}".*?</a>', body, re.S)
    assert match, card_id
    return match.group(0)


def test_every_row_state_renders_the_shared_badges(client_as, store):
    client, me = client_as("sales_manager")
    today = local_today()
    other = factories.user_with_role("sales_consultant", store, name="李四")
    late = card(store, consultant_id=other.id, level="H", next_contact_on=today - dt.timedelta(days=3))
    due = card(store, consultant_id=None, level="A", next_contact_on=today, intended_model="汉 EV")
    won = card(store, consultant_id=other.id, level="B", status="won", next_contact_on=None)
    lost = card(store, consultant_id=other.id, level="C", status="lost", next_contact_on=None)
    save()
    body = client.get("/leads/cards?status=all&sort=new", headers=HX).get_data(as_text=True)
    name = late.customer.display_name
    assert _row(body, late.id) == (
        f'<a class="list-group-item list-group-item-action list-card overdue" id="card-row-{late.id}"\n'
        f'       href="/leads/cards/{late.id}">\n'
        '      <div class="d-flex justify-content-between gap-2">\n'
        '        <span class="fw-semibold text-truncate">'
        f'<span class="badge level-H" title="意向级别">H</span> {name} </span>\n'
        '        <span><span class="badge text-bg-danger">逾期 3 天</span>\n'
        '          <span class="badge text-bg-primary">跟进中</span></span>\n'
        "      </div>\n"
        '      <div class="small text-body-secondary">\n'
        f"        {late.intended_model or '—'} · 李四\n"
        f"         · 下次 {late.next_contact_on:%Y-%m-%d}\n"
        "      </div>\n"
        "    </a>"
    )
    due_row = _row(body, due.id)
    assert '<span><span class="badge text-bg-warning">今日跟进</span>\n' in due_row
    assert 'class="list-group-item list-group-item-action list-card " id=' in due_row
    assert "汉 EV · 未分配\n" in due_row
    won_row = _row(body, won.id)
    assert '<span>\n          <span class="badge text-bg-success">已成交</span></span>' in won_row
    assert '<span class="badge level-B" title="意向级别">B</span>' in won_row
    assert '<span class="badge text-bg-secondary">已战败</span>' in _row(body, lost.id)
    # the card page draws the same badges with the same macros (no words passed)
    detail = client.get(f"/leads/cards/{late.id}").get_data(as_text=True)
    for badge in (
        '<span class="badge level-H" title="意向级别">H</span>',
        '<span class="badge text-bg-primary">跟进中</span>',
        '<span class="badge text-bg-danger">逾期 3 天</span>',
    ):
        assert badge in detail and badge in body


def test_rows_read_as_columns_name_a_deleted_customer_as_deleted(client_as, store):
    """The list reads its rows as columns (issue 15): a deleted customer's card shows
    "已删除客户", never the name; an unassigned card "未分配"; the consultant's name otherwise."""
    from dealer_saas.customers.models import DELETED_NAME
    from dealer_saas.timeutil import utcnow

    client, me = client_as("sales_manager")
    other = factories.user_with_role("sales_consultant", store, name="王五")
    gone = card(store, consultant_id=other.id, level="B")
    kept = card(store, consultant_id=None, level="C")
    gone.customer.deleted_at = utcnow()
    save()
    body = client.get("/leads/cards?status=all&sort=new", headers=HX).get_data(as_text=True)
    gone_row, kept_row = _row(body, gone.id), _row(body, kept.id)
    assert f"</span> {DELETED_NAME} </span>" in gone_row and gone.customer.name not in gone_row
    assert " · 王五\n" in gone_row
    assert f"</span> {kept.customer.name} </span>" in kept_row and " · 未分配\n" in kept_row


def test_badges_escape_their_words():
    """The badges' words are escaped (a title or label is text, not markup); a
    translation's ``%(n)s`` is filled with the escaped number."""
    from markupsafe import Markup

    from dealer_saas.leads import badges

    class Card:
        status, next_contact_on = "open", dt.date(2026, 1, 1)

    assert badges.level_badge("H", "<b>") == '<span class="badge level-H" title="&lt;b&gt;">H</span>'
    assert badges.status_badge("won", {"won": "A&B"}) == '<span class="badge text-bg-success">A&amp;B</span>'
    assert badges.status_badge("odd", {}) == '<span class="badge text-bg-secondary">odd</span>'
    late = badges.days_overdue(Card(), dt.date(2026, 1, 4), "today", Markup("<i>%(n)s</i>"))
    assert late == '<span class="badge text-bg-danger"><i>3</i></span>'
    assert badges.days_overdue(Card(), dt.date(2026, 1, 1), "<today>", None) == (
        '<span class="badge text-bg-warning">&lt;today&gt;</span>'
    )
    assert badges.days_overdue(Card(), dt.date(2025, 12, 31)) == ""
