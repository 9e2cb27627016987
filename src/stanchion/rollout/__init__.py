"""Pilot cohorts, stage moves, owners' sign-offs and the KPI-gated canary."""
