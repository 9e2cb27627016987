"""Word pairs whose swap turns a supported claim into a contradicted one ("increased" for
"decreased", "thriving" for "struggling"). Stemmed once at import; both directions."""

from __future__ import annotations

from stanchion.knowledge.text import stem

PAIRS = """
increase decrease, rise fall, higher lower, high low, gain loss, win lose, won lost,
buy sell, bought sold, accept reject, open close, first last, include exclude,
including excluding, before after, more less, most least, above below, positive negative,
success failure, successful unsuccessful, strong weak, large small, big small, early late,
earlier later, start end, begin end, agree disagree, approve reject, support oppose,
allow prohibit, add remove, thriving struggling, profit loss, up down, good bad,
better worse, best worst, easy difficult, easy hard, possible impossible, likely unlikely,
happy sad, love hate, like dislike, always never, many few, old new, older younger,
long short, male female, men women, man woman, husband wife, boy girl, north south,
east west, left right, inside outside, internal external, import export, public private,
cheap expensive, fast slow, hot cold, true false, correct incorrect, legal illegal,
expand shrink, grow shrink, growth decline, improve worsen, raise lower, hire fire,
enter leave, arrive depart, join leave, give take, send receive, lend borrow,
attack defend, victory defeat, same different, maximum minimum, majority minority,
rich poor, wealthy poor, safe dangerous, friend enemy, ally enemy, confirm deny,
present absent, available unavailable, able unable, complete incomplete, full empty,
upper lower, top bottom, inbound outbound, online offline, agreed refused,
accepted declined, pass fail, passed failed, larger smaller, bigger smaller,
increased decreased, increasing decreasing, rising falling, strengthen weaken,
minor major, simple complex, senior junior, day night, morning evening, dead alive,
born died, war peace, guilty innocent, convicted acquitted, wins losses, optimistic
pessimistic, like unlike, ahead behind, above beneath, permanent temporary, lowest highest
"""


def _table() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for pair in PAIRS.replace("\n", " ").split(","):
        a, b = (stem(w) for w in pair.split())
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


ANTONYMS = _table()
