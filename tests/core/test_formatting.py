"""Display helpers that guard data: masked phone numbers, and the local-only ``next`` target."""

from __future__ import annotations

import pytest

from dealer_saas.formatting import mask_phone
from dealer_saas.web import safe_next


@pytest.mark.parametrize(
    "number, masked",
    [
        ("13812345678", "138****5678"),  # a mainland mobile: carrier prefix and last four
        ("+8613812345678", "+86*******5678"),  # never more than 3 leading + 4 trailing
        ("0755-12345678", "075******5678"),
        ("12345678", "****5678"),  # an 8-digit landline: only the last four
        ("1234567", "****567"),  # shorter: at least four hidden
        ("12345", "****5"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    "number", ["13812345678", "+8613812345678", "02112345678", "12345678", "1234567", "123456", "95588"]
)
def test_mask_phone_hides_at_least_four_and_shows_at_most_seven(number):
    masked = mask_phone(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= min(4, len(number))
    assert len(number) - masked.count("*") <= 7


@pytest.mark.parametrize(
    "target, followed",
    [
        ("/customers/?q=1", True),
        ("/", True),
        (None, False),
        ("", False),
        ("customers", False),
        ("//evil.example/x", False),
        ("https://evil.example/x", False),
        ("javascript:alert(1)", False),
        ("/\\evil.example", False),
        ("/\\/evil.example", False),
        ("\\\\evil.example", False),
        ("/\t/evil.example", False),
        ("/\r\n/evil.example", False),
        ("/customers\x7f", False),
    ],
)
def test_safe_next_follows_only_local_paths(target, followed):
    assert safe_next(target, "/home") == (target if followed else "/home")


def test_store_times_follow_the_active_store_when_the_context_changes_in_one_app_context(app, store):
    """``|dt`` looks the store's zone up once per tenant context (not per row), so a job or
    test that enters another store in the same app context gets that store's zone."""
    import datetime as dt

    from dealer_saas import tenancy
    from dealer_saas.extensions import db
    from dealer_saas.formatting import datetime_local

    from .. import factories

    far_west = factories.StoreFactory(organisation=store.organisation, timezone="Asia/Kolkata")
    store.timezone = "Asia/Shanghai"
    db.session.flush()
    moment = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    with app.test_request_context():
        with tenancy.enter(store.id):
            assert datetime_local(moment) == "2026-01-01 08:00"
            assert datetime_local(moment) == "2026-01-01 08:00"
        with tenancy.enter(far_west.id):
            assert datetime_local(moment) == "2026-01-01 05:30"
        with tenancy.enter(store.id):
            assert datetime_local(moment) == "2026-01-01 08:00"
