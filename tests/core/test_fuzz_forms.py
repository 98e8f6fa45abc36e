"""The fuzz sweep: every route of ``app.url_map`` gets hostile input and never answers 500.

As a store manager of a store filled by every module's demo seeder (and once more as a
user with every permission, for the pages a manager may not open), each route is requested:

- GET with hostile query arguments (the names the views read: ``q``, ``after``,
  ``consultant_id``, ``day``, ...);
- POST with hostile values in every field of the form its GET page renders (parsed from
  the HTML), the other fields keeping the values the page filled in, so the hostile value
  reaches the form's validation and, when it passes, the service; routes that only take a
  POST get every field name any form of the app declares.

The table of requests is deterministic (no search): ``FUZZ_ROUNDS`` (default 2) rounds of
values per route, each round moving every value one field along. ``FUZZ_ROUNDS=20`` for a
long local run. Then "nothing half saved": refused create forms leave no row behind.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest

from dealer_saas import demo
from dealer_saas.audit import AuditLog
from dealer_saas.customers.models import Customer, CustomerVehicle
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockVehicle, VehicleModel
from dealer_saas.leads.models import FollowUpCard, Visit
from dealer_saas.sales.models import Quote
from dealer_saas.tenancy import Membership, Role

from .. import factories
from ..conftest import login
from .test_bad_input import _all_forms, _unbound_fields
from .test_isolation_sweep import _victim_ids, _victim_staff, model_for_argument

ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "1"))

#: what people (and scripts) send that no form expects; every field and query argument
#: meets each of these in every run
CORE = (
    "99999999999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "nul\x00byte\x01\x1b[31m\x7f",
    "0001-01-01",
    "9999-12-31T23:59",
    "²³",
    "x" * 10_000,
    "😀🚗\u202e<script>alert(1)</script>' OR 1=1 --",
)
#: more of the same, for the rotating rounds (FUZZ_ROUNDS)
EXTRA = (
    "-99999999999999999999999999",
    "2147483648",
    "0",
    "-Infinity",
    "9999999999.999",
    "2026-02-30",
    "0000-00-00",
    "2026-13-45T25:61",
    "LSVAB4BZ0AM00000I",
    "ABCDEFGHJKLMNPRSTUVWXYZ",
    "1380013800O",
    "+86 138 0013 8000 0000",
    "11010119900307123X",
    "000000000000000000",
    "",
    " ",
    "\x00",
    "名" * 300,
    "👨‍👩‍👧‍👦\u200b",
    "1; DROP TABLE customers; --",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}${7*7}%s%n",
    "../../etc/passwd",
    '=HYPERLINK("http://evil.example")',
)
HOSTILE = CORE + EXTRA
#: ids no INTEGER column holds, put into every id of a URL
HUGE_IDS = ("2147483648", "99999999999999999999999999")

#: query arguments the views read
QUERY_ARGS = (
    "q",
    "after",
    "before",
    "status",
    "level",
    "kind",
    "state",
    "sort",
    "owner",
    "source",
    "model",
    "demo",
    "day",
    "date_from",
    "date_to",
    "consultant_id",
    "customer_id",
    "follow_up_card_id",
    "vehicle_id",
    "user_id",
    "entity_id",
    "entity",
    "action",
    "ids",
    "mobile",
    "next",
    "scope",
    "direction",
    "channel",
    "outcome",
    "overdue",
    "no_contact",
    "tag",
    "created_from",
    "created_to",
)

#: fields views read from request.form themselves
RAW_FORM_FIELDS = ("customer_ids", "owner_id", "survivor_id", "ids", "active", "store_id", "decision", "action")

#: not pages to fuzz: they end the session or switch what the client is signed in to
SKIP_PREFIXES = ("/static", "/logout", "/switch-store")


class _Forms(HTMLParser):
    """The POST forms of a page: action and (name, value) of every field, as a browser
    would submit it (checked boxes, the selected option, the first radio)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        #: maxlength of the text fields, by name (the form's Length validator)
        self.maxlength: dict[str, int] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {}
            if (a.get("method") or "get").lower() == "post" or a.get("hx-post"):
                self.forms.append((a.get("action") or a.get("hx-post") or "", self._form))
            return
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if (a.get("maxlength") or "").isdigit():
            self.maxlength[name] = int(a["maxlength"])
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in self._form):
                    self._form[name] = a.get("value") or "y"
            elif kind not in ("submit", "button", "file"):
                self._form[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
            self._form.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not self._form.get(self._select):
                self._form[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _page_forms(body: str) -> tuple[list[tuple[str, dict[str, str]]], dict[str, int]]:
    parser = _Forms()
    parser.feed(body)
    return parser.forms, parser.maxlength


def _every_field_name() -> tuple[str, ...]:
    names = {name for form in _all_forms() for name, _unbound in _unbound_fields(form)}
    return tuple(sorted(names - {"csrf_token"} | set(RAW_FORM_FIELDS) | set(QUERY_ARGS)))


def _hostile_round(names, k: int) -> dict[str, str]:
    """Round ``k`` of the rotating table: field j gets value (j + k) of HOSTILE."""
    return {name: HOSTILE[(j + k) % len(HOSTILE)] for j, name in enumerate(names)}


class _Sweep:
    def __init__(self, app) -> None:
        self.app = app
        self.requests = 0
        self.failures: list[str] = []

    def send(self, client, method: str, url: str, data=None) -> int | None:
        self.requests += 1
        try:
            response = client.open(url, method=method, data=data)
        except Exception as error:  # noqa: BLE001 - the test client re-raises what would be a 500
            db.session.rollback()
            self.failures.append(f"{method} {url[:200]} {_short(data)}: raised {type(error).__name__}: {error}"[:500])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:200]} {_short(data)}: {response.status_code}")
        elif "/login" in response.headers.get("Location", "") + response.headers.get("HX-Redirect", ""):
            # the sweep would go on against the login page and prove nothing
            self.failures.append(f"{method} {url[:200]} {_short(data)}: signed the sweep out")
        return response.status_code if response.status_code < 500 else None

    def route(self, client, rule, url: str, field_names) -> None:
        page_forms: list[tuple[str, dict[str, str]]] = []
        maxlength: dict[str, int] = {}
        if "GET" in rule.methods:
            for value in CORE:  # every query argument at once, each CORE value once
                self.send(client, "GET", f"{url}?{urlencode(dict.fromkeys(QUERY_ARGS, value))}")
            for k in range(ROUNDS):
                args = {name: HOSTILE[(j + k * 5) % len(HOSTILE)] for j, name in enumerate(QUERY_ARGS)}
                self.send(client, "GET", f"{url}?{urlencode(args)}")
            self.requests += 1
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":  # not the captcha image
                forms, maxlength = _page_forms(response.get_data(as_text=True))
                page_forms = [
                    (action, fields)
                    for action, fields in forms
                    if fields and (not action or urlsplit(action).path == url)
                ]
        if "POST" not in rule.methods:
            return
        if not page_forms:
            page_forms = [("", dict.fromkeys(field_names, ""))]
        for _action, defaults in page_forms:
            names = [n for n in defaults if n != "csrf_token"]
            for value in CORE:  # every field one CORE value (the form's own checks)
                self.send(client, "POST", url, dict.fromkeys(names, value))
            # every text field as long as the form allows (in wide and in narrow letters:
            # the column behind it, or one derived from it, may be shorter)
            for letter in ("庄", "W"):
                longest = {n: letter * maxlength[n] for n in names if n in maxlength}
                if longest:
                    self.send(client, "POST", url, {**defaults, **longest})
            for k in range(ROUNDS):
                # a third of the fields hostile, the rest as the page filled them in, so the
                # form passes often enough for the value to reach the service
                for part in range(3):
                    chosen = [n for j, n in enumerate(names) if j % 3 == part]
                    if chosen:
                        self.send(client, "POST", url, {**defaults, **_hostile_round(chosen, k * 3 + part)})

    def huge_ids(self, client, rule, ids) -> None:
        """Every id of the URL past an INTEGER column: no rule matches, a 404."""
        arguments = [a for a in rule.arguments if a.endswith("_id")]
        if not arguments:
            return
        for huge in HUGE_IDS:
            with self.app.test_request_context():
                url = self.app.url_for(rule.endpoint, **{a: ids.get(a, 1) for a in rule.arguments})
            for a in arguments:
                url = url.replace(f"/{ids.get(a, 1)}", f"/{huge}", 1)
            for method in sorted({"GET", "POST"} & set(rule.methods)):
                if self.send(client, method, url, {}) not in (404, 405):
                    self.failures.append(f"{method} {url}: not a 404")


def _short(data) -> str:
    if not data:
        return ""
    return repr({k: (v[:20] + "...") if isinstance(v, str) and len(v) > 20 else v for k, v in data.items()})[:300]


def _spare_admin_targets(store) -> dict[str, int]:
    """Rows the admin routes may switch off, lock or re-role: not the sweep's own group,
    store and users (a switched-off group signs every one of its users out)."""
    spare_org = factories.OrganisationFactory()
    spare_store = factories.StoreFactory(organisation=store.organisation)
    spare_user = factories.user_with_role("sales_consultant", spare_store)
    role = Role(org_id=store.org_id, code="fuzz_role", name="模糊测试角色", permissions=[])
    db.session.add(role)
    db.session.flush()
    membership = db.session.query(Membership).filter_by(user_id=spare_user.id).one()
    return {
        "organisation_id": spare_org.id,
        "store_id": spare_store.id,
        "user_id": spare_user.id,
        "membership_id": membership.id,
        "role_id": role.id,
    }


@pytest.fixture
def filled_store(app, store):
    demo.seed_store(_victim_staff(store), random.Random(14))
    db.session.commit()
    return store


def test_no_route_answers_500_to_hostile_input(app, filled_store):
    store = filled_store
    manager = factories.user_with_role("store_manager", store)
    group_admin = factories.user_with_role("group_admin", store, org_wide=True)
    platform = factories.UserFactory(is_platform_admin=True, org_id=None)
    ids = _victim_ids(store, model_for_argument())
    ids.update(_spare_admin_targets(store))
    db.session.commit()
    field_names = _every_field_name()
    sweep = _Sweep(app)
    started = time.monotonic()
    with app.test_request_context():
        rules = sorted(
            (r for r in app.url_map.iter_rules() if not r.rule.startswith(SKIP_PREFIXES)), key=lambda r: r.rule
        )
        urls = []
        for rule in rules:
            values = {a: ids.get(a, "x") for a in rule.arguments}
            if any(a.endswith("_id") and a not in ids for a in rule.arguments):
                continue
            urls.append((rule, app.url_for(rule.endpoint, **values)))
    clients = [
        login(app.test_client(), manager, store),
        login(app.test_client(), group_admin, store),  # the group's catalogue
        login(app.test_client(), platform),  # dealer groups
    ]
    for rule, url in urls:
        # as the first of them who may open the route (a bare request answers 403 otherwise)
        for client in clients:
            probe = client.get(url) if "GET" in rule.methods else client.post(url, data={})
            if probe.status_code != 403:
                break
        sweep.route(client, rule, url, field_names)
        sweep.huge_ids(clients[0], rule, ids)
    # pages still open after all of that (a saved value must not break a page later)
    for rule, url in urls:
        if "GET" in rule.methods:
            sweep.send(clients[0], "GET", url)
    sweep.send(clients[0], "POST", "/customers/export", {})
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {sweep.requests} requests over {len(urls)} routes in {elapsed:.1f} s ({ROUNDS} rounds)")
    assert sweep.requests > 500
    assert not sweep.failures, f"{len(sweep.failures)} of {sweep.requests} requests failed:\n" + "\n".join(
        sweep.failures[:80]
    )


def _count(model) -> int:
    return db.session.query(model).count()


def test_refused_create_forms_leave_nothing_behind(app, filled_store):
    """A refused post (one bad value among good ones, caught by the form or by the service
    after it began) leaves no row, and no audit row, behind."""
    store = filled_store
    user = factories.user_with_role("group_admin", store, org_wide=True)  # the catalogue is the group's
    db.session.commit()
    client = login(app.test_client(), user, store)
    customer = db.session.query(Customer).filter_by(store_id=store.id).first()
    model = db.session.query(VehicleModel).filter_by(org_id=store.org_id, is_active=True).first()
    good_vin = factories.vin()
    cases = [
        (Customer, "/customers/new", {"name": "好名字", "kind": "individual", "mobile": "13800000000"}, "birthday"),
        (CustomerVehicle, f"/customers/{customer.id}/vehicles/new", {"vin": good_vin}, "mileage"),
        (VehicleModel, "/inventory/models/new", {"brand": "品牌", "series": "车系", "list_price": "1"}, "list_price"),
        (
            StockVehicle,
            "/inventory/vehicles/new",
            {"vin": factories.vin(), "model_id": str(model.id), "state": "in_stock"},
            "cost",
        ),
        (Visit, "/leads/visits/new", {"kind": "walk_in", "mobile": "13800000001", "name": "来访"}, "party_size"),
        (FollowUpCard, f"/leads/cards/new?customer_id={customer.id}", {"level": "A", "source": "walk_in"}, "budget"),
        (
            Quote,
            f"/sales/quotes/new?customer_id={customer.id}",
            {"model_id": str(model.id), "payment_method": "cash", "accessories": "脚垫 300"},
            "insurance_amount",
        ),
    ]
    tried = 0
    for (model_class, url, good, field), bad in itertools.product(
        cases, ("99999999999999999999999999", "1e309", "NaN", "2026-02-30", "-1")
    ):
        before, audits = _count(model_class), _count(AuditLog)
        response = client.post(url, data={**good, field: bad})
        tried += 1
        assert response.status_code in (200, 400, 422), (url, field, bad, response.status_code)
        db.session.expire_all()
        assert (_count(model_class), _count(AuditLog)) == (before, audits), (url, field, bad)
    # a refusal by the service after the form passed: every amount fits, the total does not
    before, audits = _count(Quote), _count(AuditLog)
    most = "9999999999.99"
    response = client.post(
        f"/sales/quotes/new?customer_id={customer.id}",
        data={"model_id": str(model.id), "payment_method": "cash", "insurance_amount": most, "other_fees": most},
    )
    assert response.status_code == 200 and "合计金额过大" in response.text
    db.session.expire_all()
    assert (_count(Quote), _count(AuditLog)) == (before, audits)
    # and the good posts do save: the cases are refused for their one bad value only
    for model_class, url, good, _field in cases:
        before = _count(model_class)
        response = client.post(url, data=good)
        db.session.expire_all()
        assert response.status_code in (200, 303) and _count(model_class) == before + 1, (url, response.status_code)
    assert tried == 35
