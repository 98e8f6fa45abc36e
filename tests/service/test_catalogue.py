"""The group's labour catalogue and packages, and the store's labour rates (settings)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.service import settings
from dealer_saas.service.models import LabourOperation, ServicePackage
from dealer_saas.service.services import catalogue
from dealer_saas.service.services.rules import ServiceError

GOOD = {"code": "m010", "name": "更换火花塞", "category": "maintenance", "body_area": "engine", "standard_hours": "0.8"}


def test_an_operation_is_created_and_edited(w, in_store):
    with in_store(w.manager):
        op = catalogue.create_operation(GOOD)
        catalogue.update_operation(op.id, {**GOOD, "name": "更换火花塞（4缸）", "standard_hours": "1.25"})
    assert (op.code, op.name, op.standard_hours, op.org_id) == ("M010", "更换火花塞（4缸）", D("1.25"), w.store.org_id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": " "}, "code"),
        ({"code": "M001"}, "code"),  # taken in the organisation
        ({"name": ""}, "name"),
        ({"category": "magic"}, "category"),
        ({"body_area": "roof"}, "body_area"),
        ({"standard_hours": "0"}, "standard_hours"),
        ({"standard_hours": "abc"}, "standard_hours"),
        ({"standard_hours": "1e9"}, "standard_hours"),
    ],
)
def test_bad_operations_are_refused(w, in_store, change, field):
    with in_store(w.manager), pytest.raises(ServiceError) as refused:
        catalogue.create_operation({**GOOD, **change})
    assert refused.value.field == field
    assert db.session.execute(sa.select(sa.func.count(LabourOperation.id))).scalar() == 2


def test_codes_and_lists_are_per_organisation(w, in_store, two_tenants):
    from .factories import world

    other = world(two_tenants.b1)
    with in_store(w.manager):
        mine = catalogue.create_operation(GOOD)
    with in_store(other.manager, target=two_tenants.b1):
        theirs = catalogue.create_operation(GOOD)
        assert {o.id for o in catalogue.operations()} == {other.oil.id, other.brakes.id, theirs.id}
    assert mine.code == theirs.code and mine.org_id != theirs.org_id


def test_a_package_holds_operations_and_one_price(w, in_store):
    with in_store(w.manager):
        package = catalogue.create_package(
            {
                "code": "pk20k",
                "name": "20000公里",
                "category": "maintenance",
                "price": "1288",
                "operation_ids": [w.oil.id, w.brakes.id, w.oil.id],
            }
        )
        assert [i.operation_id for i in package.items] == [w.oil.id, w.brakes.id]
        assert package.price == D("1288.00") and package.hours == D("1.70")
        catalogue.update_package(
            package.id,
            {
                "code": "PK20K",
                "name": "20000公里",
                "category": "maintenance",
                "price": "1299.5",
                "operation_ids": [w.brakes.id],
            },
        )
    assert [i.operation_id for i in package.items] == [w.brakes.id] and package.price == D("1299.50")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"operation_ids": []}, "operation_ids"),
        ({"operation_ids": [999999]}, "operation_ids"),
        ({"price": "0"}, "price"),
        ({"price": "-5"}, "price"),
        ({"code": "PK10K"}, "code"),
    ],
)
def test_bad_packages_are_refused(w, in_store, change, field):
    data = {
        "code": "PKX",
        "name": "x",
        "category": "maintenance",
        "price": "100",
        "operation_ids": [w.oil.id],
        **change,
    }
    with in_store(w.manager), pytest.raises(ServiceError) as refused:
        catalogue.create_package(data)
    assert refused.value.field == field
    assert db.session.execute(sa.select(sa.func.count(ServicePackage.id))).scalar() == 1


def test_labour_rates_default_and_come_from_the_settings_screen(w):
    assert settings.labour_rates(w.store)["repair"] == D("220")
    new: dict = {}
    data = {f"rate_{code}": "199.5" for code in settings.CATEGORIES}
    settings.LABOUR_RATE_SECTION.save(new, data)
    w.store.settings = new
    assert settings.labour_rates(w.store)["repair"] == D("199.50")
    with pytest.raises(DomainError) as refused:
        settings.LABOUR_RATE_SECTION.save({}, {**data, "rate_paint": "-1"})
    assert refused.value.field == "rate_paint"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"workshop_slot_minutes": "5"}, "workshop_slot_minutes"),
        ({"workshop_bays": "x"}, "workshop_bays"),
        ({"workshop_opens_hour": "18", "workshop_closes_hour": "9"}, "workshop_closes_hour"),
    ],
)
def test_workshop_settings_are_validated(change, field):
    data = {f"workshop_{k}": str(v[0]) for k, v in settings._WORKSHOP_LIMITS.items()}
    new: dict = {}
    settings.WORKSHOP_SECTION.save(new, data)
    assert new["service_workshop"]["bays"] == 4
    with pytest.raises(DomainError) as refused:
        settings.WORKSHOP_SECTION.save({}, {**data, **change})
    assert refused.value.field == field


def test_junk_settings_fall_back_to_the_defaults(w):
    w.store.settings = {"service_workshop": {"bays": "many", "slot_minutes": 9999}, "labour_rates": "junk"}
    rule = settings.workshop(w.store)
    assert (rule.bays, rule.slot_minutes) == (4, 60)
    assert settings.labour_rates(w.store)["pdi"] == D("120")
