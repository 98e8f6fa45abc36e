"""Job kinds of the service module: the daily sweep of photo files no row names."""

from __future__ import annotations

from typing import Any

from ..jobs.registry import job


@job("service.sweep_photo_files", cadence="daily", hour=4)
def sweep_photo_files(store_id: int, period: str) -> dict[str, Any]:
    """Remove the store's walk-around photo files that no repair order photo names (older
    than the grace period): what a process that died mid-request left on the disk."""
    from .services import photos

    return photos.sweep_files(store_id)
