"""The stock alert scan, every hour in every store."""

from __future__ import annotations

from typing import Any

from ..jobs import job
from . import services


@job("alerts.scan_stock", cadence="hourly")
def scan_stock(store_id: int, period: str) -> dict[str, Any]:
    """Report what fell low since the last pass (once per crossing), note what recovered."""
    return services.scan(period)
