"""Phone-number metadata read at start-up: ``phonenumbers`` reads a region's metadata and
compiles its patterns on the first number it sees from there, which cost that message
3-10 ms (guards/pii.py: ``PhoneRecogniser`` calls ``load_regions`` when it is built)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, re_util

# The patterns ``parse`` and ``is_valid_number`` compile from a region's metadata.
_META_PATTERNS = ("leading_digits", "international_prefix", "national_prefix_for_parsing")
_DESCS = (
    "general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail", "no_international_dialling",
)  # fmt: skip


@lru_cache(maxsize=8)
def load_regions(regions: tuple[str, ...]) -> None:
    """Read the metadata of the app's regions, and of every region that shares a calling code
    with one (``is_valid_number`` looks through them all: the 25 of +1), and compile their
    patterns, at start-up (~40 ms): ``phonenumbers`` does both on first use, and the first
    number of a region cost its message 3-10 ms. Its own pattern cache (where the installed
    version has one) keeps them: ``re``'s holds 512 patterns, and 25 regions fill most of it."""
    enable = getattr(re_util, "enable_pattern_cache", None)
    if enable is not None:
        enable()
    for region in regions:
        code = phonenumbers.country_code_for_region(region)
        for other in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
            meta = PhoneMetadata.metadata_for_region(other)
            if meta is None:
                continue
            patterns = [getattr(meta, name, None) for name in _META_PATTERNS]
            descs = [getattr(meta, name, None) for name in _DESCS]
            patterns += [getattr(desc, "national_number_pattern", None) for desc in descs]
            for pattern in filter(None, patterns):
                re_util.re_compile(pattern)
