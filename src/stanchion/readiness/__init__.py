"""The readiness gate: the production checklist with its evidence."""
