"""Approved knowledge: ingest, approval, retrieval, grounding checks."""

from stanchion.knowledge.base import Passage, Retriever

__all__ = ["Passage", "Retriever"]
