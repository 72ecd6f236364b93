"""Which third-party information is proposed for redaction, and how redactions apply."""

from __future__ import annotations

import uuid

from workbook_api.subject_access.marking import (
    FAMILY_MEMBER,
    MEMBER_OF_PUBLIC,
    RESTRICTED_DETAIL,
    WITHDRAWN,
    KnownPerson,
    Marker,
    Section,
    Span,
    redact,
)

DANA, LEE, RORY, PAT, NAMESAKE = (uuid.uuid4() for _ in range(5))
PEOPLE = [
    KnownPerson(DANA, "Dana", "Whitfield", None, in_family=True),
    KnownPerson(LEE, "Leon", "Whitfield", "Lee", in_family=True),
    KnownPerson(RORY, "Rory", "Whitfield", None, in_family=True),
    KnownPerson(PAT, "Pat", "Fenwick", None, in_family=False),
    # A member of the public who shares the social worker's name.
    KnownPerson(NAMESAKE, "Alex", "Morgan", None, in_family=False),
    # Someone in another family who shares a family member's name.
    KnownPerson(uuid.uuid4(), "Rory", "Whitfield", None, in_family=False),
]


def marked(text: str, *, subject: uuid.UUID = DANA) -> list[tuple[str, str]]:
    marker = Marker.for_subject(subject, PEOPLE, professionals=["Alex Morgan"])
    return [(text[m.start : m.end], m.reason) for m in marker.marks([Section("Note", text)])]


def test_family_members_by_any_name_and_the_public_by_full_name() -> None:
    text = "Lee's brother met Leon Whitfield; Pat Fenwick called. Pat said Rory's fine."
    assert marked(text) == [
        ("Lee", FAMILY_MEMBER),
        ("Leon Whitfield", FAMILY_MEMBER),
        ("Pat Fenwick", MEMBER_OF_PUBLIC),
        ("Rory", FAMILY_MEMBER),
    ]


def test_a_name_shared_with_someone_outside_the_family_is_the_familys() -> None:
    assert marked("Rory Whitfield came home.") == [("Rory Whitfield", FAMILY_MEMBER)]


def test_the_subject_and_professionals_are_never_marked() -> None:
    assert marked("Dana Whitfield met Alex Morgan, her social worker. Dana agreed.") == []
    # For another subject, Dana is the third party.
    assert marked("Dana agreed.", subject=LEE) == [("Dana", FAMILY_MEMBER)]


def test_a_name_split_by_punctuation_is_not_a_full_name() -> None:
    assert marked("We asked Pat. Fenwick Road was closed.") == []


def test_restricted_detail_about_someone_else_is_withheld_whole() -> None:
    marker = Marker.for_subject(DANA, PEOPLE, professionals=[])
    sections = [
        Section("Summary", "Session held."),
        Section("Restricted", "Positive test.", restricted=True, owners=(LEE,)),
        Section("Restricted", "Her own detail.", restricted=True, owners=(DANA, LEE)),
        Section("Restricted", "About nobody named.", restricted=True),
    ]
    marks = marker.marks(sections)
    assert [(m.section, m.start, m.end, m.reason) for m in marks] == [
        (1, 0, len("Positive test."), RESTRICTED_DETAIL),
        (3, 0, len("About nobody named."), RESTRICTED_DETAIL),
    ]


def test_a_withdrawn_entry_is_proposed_whole_and_its_names_still_marked() -> None:
    marker = Marker.for_subject(DANA, PEOPLE, professionals=["Alex Morgan"])
    note = "Pat Fenwick called about the landing."
    sections = [
        Section("Status", "Withdrawn by Alex Morgan. Reason: wrong family, Pat Fenwick's."),
        Section("Record", note, withdrawn=True),
        Section("Restricted", "Positive test.", restricted=True, owners=(LEE,), withdrawn=True),
    ]
    marks = [(m.section, m.start, m.end, m.reason) for m in marker.marks(sections)]
    assert marks == [
        # The reason stays, but not the names in it.
        (0, 48, 59, MEMBER_OF_PUBLIC),
        # Whole, and the names too, so that a release by the reviewer still withholds them.
        (1, 0, len(note), WITHDRAWN),
        (1, 0, len("Pat Fenwick"), MEMBER_OF_PUBLIC),
        (2, 0, len("Positive test."), WITHDRAWN),
        (2, 0, len("Positive test."), RESTRICTED_DETAIL),
    ]
    assert redact(note, [Span(0, len(note), WITHDRAWN)]) == (
        "[REDACTED: withdrawn as recorded in error; may concern another family]"
    )


def test_redaction_replaces_spans_with_their_reason_and_merges_overlaps() -> None:
    text = "Pat Fenwick and Lee came."
    spans = [Span(0, 11, MEMBER_OF_PUBLIC), Span(4, 11, "reviewer"), Span(16, 19, FAMILY_MEMBER)]
    assert redact(text, spans) == (
        "[REDACTED: third party: member of the public] and"
        " [REDACTED: third party: family member] came."
    )
