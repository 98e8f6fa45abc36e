"""The visit form's returning-customer hint on the last 4 digits of the mobile (issue 14,
item 11): the customers the user may see whose number ends so, the number masked for anyone
without ``customers.pii``."""

from __future__ import annotations

from .. import factories
from .factories import save

HX = {"HX-Request": "true"}


def _hint(client, typed):
    response = client.get("/leads/visits/customer-hint", query_string={"mobile": typed}, headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_last_four_digits_list_the_customers_masked_without_pii(client_as, store):
    client, _user = client_as("receptionist")  # sees the whole store, no customers.pii
    owner = factories.user_with_role("sales_consultant", store, name="李四")
    factories.CustomerFactory(store=store, name="王五", mobile="13900001111", owner_id=owner.id)
    factories.CustomerFactory(store=store, name="赵六", mobile="13722221111")
    factories.CustomerFactory(store=store, name="别人", mobile="13722222222")
    factories.CustomerFactory(store=factories.StoreFactory(), name="外店", mobile="13933331111")
    save()
    body = _hint(client, "1111")
    assert 'data-testid="last4-matches"' in body and "尾号 1111" in body
    assert "王五" in body and "李四" in body and "赵六" in body
    assert "139****1111" in body and "137****1111" in body
    assert "13900001111" not in body and "13722221111" not in body  # never the full number
    assert "别人" not in body and "外店" not in body
    assert "没有尾号 9999" in _hint(client, "9999")
    # 3 or 5 digits are no hint at all (the full number still is)
    for typed in ("111", "01111"):
        assert "王五" not in _hint(client, typed) and "尾号" not in _hint(client, typed)
    assert "老客户：王五" in _hint(client, "139 0000 1111")


def test_a_user_with_pii_sees_the_full_number(client_as, store):
    client, _user = client_as("sales_manager")
    factories.CustomerFactory(store=store, name="王五", mobile="13900001111")
    save()
    assert "13900001111" in _hint(client, "1111")


def test_a_consultant_only_finds_their_own_and_unassigned_customers(client_as, store):
    client, me = client_as("sales_consultant")
    other = factories.user_with_role("sales_consultant", store)
    factories.CustomerFactory(store=store, name="我的客户", mobile="13900004321", owner_id=me.id)
    factories.CustomerFactory(store=store, name="公海客户", mobile="13800004321")
    factories.CustomerFactory(store=store, name="别人的客户", mobile="13700004321", owner_id=other.id)
    save()
    body = _hint(client, "4321")
    assert "我的客户" in body and "公海客户" in body and "别人的客户" not in body
    # the consultant's own customer is masked too: no customers.pii, no full number in the hint
    assert "13900004321" not in body and "139****4321" in body


def test_many_matches_are_capped(client_as, store):
    client, _user = client_as("receptionist")
    for n in range(7):
        factories.CustomerFactory(store=store, name=f"尾号客户{n}", mobile=f"13{n}00007777")
    save()
    body = _hint(client, "7777")
    assert body.count('data-testid="last4-match"') == 5 and "还有更多" in body
