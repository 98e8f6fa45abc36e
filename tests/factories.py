"""factory_boy factories. Rows are flushed, never committed (the test's transaction is
rolled back). Tenant-owned factories take ``store=`` and copy its ids."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from dataclasses import dataclass

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from dealer_saas.auth.services import hash_password
from dealer_saas.customers.models import Customer, CustomerVehicle
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockVehicle, VehicleModel
from dealer_saas.leads.models import FollowUpCard, Visit
from dealer_saas.permissions import ALL_PERMISSIONS, ensure_builtin_roles
from dealer_saas.pinyin import full_pinyin, initials
from dealer_saas.tenancy import Membership, Organisation, Role, Store, User
from dealer_saas.timeutil import local_today
from dealer_saas.validation import with_check_digit

PASSWORD = "Secret123"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashing is slow on purpose: do it once


def _session():
    return db.session


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试集团{n}")
    code = factory.Sequence(lambda n: f"org{n}")


class StoreFactory(Base):
    class Meta:
        model = Store

    organisation = factory.SubFactory(OrganisationFactory)
    org_id = factory.SelfAttribute("organisation.id")
    name = factory.Sequence(lambda n: f"测试门店{n}")
    code = factory.Sequence(lambda n: f"S{n:03d}")
    city = "广州"
    brands = "大众"
    settings = factory.LazyFunction(dict)


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"员工{n}")
    password_hash = _PASSWORD_HASH
    org_id = None


def role(code: str) -> Role:
    return ensure_builtin_roles()[code]


def user_with_role(role_code: str, store: Store | None, org_wide: bool = False, **fields) -> User:
    """A user holding a built-in role in ``store`` (or org-wide with ``org_wide=True``)."""
    org_id = store.org_id if store is not None else fields.pop("org_id")
    user = UserFactory(org_id=org_id, **fields)
    db.session.add(
        Membership(org_id=org_id, user_id=user.id, store_id=None if org_wide else store.id, role=role(role_code))
    )
    db.session.flush()
    return user


def user_with_all_permissions(store: Store, **fields) -> User:
    """A store-level user who may do everything in one store (for isolation sweeps)."""
    custom = Role(org_id=store.org_id, code=f"all_{store.id}", name="全部权限", permissions=sorted(ALL_PERMISSIONS))
    db.session.add(custom)
    db.session.flush()
    user = UserFactory(org_id=store.org_id, **fields)
    db.session.add(Membership(org_id=store.org_id, user_id=user.id, store_id=store.id, role=custom))
    db.session.flush()
    return user


class TenantFactory(Base):
    """Base for tenant-owned rows: pass ``store=``."""

    class Meta:
        abstract = True
        exclude = ("store",)

    store = factory.SubFactory(StoreFactory)
    store_id = factory.SelfAttribute("store.id")
    org_id = factory.SelfAttribute("store.org_id")


class CustomerFactory(TenantFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    name_pinyin = factory.LazyAttribute(lambda o: full_pinyin(o.name))
    name_initials = factory.LazyAttribute(lambda o: initials(o.name))
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    mobile_last4 = factory.LazyAttribute(lambda o: o.mobile[-4:] if o.mobile else None)
    source = "walk_in"


class VehicleModelFactory(Base):
    class Meta:
        model = VehicleModel
        exclude = ("store",)

    store = None
    org_id = factory.LazyAttribute(lambda o: o.store.org_id if o.store else OrganisationFactory().id)
    code = factory.Sequence(lambda n: f"M{n:04d}")
    brand = "大众"
    series = factory.Sequence(lambda n: f"帕萨特{n}")
    trim = "330TSI 豪华版"
    model_year = 2026
    list_price = decimal.Decimal("229900.00")
    colours = "极地白,曜石黑"


def vin(n: int | None = None) -> str:
    n = random.randrange(10**6) if n is None else n
    return with_check_digit(f"LSVAU2180N2{n:06d}")


class StockVehicleFactory(TenantFactory):
    vehicle_model = factory.LazyAttribute(lambda o: VehicleModelFactory(org_id=o.store.org_id))
    model_id = factory.SelfAttribute("vehicle_model.id")
    vin = factory.Sequence(lambda n: vin(n))
    colour = "极地白"
    arrival_date = factory.LazyFunction(lambda: local_today() - dt.timedelta(days=10))
    cost = decimal.Decimal("200000.00")
    state = "in_stock"

    class Meta:
        model = StockVehicle
        exclude = ("store", "vehicle_model")


class CustomerVehicleFactory(TenantFactory):
    class Meta:
        model = CustomerVehicle
        exclude = ("store", "owner")

    owner = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store))
    owner_id = factory.SelfAttribute("owner.id")
    vin = factory.Sequence(lambda n: vin(500000 + n))
    plate = factory.Sequence(lambda n: f"粤A{n:05d}")
    brand = "大众"
    model = "帕萨特"


class VisitFactory(TenantFactory):
    class Meta:
        model = Visit
        exclude = ("store", "customer")

    customer = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store))
    customer_id = factory.SelfAttribute("customer.id")
    kind = "walk_in"
    intended_model = "帕萨特"


class FollowUpCardFactory(TenantFactory):
    class Meta:
        model = FollowUpCard
        exclude = ("store", "customer")

    customer = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store))
    customer_id = factory.SelfAttribute("customer.id")
    level = "A"
    status = "open"
    intended_model = "帕萨特"
    next_contact_on = factory.LazyFunction(lambda: local_today() + dt.timedelta(days=3))


@dataclass
class TwoTenants:
    """Organisation A (stores A1, A2) and B (store B1), with marker rows in each store."""

    a1: Store
    a2: Store
    b1: Store
    markers: dict[int, list[str]]


def two_tenants() -> TwoTenants:
    org_a = OrganisationFactory(name="甲集团")
    org_b = OrganisationFactory(name="乙集团")
    a1 = StoreFactory(organisation=org_a, name="甲一店")
    a2 = StoreFactory(organisation=org_a, name="甲二店")
    b1 = StoreFactory(organisation=org_b, name="乙一店")
    markers = {}
    for store, marker in ((a1, "甲一标记"), (a2, "甲二标记"), (b1, "乙一标记")):
        customer = CustomerFactory(store=store, name=marker + "客户")
        vehicle = CustomerVehicleFactory(store=store, owner=customer)
        markers[store.id] = [customer.name, vehicle.vin]
    return TwoTenants(a1, a2, b1, markers)


def tampered(token: str) -> str:
    """``token`` with one character of its signature changed. The signature's last
    character carries two padding bits, so changing only the end may decode to the same
    bytes and still verify (about 1 run in 1 000): change a character that is all data."""
    at = len(token) - 5
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


def first(model, **where):
    stmt = select(model).filter_by(**where)
    return db.session.execute(stmt).scalars().first()
