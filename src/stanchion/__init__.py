"""stanchion: the production layer around a generative-AI app.

The public surface for extension authors is small and listed in ``__all__``::

    from stanchion import Guard, Finding, Retriever, Passage, Provider, Exchange
"""

from stanchion.guards.base import Finding, Guard
from stanchion.knowledge.base import Passage, Retriever
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Provider

__all__ = ["Exchange", "Finding", "Guard", "Passage", "Provider", "Retriever"]
__version__ = "0.1.0"
