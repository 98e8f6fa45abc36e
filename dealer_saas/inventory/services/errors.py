"""The inventory module's errors: every stock rule refuses with one of these (all are
``domain.DomainError``, so ``domain.attempt`` puts them beside their field)."""

from __future__ import annotations

from ... import domain


class InventoryError(domain.DomainError):
    """A stock rule refused the change; ``field`` names the form field it belongs to."""


class VehicleUnavailable(InventoryError):
    """The car cannot be used for this (wrong state, demo car, other model); message is safe."""


class InvalidStockTransition(InventoryError, domain.InvalidTransition):
    """A stock state change the table does not allow."""


class DuplicateVin(InventoryError):
    """The VIN is already registered in the group; ``existing_id`` is set when it is in this store."""

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message, field="vin")
        self.existing_id = existing_id


class StaleEdit(InventoryError, domain.StaleEdit):
    """Someone else saved the row since the form was loaded."""
