"""Factories for the customers module's own rows."""

from __future__ import annotations

import factory

from dealer_saas.customers.models import CustomerContact, CustomerTag

from ..factories import CustomerFactory, TenantFactory


class CustomerTagFactory(TenantFactory):
    class Meta:
        model = CustomerTag
        exclude = ("store", "customer")

    customer = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store))
    customer_id = factory.SelfAttribute("customer.id")
    tag = "老客户"


class CustomerContactFactory(TenantFactory):
    class Meta:
        model = CustomerContact
        exclude = ("store", "customer")

    customer = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store, kind="company"))
    customer_id = factory.SelfAttribute("customer.id")
    name = "联系人"
    mobile = "13800138000"
