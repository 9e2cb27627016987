"""PII sentences from templates written for this check, not from the DEV set's generator.

    python bench/pii_unseen.py --out /tmp/pii_unseen.jsonl [--n 400] [--seed 7]
    stanchion guard eval /tmp/pii_unseen.jsonl

The DEV set (presidio_synth_v2) was read while the contextual rules were written; these
templates were written afterwards, without tuning anything on them, in other registers
(chat requests, e-mails, forms, tickets), and filled by Faker (MIT) in four locales. The
spans are known by construction, in the DEV set's format and type names.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from faker import Faker

TEMPLATES = [
    "hi, this is {PERSON} - could you move my delivery to {STREET_ADDRESS}?",
    "Ticket from {PERSON} ({EMAIL_ADDRESS}): the app crashes since {DATE_TIME}.",
    "Please update my record: phone {PHONE_NUMBER}, zip {ZIP_CODE}.",
    "{PERSON}, {AGE} years old, works as a {TITLE} at {ORGANIZATION}.",
    "We are flying from {GPE} to {GPE} on {DATE_TIME} for the conference.",
    "Can you summarise the page at {DOMAIN_NAME} for me?",
    "Dear {PERSON},\nthank you for your order of {DATE_TIME}.\nKind regards,\n{PERSON}",
    "Name: {PERSON}\nJob: {TITLE}\nCity: {GPE}\nEmail: {EMAIL_ADDRESS}",
    "My landlord {PERSON} still hasn't returned the deposit for the flat in {GPE}.",
    "I'm {AGE} and I just moved to {GPE}. Any tips?",
    "Forward the invoice to {EMAIL_ADDRESS} and cc {PERSON} from {ORGANIZATION}.",
    "The {NRP} delegation arrives in {GPE} next week.",
    "What's the weather like in {GPE} today?",
    "Write a short poem about autumn.",
    "How do I reset my password?",
    "Our office at {STREET_ADDRESS} is closed until {DATE_TIME}.",
]
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR"]


def fillers(fake: Faker) -> dict[str, Callable[[], str]]:
    return {
        "PERSON": fake.name,
        "STREET_ADDRESS": lambda: fake.address().replace("\n", ", "),
        "EMAIL_ADDRESS": fake.email,
        "DATE_TIME": lambda: fake.date(
            pattern=random.choice(["%d/%m/%Y", "%B %d, %Y", "%Y-%m-%d"])
        ),
        "PHONE_NUMBER": fake.phone_number,
        "ZIP_CODE": fake.postcode,
        "AGE": lambda: str(random.randint(18, 90)),
        "TITLE": fake.job,
        "ORGANIZATION": fake.company,
        "GPE": lambda: random.choice([fake.city, fake.country])(),
        "DOMAIN_NAME": fake.url,
        "NRP": lambda: random.choice(["German", "Brazilian", "Japanese", "Kenyan", "Catholic"]),
    }


def sentence(template: str, fill: dict[str, Callable[[], str]], index: int) -> dict[str, object]:
    text, spans, cursor = "", [], 0
    for m in re.finditer(r"\{([A-Z_]+)\}", template):
        text += template[cursor : m.start()]
        value = fill[m.group(1)]()
        kind = "LOCATION" if m.group(1) in ("GPE", "STREET_ADDRESS") else m.group(1)
        spans.append({"type": kind, "start": len(text), "end": len(text) + len(value)})
        text += value
        cursor = m.end()
    text += template[cursor:]
    for span in spans:
        span["value"] = text[span["start"] : span["end"]]
    return {"id": f"unseen-{index:04d}", "dataset": "unseen", "text": text, "spans": spans}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    random.seed(a.seed)
    Faker.seed(a.seed)
    fakes = {locale: fillers(Faker(locale)) for locale in LOCALES}
    with a.out.open("w") as fh:
        for i in range(a.n):
            fill = fakes[LOCALES[i % len(LOCALES)]]
            fh.write(json.dumps(sentence(TEMPLATES[i % len(TEMPLATES)], fill, i)) + "\n")


if __name__ == "__main__":
    main()
