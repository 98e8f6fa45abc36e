"""The tenancy core scopes every ORM statement and refuses cross-store writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from werkzeug.exceptions import NotFound

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.inventory.models import VehicleModel
from dealer_saas.tenancy import ReadOnlyContext, TenancyError, TenantContext

from .. import factories


def names(stmt=None):
    return sorted(db.session.execute(stmt if stmt is not None else select(Customer.name)).scalars())


def test_select_sees_only_the_active_store(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a1.id):
        assert names() == ["甲一标记客户"]
    with tenancy.enter(t.a2.id):
        assert names() == ["甲二标记客户"]


def test_store_id_is_not_frozen_by_the_lambda_cache(two_tenants):
    """DESIGN 8: a cached lambda must not keep the first store's id."""
    t = two_tenants
    seen = []
    for store in (t.a1, t.b1, t.a2, t.a1):
        with tenancy.enter(store.id):
            seen.append(
                db.session.execute(
                    select(func.count()).select_from(Customer).where(Customer.name.like("%标记%"))
                ).scalar_one()
            )
            seen.append(names())
    assert seen[1] == ["甲一标记客户"] and seen[3] == ["乙一标记客户"] and seen[5] == ["甲二标记客户"]


def test_a_rollups_store_ids_are_not_frozen_either(two_tenants):
    """Several stores are written into the SQL as numbers (``tenancy._criteria_for``): each
    roll-up context still gets its own, in plain selects and in subqueries."""
    t = two_tenants
    b2 = factories.StoreFactory(organisation=t.b1.organisation, name="乙二店")
    factories.CustomerFactory(store=b2, name="乙二标记客户")
    db.session.flush()
    seen = []
    for stores in ((t.a1, t.a2), (t.b1, b2), (t.a2, t.a1), (t.a1,), (t.a1, t.a2)):
        ctx = TenantContext(org_id=stores[0].org_id, store_id=None, store_ids=tuple(s.id for s in stores))
        with tenancy.use(ctx):
            inner = select(Customer.id).where(Customer.name.like("%标记%")).scalar_subquery()
            seen.append((names(), db.session.execute(select(func.count()).where(Customer.id.in_(inner))).scalar()))
    assert seen[0] == (["甲一标记客户", "甲二标记客户"], 2) == seen[2] == seen[4]
    assert seen[1] == (["乙一标记客户", "乙二标记客户"], 2)
    assert seen[3] == (["甲一标记客户"], 1)


def test_orm_bulk_update_and_delete_stay_in_the_store(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a1.id):
        db.session.execute(update(Customer).values(notes="touched"))
    with tenancy.system():
        rows = dict(db.session.execute(select(Customer.store_id, Customer.notes)).all())
    assert rows[t.a1.id] == "touched"
    assert rows[t.a2.id] == "" and rows[t.b1.id] == ""


def test_insert_fills_org_and_store_from_the_context(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a2.id):
        customer = Customer(name="新客户", mobile="13900000001")
        db.session.add(customer)
        db.session.flush()
    assert (customer.store_id, customer.org_id) == (t.a2.id, t.a2.org_id)


def test_writing_a_row_of_another_store_is_refused(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a1.id):
        db.session.add(Customer(name="越界", store_id=t.a2.id, org_id=t.a2.org_id))
        with pytest.raises(TenancyError):
            db.session.flush()
    db.session.rollback()


def test_moving_a_row_to_another_store_is_refused(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a1.id):
        customer = db.session.execute(select(Customer)).scalar_one()
        customer.store_id = t.a2.id
        with pytest.raises(TenancyError):
            db.session.flush()
    db.session.rollback()


def test_rollup_reads_every_store_of_the_group_and_writes_nothing(two_tenants):
    t = two_tenants
    rollup = TenantContext(org_id=t.a1.org_id, store_id=None, store_ids=(t.a1.id, t.a2.id))
    with tenancy.use(rollup):
        assert names() == ["甲一标记客户", "甲二标记客户"]
        customer = db.session.execute(select(Customer).where(Customer.store_id == t.a1.id)).scalar_one()
        customer.notes = "changed"
        with pytest.raises(ReadOnlyContext):
            db.session.flush()
    db.session.rollback()


def test_tenant_rows_cannot_be_read_without_a_context(two_tenants):
    token = tenancy.set_context(None)
    try:
        with pytest.raises(TenancyError):
            db.session.execute(select(Customer)).all()
    finally:
        tenancy.reset_context(token)


def test_get_or_404_answers_404_for_another_tenants_id(two_tenants):
    t = two_tenants
    with tenancy.system():
        foreign = db.session.execute(select(Customer).where(Customer.store_id == t.b1.id)).scalar_one()
    db.session.expunge_all()  # not even the identity map may hand it out
    with tenancy.enter(t.a1.id):
        with pytest.raises(NotFound):
            tenancy.get_or_404(Customer, foreign.id)
        with pytest.raises(NotFound):
            tenancy.get_or_404(Customer, "not-a-number")


def test_org_reference_data_is_shared_by_the_group_only(two_tenants):
    t = two_tenants
    factories.VehicleModelFactory(org_id=t.a1.org_id, series="甲车型")
    factories.VehicleModelFactory(org_id=t.b1.org_id, series="乙车型")
    with tenancy.enter(t.a2.id):
        assert list(db.session.execute(select(VehicleModel.series)).scalars()) == ["甲车型"]


def test_writes_to_another_store_need_an_explicit_same_group_permit(two_tenants):
    t = two_tenants
    with tenancy.enter(t.a1.id):
        with tenancy.allow_writes_to(t.a2.id):
            db.session.add(Customer(name="调拨客户", store_id=t.a2.id))
            db.session.flush()
        with pytest.raises(TenancyError):
            with tenancy.allow_writes_to(t.b1.id):
                pass


def test_bulk_writes_are_refused_in_the_roll_up_and_cannot_move_rows(two_tenants):
    """Bulk UPDATE/DELETE bypass the flush guard, so the statement hook checks them."""
    t = two_tenants
    rollup = TenantContext(org_id=t.a1.org_id, store_id=None, store_ids=(t.a1.id, t.a2.id))
    with tenancy.use(rollup), pytest.raises(ReadOnlyContext):
        db.session.execute(update(Customer).values(notes="bulk"))
    store = TenantContext(org_id=t.a1.org_id, store_id=t.a1.id, store_ids=(t.a1.id,))
    with tenancy.use(store):
        with pytest.raises(TenancyError, match="cannot move rows"):
            db.session.execute(update(Customer).values(store_id=t.a2.id))
        db.session.execute(update(Customer).values(notes="bulk"))  # within the store: fine
        assert names() == ["甲一标记客户"]
    with tenancy.system():
        notes = dict(db.session.execute(select(Customer.name, Customer.notes)).all())
    assert notes["甲一标记客户"] == "bulk" and notes["甲二标记客户"] != "bulk"
