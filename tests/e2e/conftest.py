"""Browser tests: Playwright (sync API) driving Debian's Chromium against a real server.

The app runs in a background thread on a free localhost port with its own SQLite file and
the demo data, committed for real (not the rolled-back session of ``tests/conftest.py``).
Without ``/usr/bin/chromium`` (Debian packages ``chromium`` and ``fonts-noto-cjk``) the
folder is skipped, except under CI (``CI`` set) where a missing browser is a failure.
Never run ``playwright install``: it downloads a browser build we do not use.

A screenshot of every test's last screen lands in ``test-artifacts/`` for review.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so browser tests must run)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# --------------------------------------------------------------------------- no test transaction


@pytest.fixture(autouse=True)
def db_session():
    """Overrides the rolled-back session of tests/conftest.py: the e2e server commits for real."""
    yield None


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="session")
def browser_available() -> None:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk to run browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1") -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="e2e-server", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(browser_available, tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo data in its own SQLite file, served on a free port."""
    from dealer_saas import create_app, demo
    from dealer_saas.cli import setup_database
    from dealer_saas.extensions import db

    database = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "e2e-secret",
            "WTF_CSRF_ENABLED": True,
            "TESTING": False,
            "REDIS_URL": None,  # jobs in-process: the browser tests exercise the embedded mode
            "LOGIN_CAPTCHA_AFTER_FAILURES_PER_IP": 1000,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("e2e-uploads")),
        }
    )
    with app.app_context():
        setup_database()
        demo.run()
        db.session.commit()
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns failures
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, live_server, request, options: dict):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # a script, handler or eval blocked by the Content-Security-Policy is only a console
    # message: count it as a JavaScript error too
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.js_errors = errors  # tests may assert the page raised no JavaScript error
    server_errors: list[str] = []
    page.on(
        "response",
        lambda response: server_errors.append(f"{response.status} {response.url}") if response.status >= 500 else None,
    )
    page.server_errors = server_errors  # ... and that no request (a tile, a fragment) failed
    return context, page


def _save_screenshot(page, request, suffix: str = "") -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_") + suffix
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # a screenshot must never hide the test's own failure
        pass


@pytest.fixture
def phone_page(browser, live_server, request):
    """A page in a phone context (375x812, touch, 2x), screenshotted at the end."""
    context, page = _new_page(browser, live_server, request, PHONE)
    yield page
    _save_screenshot(page, request)
    context.close()


@pytest.fixture
def desktop_page(browser, live_server, request):
    """A page in a desktop context (1366x900), screenshotted at the end."""
    context, page = _new_page(browser, live_server, request, DESKTOP)
    yield page
    _save_screenshot(page, request)
    context.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, browser, live_server):
    """A page for each viewport: the test runs once on a phone and once on a desktop."""
    context, page = _new_page(browser, live_server, request, VIEWPORTS[request.param])
    page.viewport_name = request.param
    yield page
    _save_screenshot(page, request)
    context.close()


@pytest.fixture
def another_page(request, browser, live_server):
    """Opens a page for another user, in a browser context of its own at the viewport of the
    given page: ``manager = another_page(page)``. Each is screenshotted and closed at the end."""
    opened = []

    def open_like(page):
        name = getattr(page, "viewport_name", None) or ("phone" if is_phone(page) else "desktop")
        context, other = _new_page(browser, live_server, request, VIEWPORTS[name])
        other.viewport_name = name
        opened.append((context, other))
        return other

    yield open_like
    for n, (context, other) in enumerate(opened, start=2):
        _save_screenshot(other, request, suffix=f"-user{n}")
        context.close()


# --------------------------------------------------------------------------- helpers


def login(page, username: str, password: str | None = None) -> None:
    """Sign in through the real form and wait for the dashboard."""
    from dealer_saas.demo import DEMO_PASSWORD

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def is_phone(page) -> bool:
    return page.viewport_size["width"] < 992  # Bootstrap's lg breakpoint: the menu is off-canvas


def open_menu(page) -> None:
    """On a phone, open the off-canvas module menu (a no-op on a desktop)."""
    if is_phone(page):
        page.click("button.navbar-toggler")
        page.locator("#module-nav.show").wait_for()


def menu_link(page, label: str):
    """The menu entry named ``label``, ready to click: the off-canvas menu opened on a phone,
    its section's drop-down opened on a desktop when the entry is inside one."""
    open_menu(page)
    link = page.locator("#module-nav a.nav-link", has_text=menu_label(label)).first
    if not link.is_visible():
        section = page.locator("#module-nav .nav-section", has=page.locator("a.nav-link", has_text=menu_label(label)))
        section.locator("[data-testid=menu-section]").first.click()
    return link


def menu_label(label: str) -> re.Pattern:
    """A menu entry's text exactly (after its icon): "客户" is not "客户关怀"."""
    return re.compile(rf"(^|\s){re.escape(label)}$")


def logout(page) -> None:
    """Sign out through the user menu (inside the off-canvas menu on a phone)."""
    open_menu(page)
    page.click("[data-testid=user-menu]")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"))


def horizontal_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 is right)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
