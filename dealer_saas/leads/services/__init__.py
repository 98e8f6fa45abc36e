"""Visit log and follow-up card rules, one file per aggregate: call-back dates from the intent
level, the contact log, the card status transitions (one table), ownership of cards, and the
list queries.

- ``_common``: the errors, the call-back rule, the store's consultants and models
- ``cards``: visible cards, opening and editing them, the card state machine (``CARD_MOVES``)
- ``contacts``: the contact log and the call-back cycle it restarts
- ``visits``: the visit log, the day's board and the list
- ``my_day``: a consultant's due and overdue cards
- ``pipeline``: the board by level and the lost-request queue
- ``reception``: the duty roster (顾问轮岗), the reception queue and the next free consultant

Everything public is re-exported here, so ``services.log_visit(...)`` and
``from dealer_saas.leads.services import ACTION_LABELS`` keep working.
"""

from __future__ import annotations

from ._common import (
    InvalidTransition,
    LeadsError,
    StaleCard,
    callback_days,
    consultant_names,
    consultants,
    next_contact_for,
    vehicle_models,
)
from .cards import (
    ACTION_LABELS,
    CARD_FIELDS,
    CARD_MOVES,
    CARD_SORTS,
    STALE_DAYS,
    TRANSITIONS,
    allowed_actions,
    can_call,
    can_decide_lost,
    change_card_level,
    create_card,
    get_card,
    is_visible_card,
    list_cards,
    mark_card_won,
    mark_stale_cards_dormant,
    transition_card,
    update_card,
    visible_cards,
)
from .contacts import card_contacts, last_contacts, log_contact
from .my_day import MY_DAY_LIMIT, MyDay, my_day, my_day_counts
from .pipeline import PIPELINE_COLUMN_SIZE, lost_queue, pipeline_column, pipeline_columns
from .reception import (
    QueueEntry,
    ReceptionQueue,
    duty_roster,
    last_roster_user_ids,
    next_free_consultant,
    reception_queue,
    set_duty_roster,
)
from .visits import (
    UNASSIGNED_NEEDS,
    VISIT_SORTS,
    ConsultantGroup,
    CustomerHint,
    VisitBoard,
    VisitInput,
    customer_for_mobile,
    customer_hint,
    get_visit,
    list_visits,
    log_visit,
    mark_visit_left,
    update_visit,
    visit_board,
)

__all__ = [
    "LeadsError",
    "InvalidTransition",
    "StaleCard",
    "callback_days",
    "next_contact_for",
    "consultant_names",
    "consultants",
    "vehicle_models",
    "STALE_DAYS",
    "visible_cards",
    "get_card",
    "is_visible_card",
    "CARD_SORTS",
    "list_cards",
    "CARD_FIELDS",
    "create_card",
    "update_card",
    "change_card_level",
    "TRANSITIONS",
    "ACTION_LABELS",
    "CARD_MOVES",
    "allowed_actions",
    "can_decide_lost",
    "transition_card",
    "mark_card_won",
    "mark_stale_cards_dormant",
    "can_call",
    "card_contacts",
    "last_contacts",
    "log_contact",
    "customer_for_mobile",
    "CustomerHint",
    "customer_hint",
    "UNASSIGNED_NEEDS",
    "VisitInput",
    "log_visit",
    "update_visit",
    "mark_visit_left",
    "ConsultantGroup",
    "VisitBoard",
    "visit_board",
    "VISIT_SORTS",
    "list_visits",
    "get_visit",
    "MY_DAY_LIMIT",
    "MyDay",
    "my_day",
    "my_day_counts",
    "PIPELINE_COLUMN_SIZE",
    "pipeline_column",
    "pipeline_columns",
    "lost_queue",
    "QueueEntry",
    "ReceptionQueue",
    "duty_roster",
    "last_roster_user_ids",
    "set_duty_roster",
    "next_free_consultant",
    "reception_queue",
]
