"""dealer_saas: the customer side of 4S dealership groups, one store per tenant."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from . import keys
from .config import ROOT, Config

#: every module's package; each exposes ``bp`` (a blueprint) and may expose ``init_app``
MODULES: tuple[str, ...] = (
    "dealer_saas.auth",
    "dealer_saas.dashboard",
    "dealer_saas.admin",
    "dealer_saas.jobs",
    "dealer_saas.messaging",
    "dealer_saas.notifications",
    "dealer_saas.customers",
    "dealer_saas.leads",
    "dealer_saas.sales",
    "dealer_saas.inventory",
    "dealer_saas.service",
    "dealer_saas.reports",
)


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment-derived :class:`Config`."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    keys.init_app(app)  # production refuses to start without real keys; trusted proxies

    from . import cli, errors, i18n, shell, web
    from .extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    shell.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    for name in MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
    return app
