"""Rebuild ``english.txt.gz``: how common each English word is, from the ``wordfreq`` package.

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq==3.1.1
    /tmp/wf/bin/python src/stanchion/knowledge/query/data/build_english.py

A line is ``<zipf x 10> <word> <word> ...``: the words of that Zipf frequency (log10 of
occurrences per billion words), from 2.5 (a few per hundred million) up. wordfreq's code is
Apache-2.0; its word lists are CC BY-SA 4.0 (Robyn Speer, wordfreq, which combines
Wikipedia, subtitles, news, books, web text and social media), and so is this derived
table: only this data file, not the code that reads it. wordfreq is not a dependency of the
package; only this script needs it.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

FLOOR = 2.5


def main() -> None:
    from wordfreq import top_n_list, zipf_frequency

    buckets: dict[int, list[str]] = defaultdict(list)
    for word in top_n_list("en", 400_000):
        if not (word.isascii() and word.replace("'", "").isalnum()):
            continue
        zipf = zipf_frequency(word, "en")
        if zipf < FLOOR:
            break
        buckets[round(zipf * 10)].append(word)
    lines = [f"{z} {' '.join(sorted(ws))}" for z, ws in sorted(buckets.items(), reverse=True)]
    out = Path(__file__).with_name("english.txt.gz")
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
