"""Query understanding: a message as questions, each as concepts the corpus can match.

``Vocabulary`` (once per index generation) -> ``parse`` (per question) -> ``Query``;
``split_parts`` and ``is_followup`` shape a conversation into standalone questions.
"""

from stanchion.knowledge.query.glossary import Glossary
from stanchion.knowledge.query.parse import Concept, Query, parse
from stanchion.knowledge.query.turns import (
    Ask,
    is_followup,
    is_told,
    salient_words,
    split_asks,
    split_parts,
    story_facts,
)
from stanchion.knowledge.query.vocabulary import Vocabulary

__all__ = [
    "Ask",
    "Concept",
    "Glossary",
    "Query",
    "Vocabulary",
    "is_followup",
    "is_told",
    "parse",
    "salient_words",
    "split_asks",
    "split_parts",
    "story_facts",
]
