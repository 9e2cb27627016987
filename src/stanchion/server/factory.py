"""The import string uvicorn workers start from: settings come from the environment."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from stanchion.server.app import create_app
from stanchion.settings import Settings


def app_from_env() -> Starlette:
    settings = Settings.from_env()
    return create_app(settings.spec or Path("."), settings)
