"""User screens: scope (group admin: the org; store manager: members of the active store),
granting roles, reset password shown once, self-protection, audit rows."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.auth.services import verify_password
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, User

from .. import factories
from ..conftest import login


def _user(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _audits(entity, entity_id=None, action=None):
    stmt = select(AuditLog).where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return db.session.execute(stmt).scalars().all()


def test_store_manager_sees_only_members_of_the_active_store(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    mine = factories.user_with_role("sales_consultant", store, name="本店顾问")
    theirs = factories.user_with_role("sales_consultant", sibling, name="兄弟店顾问")
    foreign = factories.user_with_role("sales_consultant", factories.StoreFactory(), name="外集团顾问")
    client, _ = client_as("store_manager")
    body = client.get("/admin/users").get_data(as_text=True)
    assert "本店顾问" in body and "兄弟店顾问" not in body and "外集团顾问" not in body
    assert client.get(f"/admin/users/{mine.id}").status_code == 200
    for user in (theirs, foreign):
        assert client.get(f"/admin/users/{user.id}").status_code == 404
        assert client.post(f"/admin/users/{user.id}/reset-password").status_code == 404
        assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 404


def test_group_admin_sees_every_user_of_the_org_and_searches(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    factories.user_with_role("sales_consultant", store, name="张三", username="zhangsan")
    factories.user_with_role("sales_consultant", sibling, name="李四", username="lisi")
    foreign = factories.user_with_role("sales_consultant", factories.StoreFactory(), name="王五")
    client, _ = client_as("group_admin", org_wide=True)
    body = client.get("/admin/users").get_data(as_text=True)
    assert "张三" in body and "李四" in body and "王五" not in body
    fragment = client.get("/admin/users?q=lisi", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="user-list">') and "李四" in text and "张三" not in text
    assert client.get(f"/admin/users/{foreign.id}").status_code == 404


def test_user_list_pages_with_load_more(client_as, store):
    current_app.config["PAGE_SIZE"], size = 3, current_app.config["PAGE_SIZE"]
    try:
        for n in range(5):
            factories.user_with_role("sales_consultant", store, username=f"page{n}")
        client, _ = client_as("group_admin", org_wide=True)
        first = client.get("/admin/users?q=page").get_data(as_text=True)
        assert "page0" in first and "page2" in first and "page3" not in first and "load-more" in first
        import re

        next_url = re.search(r'hx-get="([^"]*after=[^"]*)"', first).group(1).replace("&amp;", "&")
        second = client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "page3" in second and "page4" in second and "page0" not in second
    finally:
        current_app.config["PAGE_SIZE"] = size


def test_store_manager_creates_a_user_with_a_store_role_and_sees_password_once(client_as, store):
    client, manager = client_as("store_manager")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "集团管理员" not in page  # group roles are not offered to a store manager
    consultant = factories.role("sales_consultant")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "New.User",
            "name": "新同事",
            "phone": "138 0013 8000",
            "email": "a@b.cn",
            "password": "",
            "store_id": str(store.id),
            "role_id": str(consultant.id),
        },
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    user = _user("new.user")
    assert user is not None and user.org_id == store.org_id and user.must_change_password
    assert user.phone == "13800138000"
    password = response.get_data(as_text=True).split('data-testid="temporary-password">')[1].split("<")[0]
    assert verify_password(user, password)
    assert [(m.store_id, m.role_id) for m in user.memberships] == [(store.id, consultant.id)]
    assert _audits("users", user.id, "create")[0].user_id == manager.id
    assert _audits("memberships", user.memberships[0].id, "create")


def test_store_manager_cannot_grant_group_roles_or_other_stores(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    client, _ = client_as("store_manager")
    before = db.session.execute(select(User.id)).all()
    group_admin = factories.role("group_admin")
    response = client.post(
        "/admin/users/new", data={"username": "sneaky", "name": "越权", "store_id": "", "role_id": str(group_admin.id)}
    )
    assert response.status_code == 200
    assert _user("sneaky") is None
    response = client.post(
        "/admin/users/new",
        data={
            "username": "sneaky",
            "name": "越权",
            "store_id": str(sibling.id),
            "role_id": str(factories.role("sales_consultant").id),
        },
    )
    assert response.status_code == 200 and _user("sneaky") is None
    assert db.session.execute(select(User.id)).all() == before


def test_create_user_bad_input_messages_beside_fields_and_nothing_saved(client_as, store):
    existing = factories.user_with_role("sales_consultant", store, username="taken")
    db.session.commit()
    client, _ = client_as("store_manager")
    role_id = str(factories.role("sales_consultant").id)
    response = client.post(
        "/admin/users/new", data={"username": "TAKEN", "name": "重名", "store_id": str(store.id), "role_id": role_id}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "用户名已被使用" in body and 'id="field-username"' in body
    response = client.post(
        "/admin/users/new",
        data={
            "username": "fresh",
            "name": "弱密码",
            "password": "short",
            "store_id": str(store.id),
            "role_id": role_id,
        },
    )
    assert "密码至少需要" in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new",
        data={"username": "fresh", "name": "", "phone": "12", "store_id": str(store.id), "role_id": role_id},
    )
    assert "请输入姓名" in response.get_data(as_text=True)
    assert _user("fresh") is None and existing.username == "taken"


def test_edit_user_and_audit(client_as, store):
    target = factories.user_with_role("sales_consultant", store, name="旧名")
    client, _ = client_as("store_manager")
    response = client.post(f"/admin/users/{target.id}", data={"name": "新名", "phone": "", "email": ""})
    assert response.status_code == 303
    db.session.refresh(target)
    assert target.name == "新名"
    row = _audits("users", target.id, "update")[0]
    assert row.before == {"name": "旧名"} and row.after == {"name": "新名"}
    response = client.post(f"/admin/users/{target.id}", data={"name": "x", "email": "not-an-email"})
    assert response.status_code == 200 and "邮箱格式不正确" in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.name == "新名"


def test_deactivate_user_and_not_oneself(client_as, store):
    target = factories.user_with_role("sales_consultant", store)
    client, manager = client_as("store_manager")
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 303
    db.session.refresh(target)
    assert target.is_active is False and _audits("users", target.id, "deactivate")
    response = client.post(f"/admin/users/{manager.id}/active", data={"active": "0"})
    assert response.status_code == 200 and "不能停用自己的账号" in response.get_data(as_text=True)
    db.session.refresh(manager)
    assert manager.is_active


def test_reset_password_forces_change_and_is_shown_once(client_as, store):
    target = factories.user_with_role("sales_consultant", store)
    client, _ = client_as("store_manager")
    response = client.post(f"/admin/users/{target.id}/reset-password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = response.get_data(as_text=True).split('data-testid="temporary-password">')[1].split("<")[0]
    db.session.refresh(target)
    assert target.must_change_password and verify_password(target, password)
    assert _audits("users", target.id, "password_reset")
    # the page is not kept: the user page does not show it again
    assert password not in client.get(f"/admin/users/{target.id}").get_data(as_text=True)


def test_store_manager_cannot_touch_a_group_role_holder(client_as, store):
    boss = factories.user_with_role("group_admin", store, org_wide=True)
    db.session.add(
        Membership(org_id=store.org_id, user_id=boss.id, store_id=store.id, role=factories.role("sales_consultant"))
    )
    db.session.flush()
    client, _ = client_as("store_manager")
    response = client.post(f"/admin/users/{boss.id}/reset-password")
    assert response.status_code == 200 and "集团级角色" in response.get_data(as_text=True)
    db.session.refresh(boss)
    assert not boss.must_change_password


def test_store_manager_cannot_take_over_a_user_of_another_store(client_as, store):
    """The manager of a sibling store who also helps out here: the account is the same in every
    store, so only a group admin edits it, deactivates it or resets its password."""
    sibling = factories.StoreFactory(organisation=store.organisation)
    victim = factories.user_with_role("store_manager", sibling, name="兄弟店店总", phone="13900001111")
    db.session.add(
        Membership(org_id=store.org_id, user_id=victim.id, store_id=store.id, role=factories.role("sales_consultant"))
    )
    db.session.flush()
    hash_before = victim.password_hash
    client, _ = client_as("store_manager")
    page = client.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert 'data-testid="account-locked"' in page
    assert f"/admin/users/{victim.id}/reset-password" not in page and f"/admin/users/{victim.id}/active" not in page
    sibling_role = next(m for m in victim.memberships if m.store_id == sibling.id)
    assert f"/admin/memberships/{sibling_role.id}/delete" not in page
    reset = client.post(f"/admin/users/{victim.id}/reset-password")
    assert reset.status_code == 200 and "其他门店" in reset.get_data(as_text=True)
    assert 'data-testid="temporary-password"' not in reset.get_data(as_text=True)
    deactivate = client.post(f"/admin/users/{victim.id}/active", data={"active": "0"})
    assert deactivate.status_code == 200 and "其他门店" in deactivate.get_data(as_text=True)
    edit = client.post(f"/admin/users/{victim.id}", data={"name": "改名", "phone": "13800000000", "email": ""})
    assert edit.status_code == 200 and "其他门店" in edit.get_data(as_text=True)
    db.session.refresh(victim)
    assert victim.is_active and victim.password_hash == hash_before and not victim.must_change_password
    assert victim.name == "兄弟店店总" and victim.phone == "13900001111"
    assert not _audits("users", victim.id, "password_reset") and not _audits("users", victim.id, "deactivate")
    # roles in the manager's own store are still theirs to give and take away
    receptionist = factories.role("receptionist")
    assert (
        client.post(
            f"/admin/users/{victim.id}/memberships", data={"store_id": str(store.id), "role_id": str(receptionist.id)}
        ).status_code
        == 303
    )
    here = next(m for m in victim.memberships if m.store_id == store.id and m.role.code == "sales_consultant")
    assert client.post(f"/admin/memberships/{here.id}/delete").status_code == 303
    # a group admin manages the account
    group, _ = client_as("group_admin", org_wide=True)
    page = group.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert 'data-testid="account-locked"' not in page and f"/admin/users/{victim.id}/reset-password" in page
    assert group.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 303


def test_store_manager_still_manages_their_own_store_staff(client_as, store):
    own = factories.user_with_role("sales_consultant", store)
    db.session.add(
        Membership(org_id=store.org_id, user_id=own.id, store_id=store.id, role=factories.role("receptionist"))
    )
    db.session.flush()
    client, _ = client_as("store_manager")
    page = client.get(f"/admin/users/{own.id}").get_data(as_text=True)
    assert 'data-testid="account-locked"' not in page and f"/admin/users/{own.id}/reset-password" in page
    assert client.post(f"/admin/users/{own.id}/reset-password").status_code == 200
    db.session.refresh(own)
    assert own.must_change_password


def test_memberships_add_and_remove_with_rules(client_as, store):
    target = factories.user_with_role("sales_consultant", store)
    client, manager = client_as("store_manager")
    receptionist = factories.role("receptionist")
    assert (
        client.post(
            f"/admin/users/{target.id}/memberships", data={"store_id": str(store.id), "role_id": str(receptionist.id)}
        ).status_code
        == 303
    )
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == target.id, Membership.role_id == receptionist.id)
    ).scalar_one()
    assert _audits("memberships", membership.id, "create")
    again = client.post(
        f"/admin/users/{target.id}/memberships", data={"store_id": str(store.id), "role_id": str(receptionist.id)}
    )
    assert again.status_code == 200 and "已拥有此角色" in again.get_data(as_text=True)
    assert client.post(f"/admin/memberships/{membership.id}/delete").status_code == 303
    assert db.session.execute(select(Membership).where(Membership.id == membership.id)).first() is None
    assert _audits("memberships", membership.id, "delete")
    # one's own last membership that allows managing users stays
    own = manager.memberships[0]
    response = client.post(f"/admin/memberships/{own.id}/delete")
    assert response.status_code == 200 and "最后一个" in response.get_data(as_text=True)
    assert db.session.execute(select(Membership).where(Membership.id == own.id)).first() is not None


def test_membership_of_another_store_is_404(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    other = factories.user_with_role("sales_consultant", sibling)
    client, _ = client_as("store_manager")
    assert client.post(f"/admin/memberships/{other.memberships[0].id}/delete").status_code == 404


def test_group_admin_grants_group_role_org_wide(client_as, store):
    target = factories.user_with_role("sales_consultant", store)
    client, _ = client_as("group_admin", org_wide=True)
    manager_role = factories.role("group_manager")
    bad = client.post(
        f"/admin/users/{target.id}/memberships", data={"store_id": str(store.id), "role_id": str(manager_role.id)}
    )
    assert bad.status_code == 200 and "全部门店" in bad.get_data(as_text=True)
    ok = client.post(f"/admin/users/{target.id}/memberships", data={"store_id": "", "role_id": str(manager_role.id)})
    assert ok.status_code == 303
    assert db.session.execute(
        select(Membership).where(Membership.user_id == target.id, Membership.store_id.is_(None))
    ).scalar_one()


def test_consultant_has_no_user_admin(client_as, store):
    client, _ = client_as("sales_consultant")
    assert client.get("/admin/users").status_code == 403


def test_user_in_rollup_mode_cannot_post(client_as, store):
    factories.StoreFactory(organisation=store.organisation)
    target = factories.user_with_role("sales_consultant", store)
    client, _ = client_as("group_admin", org_wide=True)
    db.session.commit()
    with client.session_transaction() as session:
        session["store_id"] = "all"
    assert client.get("/admin/users").status_code == 200
    response = client.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert response.status_code == 403 and "只读" in response.get_data(as_text=True)


def test_user_login_object_from_other_org_is_never_listed(client_as, store):
    other = factories.StoreFactory()
    outsider = factories.user_with_role("store_manager", other, name="外人店总")
    login(current_app.test_client(), outsider, other)
    db.session.commit()
    assert "外人店总" not in client_as("group_admin", org_wide=True)[0].get("/admin/users").get_data(as_text=True)


def test_user_list_runs_few_queries(client_as, store):
    from ..conftest import count_queries

    for _ in range(8):
        factories.user_with_role("sales_consultant", store)
    client, _ = client_as("group_admin", org_wide=True)
    client.get("/admin/users")
    with count_queries() as statements:
        assert client.get("/admin/users").status_code == 200
    assert len(statements) <= 10, statements
