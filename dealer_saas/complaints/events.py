"""HX-Trigger events of the complaints module (camelCase past tense, id-only payloads)."""

COMPLAINT_SAVED = "complaintSaved"
