"""The isolation sweep: every route with an id in its URL, requested by a user of another
organisation and by a user of another store of the same organisation, with ids of rows
that exist in the victim store, answers 404 (or 403 when the viewer lacks the route's
permission whatever the id), and never shows the victim's marker strings.

New modules are swept without new tests: URL id parameters are named after their model
(``customer_id`` -> Customer, ``follow_up_card_id`` -> FollowUpCard), and the victim store
is filled by every module's demo seeder, so each model has rows to aim at.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import select
from sqlalchemy.orm import Session  # noqa: F401

from dealer_saas import demo, tenancy
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, Organisation, OrgScoped, Role, Store, User

from .. import factories
from ..conftest import login


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_for_argument() -> dict[str, type]:
    return {f"{_snake(m.class_.__name__)}_id": m.class_ for m in db.Model.registry.mappers}


def id_arguments(rule) -> list[str]:
    return [a for a in rule.arguments if a == "id" or a.endswith("_id")]


def _victim_staff(store: Store) -> demo.StoreStaff:
    staff = demo.StoreStaff(store=store, scale=0.05)
    roles = factories.ensure_builtin_roles()
    for role_code, count, _suffix in demo.STORE_STAFF:
        staff.by_role[role_code] = [factories.user_with_role(role_code, store) for _ in range(count)]
    assert roles
    return staff


def _victim_ids(victim: Store, models: dict[str, type]) -> dict[str, int]:
    """One id per URL argument name, taken from the victim store (or its organisation)."""
    ids: dict[str, int] = {}
    with tenancy.system():
        for argument, model in models.items():
            if issubclass(model, OrgScoped):
                column = model.store_id if hasattr(model, "store_id") else model.org_id
                value = victim.id if hasattr(model, "store_id") else victim.org_id
                row = db.session.execute(select(model.id).where(column == value).limit(1)).scalar()
            elif model is Organisation:
                row = victim.org_id
            elif model is Store:
                row = victim.id
            elif model is User:
                row = db.session.execute(
                    select(Membership.user_id).where(Membership.store_id == victim.id).limit(1)
                ).scalar()
            elif model is Membership:
                row = db.session.execute(
                    select(Membership.id).where(Membership.store_id == victim.id).limit(1)
                ).scalar()
            elif model is Role:
                row = db.session.execute(select(Role.id).where(Role.org_id == victim.org_id).limit(1)).scalar()
            else:
                row = None
            if row is not None:
                ids[argument] = row
    return ids


def test_no_route_reveals_another_tenants_rows(app, two_tenants):
    t = two_tenants
    victim = t.a1
    demo.seed_store(_victim_staff(victim), random.Random(7))
    # the victim org has a custom role too, so role_id routes have a target
    db.session.add(Role(org_id=victim.org_id, code="victim_role", name="甲自定义角色", permissions=[]))
    db.session.flush()
    markers = t.markers[victim.id]
    models = model_for_argument()
    ids = _victim_ids(victim, models)
    viewers = {
        "other organisation": factories.user_with_all_permissions(t.b1),
        "other store of the same organisation": factories.user_with_all_permissions(t.a2),
    }
    failures: list[str] = []
    swept = 0
    for rule in app.url_map.iter_rules():
        arguments = id_arguments(rule)
        view = app.view_functions[rule.endpoint]
        if not arguments or getattr(view, "is_public", False):
            continue
        if "id" in arguments:
            failures.append(f"{rule.rule}: name id parameters after their model (customer_id, ...)")
            continue
        missing = [a for a in arguments if a not in ids]
        if missing:
            failures.append(f"{rule.rule}: no victim row for {missing}; make the module's demo seeder create one")
            continue
        values = {a: ids.get(a, 1) for a in arguments}
        for a in rule.arguments:
            values.setdefault(a, "x")
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for viewer_name, viewer in viewers.items():
            viewer_store = t.b1 if viewer_name == "other organisation" else t.a2
            for method in sorted({"GET", "POST"} & set(rule.methods)):
                client = login(app.test_client(), viewer, viewer_store)
                response = client.open(url, method=method, data={})
                swept += 1
                body = response.get_data(as_text=True)
                leaked = [m for m in markers if m in body]
                lacks_permission = not all(p in viewer_permissions(viewer) for p in getattr(view, "permissions", ()))
                allowed = {404} | ({403} if lacks_permission else set())
                if response.status_code not in allowed or leaked:
                    failures.append(f"{method} {url} as {viewer_name}: {response.status_code} leaked={leaked}")
    assert swept > 0
    assert not failures, "\n".join(failures)


def viewer_permissions(user: User) -> set[str]:
    from dealer_saas.permissions import ALL_PERMISSIONS

    return set(ALL_PERMISSIONS) - {"platform.orgs"} if not user.is_platform_admin else {"platform.orgs"}
