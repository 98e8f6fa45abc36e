"""A customer answers a survey through its public one-time link on a phone (no login), with
low scores; the low score shows up as a complaint on the care agent's complaint list, and
the link cannot be used again."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import horizontal_overflow, login


def _sent_survey(app) -> tuple[str, str]:
    """(the survey page's path, the customer's name) of a sent, unanswered survey of GZ01."""
    from sqlalchemy import select

    from dealer_saas import signed_links, tenancy
    from dealer_saas.customers.models import Customer
    from dealer_saas.extensions import db
    from dealer_saas.surveys.models import SurveyInvitation
    from dealer_saas.surveys.services.dispatch import LINK_PURPOSE

    with app.app_context(), tenancy.system():
        store = db.session.execute(select(tenancy.Store).where(tenancy.Store.code == "GZ01")).scalar_one()
        invitation, name = db.session.execute(
            select(SurveyInvitation, Customer.name)
            .join(Customer, Customer.id == SurveyInvitation.customer_id)
            .where(SurveyInvitation.store_id == store.id, SurveyInvitation.status == "sent")
            .order_by(SurveyInvitation.id)
            .limit(1)
        ).one()
        token = signed_links.issue(LINK_PURPOSE, store.id, invitation.id, days=30)
        db.session.remove()
    return f"/surveys/s/{token}", name


def test_a_low_score_through_the_public_link_becomes_a_complaint(phone_page, another_page, live_server):
    customer = phone_page
    path, name = _sent_survey(live_server.app)
    customer.goto(path)
    expect(customer.locator("#public-survey-form")).to_be_visible()
    assert horizontal_overflow(customer) <= 0, "the survey overflows at 375 px"
    assert customer.locator("#module-nav").count() == 0  # no staff menu on a public page
    for fieldset in customer.locator("#public-survey-form fieldset").all():
        scale = fieldset.locator(".survey-score")
        if scale.count():
            scale.nth(1).click()  # 2 of 5, or 1 of 10
        elif fieldset.locator("textarea").count():
            fieldset.locator("textarea").fill("等了三个小时，没人解释")
        elif fieldset.locator("input[type=radio], input[type=checkbox]").count():
            fieldset.locator("label").last.click()
    customer.locator("[data-testid=survey-submit]").click()
    expect(customer.locator("[data-testid=survey-thanks]")).to_be_visible()
    customer.goto(path)  # the link is used up
    expect(customer.locator("[data-testid=link-problem]")).to_have_attribute("data-reason", "answered")
    assert not customer.server_errors and not customer.js_errors

    care = another_page(customer)
    login(care, "gz01.care")
    care.goto("/complaints/?status=received")
    row = care.locator("[data-testid=complaint-row]", has_text=name).filter(has_text="满意度调查低分").first
    expect(row).to_be_visible()
    assert horizontal_overflow(care) <= 0, "the complaint list overflows at 375 px"
    row.click()
    expect(care.locator("[data-testid=complaint-status]")).to_have_text("已受理登记")
    expect(care.locator("[data-testid=complaint-description]")).to_contain_text("等了三个小时")
    care.locator("[data-testid=complaint-accept]").click()
    expect(care.locator("[data-testid=complaint-status]")).to_have_text("已接手")
    assert not care.server_errors and not care.js_errors
