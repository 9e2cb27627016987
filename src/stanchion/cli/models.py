"""``stanchion models push|list|show|diff|label|rollback|approve|reject``: model route
versions, the same commands as ``prompts`` (see ``cli/prompts.py``)."""

from __future__ import annotations

from stanchion.cli.prompts import models

__all__ = ["models"]
