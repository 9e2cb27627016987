"""stanchion: the production layer around a generative-AI app.

The public surface for extension authors is small and listed in ``__all__``::

    from stanchion import Guard, Finding, Retriever, Passage, Provider, Exchange
"""

import typing as _typing

from stanchion.lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from stanchion.guards.base import Finding, Guard
    from stanchion.knowledge.base import Passage, Retriever
    from stanchion.pipeline.exchange import Exchange
    from stanchion.providers.base import Provider

__all__ = ["Exchange", "Finding", "Guard", "Passage", "Provider", "Retriever"]
__version__ = "0.1.0"

# Loaded on first use: every ``stanchion.*`` import runs this file first, and the guards
# behind ``Finding`` cost each CLI process about a second that most commands never need.
_WHERE = {
    "Exchange": "stanchion.pipeline.exchange",
    "Finding": "stanchion.guards.base",
    "Guard": "stanchion.guards.base",
    "Passage": "stanchion.knowledge.base",
    "Provider": "stanchion.providers.base",
    "Retriever": "stanchion.knowledge.base",
}


__getattr__, __dir__ = _lazy_names(globals(), _WHERE, __all__)
