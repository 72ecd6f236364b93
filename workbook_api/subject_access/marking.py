"""Proposing redactions of third-party information in the records gathered for a subject.

What the law asks (DPA 2018 Sch 2 para 16, and the ICO's guidance on social care records): the
subject gets their own data, not other people's, unless those people consent or it is
reasonable to disclose without. So, proposed for redaction:

- restricted detail not recorded as about the subject (a session log's restricted narrative
  and fields recorded about the other parent, say, or a specialist's restricted note naming
  nobody): the whole section, since only its own subject is sure to be entitled to it;
- the names of other family members wherever they appear (full, given or preferred name);
- the names of members of the public known to the record (people in other families: the
  neighbour a note names), by full name only, since a given name alone would mark half the
  text of a record;
- the whole text of an entry withdrawn as recorded in error: it is still held, so it is the
  subject's to know of, but such an entry was often written on the wrong family's case. Its
  label and the reason it was withdrawn stay; the reviewer confirms the mark or releases it
  (names in it are proposed as in any record, for a release).

Professionals acting in their role are not third parties here: a name that is a
practitioner's is never proposed (the author of a record is printed with it, unmarked). The
reviewer confirms or removes each mark and adds what matching cannot know.

Matching walks each text's words once and looks pairs and single words up in dictionaries,
so its cost grows with the text, not with how many people the council knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

FAMILY_MEMBER = "family_member"
MEMBER_OF_PUBLIC = "member_of_public"
RESTRICTED_DETAIL = "other_persons_restricted_detail"
WITHDRAWN = "withdrawn_in_error"
_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?", re.UNICODE)
# Given names this short match too much ordinary text ("Al", "Jo" are words in other names).
_MIN_SINGLE_NAME = 3


@dataclass(frozen=True)
class KnownPerson:
    """Someone the record knows by name."""

    id: UUID
    given_name: str
    family_name: str
    preferred_name: str | None
    in_family: bool

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class Section:
    """One printed part of a record; `owners` are the people its restricted detail is about
    (none named: it is withheld from everyone's request until the reviewer decides);
    `withdrawn`: part of an entry withdrawn as recorded in error."""

    label: str
    text: str
    restricted: bool = False
    owners: tuple[UUID, ...] = ()
    withdrawn: bool = False


@dataclass(frozen=True)
class Mark:
    """A proposed redaction of `text[start:end]` of one section."""

    section: int
    start: int
    end: int
    reason: str
    third_party: str | None


def _key(words: Iterable[str]) -> str:
    return " ".join(word.casefold() for word in words)


@dataclass
class Marker:
    """Proposes redactions for one subject; built once per export, used for every record."""

    subject_id: UUID
    singles: dict[str, tuple[str, str]] = field(default_factory=dict)
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def for_subject(
        cls, subject_id: UUID, people: Sequence[KnownPerson], professionals: Iterable[str]
    ) -> Marker:
        """A marker for `subject_id`, knowing these people and these practitioners' names."""
        marker = cls(subject_id)
        protected = {_key(name.split()) for name in professionals}
        subject = next((p for p in people if p.id == subject_id), None)
        own_names = set()
        if subject is not None:
            own_names = {
                _key([subject.given_name]),
                _key([subject.preferred_name or subject.given_name]),
                _key(subject.full_name.split()),
            }
        # Family members first: a name they share with someone else is theirs.
        for person in sorted(people, key=lambda known: not known.in_family):
            if person.id == subject_id:
                continue
            reason = FAMILY_MEMBER if person.in_family else MEMBER_OF_PUBLIC
            label = person.full_name
            names = [person.full_name.split()]
            if person.preferred_name:
                names.append([person.preferred_name, person.family_name])
            for words in names:
                key = _key(words)
                if len(words) == 2 and key not in protected and key not in own_names:
                    marker.pairs.setdefault(key, (reason, label))
            if person.in_family:
                for single in (person.given_name, person.preferred_name):
                    if single and len(single) >= _MIN_SINGLE_NAME and " " not in single:
                        key = _key([single])
                        if key not in own_names:
                            marker.singles.setdefault(key, (reason, label))
        return marker

    def marks(self, sections: Sequence[Section]) -> list[Mark]:
        """The redactions proposed in one record's sections."""
        found: list[Mark] = []
        for index, section in enumerate(sections):
            if not section.text:
                continue
            if section.withdrawn:
                found.append(Mark(index, 0, len(section.text), WITHDRAWN, None))
            if section.restricted and self.subject_id not in section.owners:
                found.append(Mark(index, 0, len(section.text), RESTRICTED_DETAIL, None))
                continue
            found.extend(self._names(index, section.text))
        return found

    def _names(self, index: int, text: str) -> list[Mark]:
        words = [_Word.of(found) for found in _WORD.finditer(text)]
        found: list[Mark] = []
        position = 0
        while position < len(words):
            word = words[position]
            if position + 1 < len(words):
                after = words[position + 1]
                # Only words separated by spaces form a name ("Sam. Jones" does not).
                if not word.possessive and text[word.end : after.start].isspace():
                    hit = self.pairs.get(f"{word.key} {after.key}")
                    if hit is not None:
                        found.append(Mark(index, word.start, after.end, *hit))
                        position += 2
                        continue
            hit = self.singles.get(word.key)
            if hit is not None:
                found.append(Mark(index, word.start, word.end, *hit))
            position += 1
        return found


@dataclass(frozen=True)
class _Word:
    """A word of a text, its possessive ending left out of the name ("Lee's": "Lee")."""

    start: int
    end: int
    key: str
    possessive: bool

    @classmethod
    def of(cls, found: re.Match[str]) -> _Word:
        text = found.group()
        if len(text) > 2 and text[-2] in "'\u2019" and text[-1] in "sS":
            return cls(found.start(), found.end() - 2, text[:-2].casefold(), True)
        return cls(found.start(), found.end(), text.casefold(), False)


@dataclass(frozen=True)
class Span:
    """A decided redaction to apply."""

    start: int
    end: int
    reason: str


REASON_WORDS = {
    FAMILY_MEMBER: "third party: family member",
    MEMBER_OF_PUBLIC: "third party: member of the public",
    RESTRICTED_DETAIL: "third party: another person's restricted detail",
    WITHDRAWN: "withdrawn as recorded in error; may concern another family",
    "reviewer": "third party: marked by the reviewer",
}


def redact(text: str, spans: Sequence[Span]) -> str:
    """`text` with each span replaced by a marker naming the reason; overlaps merge."""
    ordered = sorted(spans, key=lambda span: (span.start, -span.end))
    parts: list[str] = []
    cursor = 0
    for span in ordered:
        if span.end <= cursor:
            continue
        start = max(span.start, cursor)
        parts.append(text[cursor:start])
        parts.append(f"[REDACTED: {REASON_WORDS.get(span.reason, span.reason)}]")
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)
