"""A situation told rather than asked, answered by what its section says to do or who the
rule is for: a duty stated as "must" after the rule the story meets, and the subject a
list's lead-in names by a pronoun. Documents and stories are written for these tests (a
pottery studio, not the example apps)."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

DUTY = "Within 48 hours, members must ask the kiln technician, who can move the pieces."
KILN = f"""# Kiln firings

## Booking a firing
Firing slots are booked on the studio board.
Changes to a firing slot close 48 hours before the firing begins.
{DUTY}
Glaze firings run on Thursdays.
"""
CONCESSIONS = """# Membership

## Studio Saver membership
Studio Saver is a cheaper membership at half the usual fee, with the same kiln shelf space.
You can have it if you are:
- a full-time student;
- over 65;
- on a carer's allowance.
Show proof at the front desk when you join.

## Guests
Members may bring one guest a month.
"""
LATE = "my pieces are in saturday's firing, it begins tomorrow and the board won't let me change"


def test_a_story_is_answered_with_the_duty_after_the_rule_it_meets() -> None:
    got = answer(LATE, [KILN], analyzer=Analyzer()).text
    assert "Changes to a firing slot close 48 hours" in got
    assert "members must ask the kiln technician" in got


def test_a_duty_that_only_states_a_condition_is_not_what_to_do() -> None:
    doc = KILN.replace(DUTY, "Pieces must be dry and be at least a week old.")
    assert "must be dry" not in answer(LATE, [doc], analyzer=Analyzer()).text


def test_a_story_matched_by_a_list_item_is_told_what_the_list_is_for() -> None:
    told = "my dad is over 65 and money is tight for him these days"
    got = answer(told, [CONCESSIONS], analyzer=Analyzer()).text
    assert "Studio Saver is a cheaper membership" in got


def test_a_lead_in_naming_its_subject_brings_only_its_own_section() -> None:
    doc = "# Guests\n\nMembers may bring one guest a month.\n\n## Saver\n"
    doc += "You can have it if you are:\n- over 65;\n"
    assert "guest" not in answer("my mum is over 65", [doc], analyzer=Analyzer()).text
