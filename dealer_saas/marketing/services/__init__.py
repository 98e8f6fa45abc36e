"""The marketing services, one file per aggregate: message templates, segments, campaigns
(and their sign-ups), reminders, bulk sends."""

from ...domain import DomainError


class MarketingError(DomainError):
    """A marketing rule refused the action; ``field`` names the input it is about."""
