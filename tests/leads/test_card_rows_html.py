"""The card list's rows draw their badges with the macros of ``leads/_macros.html`` (the
words made once per page and passed in, issue 15): the same markup as the card page's
badges, byte for byte, for every state a row can show."""

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
