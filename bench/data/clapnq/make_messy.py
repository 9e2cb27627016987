"""Build the messy clapnq-derived question set from the public clapnq retrieval sample.

    python bench/data/clapnq/make_messy.py [../shared/datasets/retrieval/clapnq]

Every original question gets one messy variant made by seeded, deterministic
transformations (the seed is the sha256 of the question id): lower case, punctuation
dropped, a keyboard-neighbour typo in about one word of six, articles dropped (half of the
questions), a chatty prefix (a third). Pairs of questions of the same label are also joined
into one message (both answerable: answerable, the relevant passages of both; both
unanswerable: unanswerable). Originals are kept next to the variants. The split (dev about
60%, held-out the rest) is by sha256 of the original id; joined pairs stay inside a split.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = Path(__file__).resolve().parents[4] / "shared" / "datasets/retrieval/clapnq"
ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
ARTICLES = {"a", "an", "the"}
PREFIXES = ["hey quick question - ", "hi, ", "ok so ", "can u tell me ", "random q: "]
JOINERS = [" and also ", "? also ", ", and ", " - and "]


def neighbours(ch: str) -> str:
    for r, row in enumerate(ROWS):
        c = row.find(ch)
        if c >= 0:
            near = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
            for other in (ROWS[r - 1] if r else "", ROWS[r + 1] if r + 1 < len(ROWS) else ""):
                near += [other[i] for i in (c - 1, c) if 0 <= i < len(other)]
            return "".join(near)
    return ""


def typo(word: str, rng: random.Random) -> str:
    spots = [i for i, ch in enumerate(word) if neighbours(ch)]
    if len(word) < 4 or not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + rng.choice(neighbours(word[i])) + word[i + 1 :]


def seeded(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def messy(text: str, key: str) -> tuple[str, list[str]]:
    rng = seeded(key)
    done = ["lower", "no_punct"]
    words = re.sub(r"[^\w\s'-]", " ", text.lower()).split()
    if rng.random() < 0.5:
        words = [w for w in words if w not in ARTICLES] or words
        done.append("no_articles")
    n = max(1, round(len(words) / 6))
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(long, min(n, len(long))):
        words[i] = typo(words[i], rng)
    done.append("typos")
    out = " ".join(words)
    if rng.random() < 1 / 3:
        out = rng.choice(PREFIXES) + out
        done.append("prefix")
    return out, done


def split(qid: str) -> str:
    return "dev" if hashlib.sha256(qid.encode()).digest()[0] < 154 else "heldout"


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    queries = [json.loads(line) for line in (src / "queries.jsonl").open()]
    qrels: dict[str, list[str]] = {}
    for line in (src / "qrels.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        if float(score) > 0:
            qrels.setdefault(qid, []).append(doc)
    out: dict[str, list[dict[str, object]]] = {"dev": [], "heldout": []}
    for q in queries:
        text, done = messy(q["text"], q["_id"])
        row = {
            "id": f"cq{q['_id']}",
            "original_ids": [q["_id"]],
            "original": q["text"],
            "text": text,
            "transforms": done,
            "answerable": bool(q["answerable"]),
            "relevant": qrels.get(q["_id"], []),
        }
        out[split(q["_id"])].append(row)
    for name, rows in out.items():
        rows.sort(key=lambda r: hashlib.sha256(str(r["id"]).encode()).hexdigest())
        joined = []
        for label in (True, False):
            same = [r for r in rows if r["answerable"] is label]
            for a, b in list(zip(same[0::2], same[1::2], strict=False))[: len(same) // 5]:
                rng = seeded(f"{a['id']}+{b['id']}")
                joiner = rng.choice(JOINERS)
                joined.append(
                    {
                        "id": f"cj{a['original_ids'][0]}+{b['original_ids'][0]}",
                        "original_ids": a["original_ids"] + b["original_ids"],
                        "original": f"{a['original']}? {b['original']}?",
                        "text": str(a["text"]) + joiner + str(b["text"]),
                        "transforms": ["joined", *a["transforms"]],
                        "answerable": label,
                        "relevant": [*a["relevant"], *b["relevant"]],
                    }
                )
        with (HERE / f"queries-{name}.jsonl").open("w") as f:
            for r in rows + joined:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(name, len(rows), "single +", len(joined), "joined")
    shutil.copyfile(src / "corpus.jsonl", HERE / "corpus.jsonl")


if __name__ == "__main__":
    main()
