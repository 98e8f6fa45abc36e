"""The care module's services: generating call-back tasks (``generation``), the agents'
queue and outcomes, the supervisor's bulk changes and completion rates (``tasks``)."""
