"""The app spec: its model and its loader."""

from stanchion.spec.loader import SPEC_NAME, load_spec
from stanchion.spec.model import AppSpec, Route

__all__ = ["SPEC_NAME", "AppSpec", "Route", "load_spec"]
