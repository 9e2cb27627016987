"""How much a word of a question could name the point the documents must hold.

A question's words are not equal evidence. "how many gadgets can one hub RUN at the same
TIME" asks about the hub's device limit: "run" and "time" are everyday wording that the
documents' sentence ("the hub supports up to 50 devices") has no reason to repeat, while
"hub" and "gadgets" (devices) are the point. Three rules of English say which is which:

- a light verb ("take", "get", "run", "show", "look") carries little meaning of its own:
  its object or its particle does ("look at" the item = "inspect" it);
- a word among the commonest of English (Zipf >= 5.8: "time", "same", "first", "new",
  "back") is wording far more often than a topic; a rarer one ("refund", "meter") is;
- an adverb of manner or degree ("completely", "usually") says how, never what.

A word the passage lacks may still be there in another form: a derivation of the same
root ("corrected" / "correction", "covered" / "coverage"). ``near`` finds it.

>>> round(point("time"), 2), round(point("refund"), 2), point("take"), point("completely")
(0.25, 1.0, 0.25, 0.25)
>>> near("correct", frozenset({"correction", "invoice"})), near("ship", frozenset({"shop"}))
(True, False)
"""

from __future__ import annotations

from functools import lru_cache

from stanchion.knowledge.query.english import commonness, zipf

# The delexical ("light") verbs of English and the verbs of perception and motion used as
# them: their meaning comes from what follows ("take a look", "run out", "go out").
LIGHT = frozenset(
    [
        *("be", "is", "are", "was", "were", "been", "get", "gets", "got", "getting", "go", "goes"),
        *("going", "gone", "went", "take", "takes", "took", "taking", "taken", "make", "makes"),
        *("made", "making", "do", "does", "did", "doing", "done", "have", "has", "had", "having"),
        *("give", "gives", "gave", "given", "giving", "put", "puts", "putting", "set", "sets"),
        *("setting", "keep", "keeps", "kept", "keeping", "let", "lets", "come", "comes", "came"),
        *("coming", "run", "runs", "ran", "running", "show", "shows", "showed", "shown", "showing"),
        *("look", "looks", "looked", "looking", "see", "sees", "saw", "seen", "seeing", "say"),
        *("says", "said", "saying", "try", "tries", "tried", "trying"),
        *("happen", "happens", "happened"),
    ]
)
EVERYDAY = 5.8  # Zipf from which a word is among the commonest of English ("time", "back")
SPECIFIC = 4.5  # Zipf up to which a word counts fully ("refund", "warranty", "meter")
FLOOR = 0.25  # what a light verb, an adverb or the commonest word still weighs
ADJECTIVE = 3.0  # an "-ly" word whose base is at least this common is an adverb
ROOT = 5  # letters of the shorter form that a derivation must share ("correct...")


@lru_cache(maxsize=16_384)
def point(word: str) -> float:
    """In (0, 1]: how much ``word`` could name a corpus-specific point."""
    w = word.lower()
    if w in LIGHT or _adverb(w):
        return FLOOR
    z = commonness(w)
    if z >= EVERYDAY:
        return FLOOR
    if z <= SPECIFIC:
        return 1.0
    return 1.0 - (1.0 - FLOOR) * (z - SPECIFIC) / (EVERYDAY - SPECIFIC)


def _adverb(w: str) -> bool:
    return len(w) > 5 and w.endswith("ly") and w.isalpha() and zipf(w[:-2]) >= ADJECTIVE


def near(term: str, bag: frozenset[str]) -> bool:
    """Whether ``bag`` holds a derivation of ``term`` (one stem begins the other, sharing at
    least ROOT letters): "correct" and "correction", "cover" and "coverag"."""
    if len(term) < ROOT or not term.isalpha():
        return False
    return any(
        (t.startswith(term) or term.startswith(t)) and min(len(t), len(term)) >= ROOT for t in bag
    )


VERB = 4.0  # Zipf of a base verb common enough that its -ed / -ing form tells a story


def telling(word: str) -> bool:
    """A past or ongoing form of an everyday verb ("tried", "dropped", "riding"): what
    the customer did, not what they ask about. "speed" and "bring" are no such forms."""
    w = word.lower()
    if w.endswith("ied") and len(w) > 4:
        forms: tuple[str, ...] = (w[:-3] + "y",)
    elif w.endswith("ed") and len(w) > 4:
        forms = (w[:-2], w[:-1], w[:-3] if w[-3] == w[-4] else "")
    elif w.endswith("ing") and len(w) > 5:
        forms = (w[:-3], w[:-3] + "e", w[:-4] if w[-4] == w[-5] else "")
    else:
        return False
    return any(len(f) > 2 and zipf(f) >= VERB for f in forms)
