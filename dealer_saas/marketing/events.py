"""HX-Trigger events of the marketing module (camelCase past tense, id-only payloads)."""

CAMPAIGN_SAVED = "campaignSaved"
SIGNUP_CHECKED_IN = "campaignSignupCheckedIn"
TEMPLATE_SAVED = "messageTemplateSaved"
