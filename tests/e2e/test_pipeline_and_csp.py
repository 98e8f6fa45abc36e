"""Under the Content-Security-Policy (scripts from our own files only): the pipeline's
drag-and-drop posts through htmx.ajax and sticks, and data-confirm asks before a form posts."""

from __future__ import annotations

import sqlalchemy as sa

from .conftest import login


def _card_level(app, card_id: int) -> str:
    from dealer_saas import tenancy
    from dealer_saas.extensions import db
    from dealer_saas.leads.models import FollowUpCard

    with app.app_context(), tenancy.system():
        return db.session.execute(sa.select(FollowUpCard.level).where(FollowUpCard.id == card_id)).scalar_one()


def test_pipeline_drag_and_drop_changes_the_level(desktop_page, live_server):
    page = desktop_page
    login(page, "gz01.salesmgr")
    response = page.goto("/leads/pipeline")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    source = page.locator(".kanban-list[data-level=B] [data-testid=pipeline-card]").first
    card_id = int(source.get_attribute("id").rsplit("-", 1)[1])
    assert _card_level(live_server.app, card_id) == "B"
    source.scroll_into_view_if_needed()
    start = source.locator("div.small").bounding_box()  # not the link or the select: Sortable ignores those
    end = page.locator(".kanban-list[data-level=A] [data-testid=pipeline-card]").first.bounding_box()
    with page.expect_response(lambda r: r.url.endswith(f"/cards/{card_id}/level"), timeout=20_000) as answer:
        # step by step, as a hand would: SortableJS follows the native drag events
        page.mouse.move(start["x"] + 5, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + 25, start["y"] + start["height"] / 2, steps=5)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 10, steps=20)
        page.mouse.up()
    assert answer.value.status == 200
    page.locator(f".kanban-list[data-level=A] #pipeline-card-{card_id}").wait_for()
    assert _card_level(live_server.app, card_id) == "A"
    page.reload()
    page.locator(f".kanban-list[data-level=A] #pipeline-card-{card_id}").wait_for()
    assert not page.js_errors and not page.server_errors


def test_data_confirm_asks_before_posting(desktop_page, live_server):
    from dealer_saas import tenancy
    from dealer_saas.extensions import db

    page = desktop_page
    login(page, "gz01.manager")
    with live_server.app.app_context(), tenancy.system():
        user_id = db.session.execute(sa.select(tenancy.User.id).where(tenancy.User.username == "gz01.sales3")).scalar()
    page.goto(f"/admin/users/{user_id}")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="重置密码").click()
    page.wait_for_timeout(300)
    assert asked == ["确定重置该用户的密码？"]
    assert page.url.endswith(f"/admin/users/{user_id}")  # nothing was posted
    assert not page.js_errors and not page.server_errors
