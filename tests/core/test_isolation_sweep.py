"""The isolation sweep: every route of ``app.url_map``, requested (GET and POST) by a user of
another organisation and by a user of another store of the same organisation. A route with
an id in its URL, aimed at rows that exist in the victim store, answers 404 (or 403 when
the viewer lacks the route's permission whatever the id); every other route (list pages,
forms, dashboard tiles) answers without a server error in the viewer's own store. No answer
ever shows the victim's marker strings: a foreign store's list shows none of its rows.

New modules are swept without new tests: URL id parameters are named after their model
(``customer_id`` -> Customer, ``follow_up_card_id`` -> FollowUpCard), and the victim store
is filled by every module's demo seeder, so each model has rows to aim at. A URL argument
that is not a row id (any converter other than ``int``: a tile's name) takes every value of
the registry that defines it (:func:`url_argument_values`); one missing there fails the
sweep, so a new kind of argument is never skipped silently.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import Session  # noqa: F401
from werkzeug.routing import IntegerConverter

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


def non_id_arguments(rule) -> list[str]:
    """The URL arguments that are not row ids: any converter other than ``int``."""
    return sorted(a for a, converter in rule._converters.items() if not isinstance(converter, IntegerConverter))


def url_argument_values() -> dict[str, dict[str, list[str]]]:
    """endpoint -> non-id URL argument -> every value it takes, read from the registry that
    defines them (so a newly registered tile is swept too)."""
    from dealer_saas.dashboard.tiles import TILES

    return {"dashboard.tile": {"name": sorted(TILES)}}


#: routes the sweeps do not request: files and the public pages reached by a secret token
NOT_SWEPT = (  # token pages: tested in their module (tests/service, tests/messaging)
    "static",
    "sales.quote_shared",
    "service.public_booking",
    "messaging.unsubscribe",
)


def rule_urls(app, rule, ids: dict[str, int]) -> tuple[list[str], str | None]:
    """Every URL of ``rule``: id arguments from ``ids``, the others from their registry.
    Returns (urls, None), or ([], why the rule cannot be requested)."""
    ints = [a for a in rule.arguments if a not in non_id_arguments(rule)]
    if any(a not in id_arguments(rule) for a in ints):
        return [], f"{rule.rule}: name int URL parameters after their model (customer_id, ...)"
    missing = [a for a in ints if a not in ids]
    if missing:
        return [], f"{rule.rule}: no victim row for {missing}; make the module's demo seeder create one"
    registry = url_argument_values().get(rule.endpoint, {})
    names = non_id_arguments(rule)
    unfilled = [a for a in names if not registry.get(a)]
    if unfilled:
        return [], f"{rule.rule}: no values for {unfilled}; list their registry in url_argument_values()"
    urls = []
    with app.test_request_context():
        for combination in itertools.product(*(registry[a] for a in names)):
            values = {a: ids[a] for a in ints} | dict(zip(names, combination, strict=True))
            urls.append(app.url_for(rule.endpoint, **values))
    return urls, None


def request_status(client, method: str, url: str, **kwargs):
    """(status code or the exception the view raised, body); the test client re-raises."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001 - reported with the URL
        db.session.rollback()
        return f"raised {type(error).__name__}: {error}"[:200], ""
    return response.status_code, response_text(response)


def response_text(response) -> str:
    """What a reader of the answer sees: the page, or every part of a workbook (an export)."""
    data = response.get_data()
    if data[:2] == b"PK":  # .xlsx: a zip of XML parts
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return "".join(workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist())
    return data.decode("utf-8", "replace")


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


#: how many requests the sweep made before it covered routes without an id (150)
SWEPT_BEFORE = 150


def test_no_route_reveals_another_tenants_rows(app, two_tenants):
    t = two_tenants
    victim = t.a1
    demo.seed_store(_victim_staff(victim), random.Random(7))
    # the victim org has a custom role too, so role_id routes have a target
    db.session.add(Role(org_id=victim.org_id, code="victim_role", name="甲自定义角色", permissions=[]))
    # and a car of its own on the stock list, after the seeder's transfers to the sibling store
    car = factories.StockVehicleFactory(store=victim, location="甲一标记库位")
    db.session.flush()
    markers = [*t.markers[victim.id], car.vin, car.location]
    models = model_for_argument()
    ids = _victim_ids(victim, models)
    viewers = {
        "other organisation": (factories.user_with_all_permissions(t.b1), t.b1),
        "other store of the same organisation": (factories.user_with_all_permissions(t.a2), t.a2),
    }
    failures: list[str] = []
    swept = listed = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in NOT_SWEPT or getattr(view, "is_public", False):
            continue
        if "id" in rule.arguments:
            failures.append(f"{rule.rule}: name id parameters after their model (customer_id, ...)")
            continue
        urls, problem = rule_urls(app, rule, ids)
        if problem:
            failures.append(problem)
            continue
        aims_at_rows = bool(id_arguments(rule))
        for url in urls:
            for viewer_name, (viewer, viewer_store) in viewers.items():
                for method in sorted({"GET", "POST"} & set(rule.methods)):
                    client = login(app.test_client(), viewer, viewer_store)
                    status, body = request_status(client, method, url, data={})
                    swept += 1
                    listed += not aims_at_rows
                    leaked = [m for m in markers if m in body]
                    if aims_at_rows:
                        lacks_permission = not all(
                            p in viewer_permissions(viewer) for p in getattr(view, "permissions", ())
                        )
                        allowed = {404} | ({403} if lacks_permission else set())
                        refused = status in allowed
                    else:  # a list, a form, a tile: the viewer's own store, never the victim's
                        refused = isinstance(status, int) and status < 500
                    if not refused or leaked:
                        failures.append(f"{method} {url} as {viewer_name}: {status} leaked={leaked}")
    # the control: the victim's own staff find the markers on those same pages (the customer
    # list, the stock list), so the foreign viewers' lists were checked for what a list shows
    own = factories.user_with_all_permissions(victim)
    seen: set[str] = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if id_arguments(rule) or rule.endpoint in NOT_SWEPT or "GET" not in rule.methods:
            continue
        for url in rule_urls(app, rule, ids)[0]:
            _status, body = request_status(login(app.test_client(), own, victim), "GET", url)
            seen |= {m for m in markers if m in body}
    print(f"isolation sweep: {swept} requests ({listed} to routes without a row id)")
    assert swept > SWEPT_BEFORE
    assert listed > 0
    on_lists = {t.markers[victim.id][0], car.vin, car.location}  # the customer's name, the car
    assert on_lists <= seen, f"markers the victim's own lists never show: {on_lists - seen}"
    assert not failures, "\n".join(failures)


def viewer_permissions(user: User) -> set[str]:
    from dealer_saas.permissions import ALL_PERMISSIONS

    return set(ALL_PERMISSIONS) - {"platform.orgs"} if not user.is_platform_admin else {"platform.orgs"}
