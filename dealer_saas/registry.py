"""What each module declares about itself, collected by the core.

A module's package declares, in its ``__init__.py``, one :class:`ModuleSpec`: its
permissions and which built-in roles get them, its menu entries and its store settings.
Dashboard tiles (``dashboard.register_tile``), customer timeline sources
(``customers.timeline.timeline_source``) and job kinds (``jobs.registry.job``) register
themselves where they are defined. The core (menu, permissions, the settings screen) reads
only what is collected here, so adding a module touches ``MODULES`` and nothing else
central::

    MODULE = registry.declare(ModuleSpec(
        "parts",
        permissions={"parts.view": _l("查看配件")},
        grants={"parts_clerk": ("parts.view",), "store_manager": ("parts.view",)},
        menu=(MenuEntry("parts.part_list", _l("配件"), "parts.view", "🔩", _l("售后"), order=60),),
    ))
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the navigation; shown when the active role holds ``permission``."""

    endpoint: str
    label: Any
    permission: str
    icon: str = ""
    section: Any = ""
    #: position in the menu (lower first); sections keep the order of their first entry
    order: int = 100
    #: shown on its own in the desktop menu bar even when it belongs to a section (the
    #: screens used all day); the other entries of a section share one drop-down there
    pinned: bool = False


@dataclass(frozen=True)
class SettingsSection:
    """A group of store settings on the settings screen, owned by one module.

    ``fields`` maps form field names to unbound WTForms fields (with their validators and
    ``render_kw``); ``load(store)`` returns the effective values (defaults included) by
    field name; ``save(settings, data)`` validates the submitted ``data`` and writes it into
    the store's new settings dict, raising a ``DomainError`` naming the field it refuses.
    ``column`` is the Bootstrap column class of each field."""

    name: str
    legend: Any
    fields: Mapping[str, Any]
    load: Callable[[Any], dict[str, Any]]
    save: Callable[[dict[str, Any], Mapping[str, Any]], None]
    permission: str
    column: str = "col-12 col-md-6"
    order: int = 100


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    #: permission name -> label for the role editor, in display order
    permissions: Mapping[str, Any] = field(default_factory=dict)
    #: built-in role code -> the permissions (of any module) this module grants it
    grants: Mapping[str, Iterable[str]] = field(default_factory=dict)
    menu: Sequence[MenuEntry] = ()
    settings: Sequence[SettingsSection] = ()
    #: the module's tables as the audit log names them (table name -> what a person calls it)
    records: Mapping[str, Any] = field(default_factory=dict)
    #: audit actions of the module besides the common verbs (``audit.ACTION_LABELS``)
    audit_actions: Mapping[str, Any] = field(default_factory=dict)
    #: the module's job kinds as the jobs page names them
    job_labels: Mapping[str, Any] = field(default_factory=dict)
    #: the phone's bottom tab bar (a few entries a consultant uses all day), in ``order``
    tabs: Sequence[MenuEntry] = ()
    #: the permissions that only read (view, export): the read-only roll-up keeps them; every
    #: other permission's controls are not shown there at all
    reads: Iterable[str] = ()


def grants(*pairs: tuple[Iterable[str], Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """``ModuleSpec.grants`` from (roles, permissions) pairs, a role named in several pairs
    getting the union (a dict literal would keep only its last entry)."""
    merged: dict[str, dict[str, None]] = {}
    for roles, names in pairs:
        for role in roles:
            merged.setdefault(role, {}).update(dict.fromkeys(names))
    return {role: tuple(names) for role, names in merged.items()}


_SPECS: dict[str, ModuleSpec] = {}
_collected = False
_collecting = False


def declare(spec: ModuleSpec) -> ModuleSpec:
    """Register a module's declarations (called from the module's ``__init__.py``)."""
    _SPECS[spec.name] = spec
    return spec


def collect() -> bool:
    """Import every package of ``MODULES`` so each has declared itself. Returns True once
    all are in (False while the imports are still running, e.g. when a module's own import
    asks for the permissions: a caller must not cache what it reads then)."""
    global _collected, _collecting
    if _collected:
        return True
    if _collecting:
        return False
    from . import MODULES

    _collecting = True
    try:
        for name in MODULES:
            importlib.import_module(name)
    finally:
        _collecting = False
    _collected = True
    return True


def _collected_once(build: Callable[[], Any]) -> Callable[[], Any]:
    """Compute a collected table once every module has declared itself (the menu, the
    read permissions ...: asked on every request); before that, compute it each time."""
    cache: list[Any] = []

    def read() -> Any:
        if cache:
            return cache[0]
        value = build()
        if _collected:
            cache.append(value)
        return value

    read.__doc__ = build.__doc__
    read.__name__ = build.__name__
    return read


def specs() -> list[ModuleSpec]:
    """Every declared module, in ``MODULES`` order (the core's own declarations first)."""
    from . import MODULES, permissions  # noqa: F401  (permissions declares the core's own)

    collect()
    position = {name.rsplit(".", 1)[-1]: i for i, name in enumerate(MODULES)}
    return sorted(_SPECS.values(), key=lambda s: position.get(s.name, -1))


@_collected_once
def menu() -> list[MenuEntry]:
    return sorted((entry for spec in specs() for entry in spec.menu), key=lambda e: e.order)


@_collected_once
def tabs() -> list[MenuEntry]:
    return sorted((entry for spec in specs() for entry in spec.tabs), key=lambda e: e.order)


def _merged(attribute: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for spec in specs():
        merged.update(getattr(spec, attribute))
    return merged


@_collected_once
def record_labels() -> dict[str, Any]:
    """Table name -> label, for the audit log's "kind of record" choice."""
    return _merged("records")


@_collected_once
def audit_action_labels() -> dict[str, Any]:
    """The modules' own audit actions (the common verbs are in ``audit.ACTION_LABELS``)."""
    return _merged("audit_actions")


@_collected_once
def job_labels() -> dict[str, Any]:
    """Job kind -> label, for the jobs page."""
    return _merged("job_labels")


@_collected_once
def read_permissions() -> frozenset[str]:
    """Permissions that change nothing; see ``ModuleSpec.reads``."""
    return frozenset(name for spec in specs() for name in spec.reads)


@_collected_once
def settings_sections() -> list[SettingsSection]:
    return sorted((section for spec in specs() for section in spec.settings), key=lambda s: s.order)
