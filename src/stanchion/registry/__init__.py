"""Versioned artifacts: prompt templates and model routes."""
