"""What the staff sees of a page whose panels load on their own: the page, then every panel
it asks for with ``hx-trigger="load"`` (requested the way htmx does), in one text."""

from __future__ import annotations

import html
import re

LAZY = re.compile(r'hx-get="([^"]+)"[^>]*hx-trigger="load"')


def panel_urls(body: str) -> list[str]:
    return [html.unescape(url) for url in LAZY.findall(body)]


def with_panels(client, url: str) -> str:
    """The page at ``url`` and its lazily loaded panels (each must answer 200)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    body = page.get_data(as_text=True)
    parts = [body]
    for panel in panel_urls(body):
        answer = client.get(panel, headers={"HX-Request": "true"})
        assert answer.status_code == 200, (panel, answer.status_code)
        parts.append(answer.get_data(as_text=True))
    return "\n".join(parts)
