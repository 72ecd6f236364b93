"""Reading a data-matching return: every fault named by row and field."""

from __future__ import annotations

import uuid

from pathway_api.outcomes.return_file import MAX_VALUE, read_return

FAMILY = uuid.uuid4()


def located(text: str) -> list[tuple[str, ...]]:
    return [error.location[2:] for error in read_return(text)[1]]


def test_a_sound_return_is_read_with_blank_lines_a_bom_and_spaces_allowed() -> None:
    other = uuid.uuid4()
    families, errors = read_return(f"\ufeffFamily_ID, Value\n{FAMILY}, 3\n\n{other},0\n")
    assert errors == []
    assert [(f.row, f.family_id, f.value) for f in families] == [(2, FAMILY, 3), (4, other, 0)]


def test_faults_name_their_row_and_field() -> None:
    text = (
        "family_id,value\n"
        f"{FAMILY},1\n"
        "nobody,1\n"
        f"{uuid.uuid4()},-1\n"
        f"{uuid.uuid4()},\u00b2\n"
        f"{uuid.uuid4()},{MAX_VALUE + 1}\n"
        f"{uuid.uuid4()},{'0' * 30}7\n"
        f"{FAMILY},2\n"
        "one,two,three\n"
    )
    assert located(text) == [
        ("row 3", "family_id"),
        ("row 4", "value"),
        ("row 5", "value"),
        ("row 6", "value"),
        ("row 8", "family_id"),
        ("row 9", "line"),
    ]


def test_a_file_without_the_header_or_families_is_refused() -> None:
    assert located(f"{FAMILY},1\n") == [("row 1", "header")]
    assert located("") == [("row 1", "header")]
    assert located("family_id,value\n\n") == [("row 2", "line")]
