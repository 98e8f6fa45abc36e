"""What can run low: one registration per kind of subject (a vehicle model under its
minimum, a part at or below its reorder point), made by the module that owns the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AlertSource:
    #: the alert kind, "<module>.<what>" ("inventory.model_below_minimum")
    kind: str
    #: the active store's subjects that are low now: subject key -> what a person calls it
    low_now: Callable[[], Mapping[str, str]]
    #: the notification's title for the subjects that just became low (their labels)
    title: Callable[[list[str]], str]
    #: who is told: holders of any of these permissions in the store
    permissions: Iterable[str]
    #: where the notification links to (a path), for the subjects that just became low
    link: Callable[[list[str]], str]


SOURCES: dict[str, AlertSource] = {}


def alert_source(
    kind: str, *, title: Callable[[list[str]], str], permissions: Iterable[str], link: Callable[[list[str]], str]
) -> Callable[[Callable[[], Mapping[str, str]]], Callable[[], Mapping[str, str]]]:
    """Decorator for a module's "what is low now" function."""

    def decorator(low_now: Callable[[], Mapping[str, str]]) -> Callable[[], Mapping[str, str]]:
        SOURCES[kind] = AlertSource(kind, low_now, title, tuple(permissions), link)
        return low_now

    return decorator


def labels_summary(labels: list[str], limit: int = 3) -> str:
    """ "A、B、C 等 5 项" style list for a notification title."""
    shown = "、".join(labels[:limit])
    return shown if len(labels) <= limit else f"{shown} …"
