"""Small helpers for sign-in tests."""

from __future__ import annotations

import contextlib
import re

from flask import current_app


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@contextlib.contextmanager
def config(**values):
    """Change app config for one test and restore it afterwards."""
    saved = {k: current_app.config.get(k) for k in values}
    current_app.config.update(values)
    try:
        yield
    finally:
        current_app.config.update(saved)


def form_login(client, username, password, next_url=None, csrf=False, **environ):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    if csrf:
        data["csrf_token"] = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data=data, environ_base=environ)
