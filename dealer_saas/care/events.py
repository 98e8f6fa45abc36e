"""HX-Trigger events of the care module (camelCase past tense, id-only payloads)."""

CALLBACK_DONE = "callbackRecorded"
CALLBACKS_CHANGED = "callbacksChanged"
ROSTER_CHANGED = "careRosterChanged"
