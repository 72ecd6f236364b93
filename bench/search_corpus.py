"""A synthetic workbook at scale for bench/search_bench.py, loaded by COPY into a kept database.

10,000 cases across 20 teams; the bench's team manager manages the team that owns 5,000 of
them, and the bench's social worker is the allocated social worker on 53 of those. Entries are
spread evenly over the cases, over ten years, in realistic recording language, with planted
word frequencies the bench searches for:

- "mother" in 30% of entries (a common word),
- the phrase "safety plan" in 16% (and "safety" or "plan" alone in others, so the phrase test
  has work to do),
- RARE_WORD in 1 entry in 10,000.

15% of entries are restricted specialist detail (narrative hidden, a shareable summary shown);
2% are drafts and 2% withdrawn. Nothing here is real: names are "Bench ..." and the text is
assembled from fixed sentence templates with a seeded random generator, so a size always loads
the same corpus.

The database is named by size (`fsm_search_bench_1m`) and kept between runs: loading a million
entries takes minutes, so a later run only migrates it and reuses the data. A marker table in
the `search_bench` schema records what was loaded; a change to CORPUS_VERSION reloads.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]

CORPUS_VERSION: Final = 2
CASES: Final = 10_000
TEAMS: Final = 20
MANAGED_CASES: Final = 5_000
WORKER_CASES: Final = 53
RARE_WORD: Final = "trampoline"
COMMON_WORD: Final = "mother"
PHRASE: Final = "safety plan"
NAMESPACE: Final = uuid.UUID("6f1c7a52-3f9b-4a57-9a0e-5e2b8c1d0a11")
YEARS: Final = 10
SPECIALISTS: Final = (
    "recovery_worker",
    "da_victim_worker",
    "mental_health_practitioner",
    "probation",
)


def stable_id(*parts: object) -> uuid.UUID:
    """The same id for the same name in every run and every size."""
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts))


BENCH_TEAM: Final = stable_id("team", 0)
MANAGER_ID: Final = stable_id("practitioner", "manager")
WORKER_ID: Final = stable_id("practitioner", "social-worker")


def parse_size(text: str) -> int:
    """'10k' -> 10_000, '1M' -> 1_000_000, '2500' -> 2500."""
    raw = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(raw[-1:], 1)
    number = raw[:-1] if scale != 1 else raw
    return int(float(number) * scale)


def size_label(size: int) -> str:
    """1_000_000 -> '1m', 100_000 -> '100k'."""
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# --- text -----------------------------------------------------------------------------------

_PEOPLE = (
    "dad",
    "the father",
    "grandmother",
    "the eldest child",
    "the baby",
    "the children",
    "stepfather",
    "the youngest",
    "aunt",
    "the partner",
    "the family",
)
_PLACES = (
    "at home",
    "at school",
    "at the family hub",
    "in the car",
    "at the office",
    "at the nursery",
    "at the contact centre",
    "in the garden",
    "at the GP surgery",
)
_VERBS = (
    "discussed",
    "reviewed",
    "talked about",
    "explained",
    "agreed",
    "raised",
    "described",
    "reflected on",
    "shared worries about",
    "asked about",
)
_TOPICS = (
    "school attendance",
    "bedtime routines",
    "the housing repairs",
    "money worries",
    "the new baby",
    "contact arrangements",
    "the child in need meeting",
    "substance use",
    "arguments at home",
    "the dog",
    "health appointments",
    "the neighbour dispute",
    "meals and shopping",
    "homework",
    "the health visitor",
    "the court hearing",
    "respite care",
    "the support group",
    "sleep",
    "toileting",
    "the football club",
    "the move to secondary school",
    "bullying",
    "screen time",
    "the child protection conference",
    "the core group",
    "a referral to CAMHS",
)
_FEELINGS = (
    "calm",
    "tired",
    "anxious",
    "cheerful",
    "withdrawn",
    "angry",
    "tearful",
    "relaxed",
    "guarded",
    "engaged",
    "distracted",
    "hopeful",
)
_TEMPLATES = (
    "Visited {place} and saw {person}, who {verb} {topic}.",
    "{Person} seemed {feeling} and {verb} {topic} with me.",
    "We {verb} {topic}; {person} was {feeling} throughout.",
    "I {verb} {topic} with {person} {place}.",
    "{Person} {verb} {topic} and I will follow this up next week.",
    "The home was {feeling} today; {person} {verb} {topic}.",
    "Observed {person} {place}, {feeling} and settled, then {verb} {topic}.",
    "Next steps: {verb} {topic} with {person} before the review.",
)
_SAFETY_ALONE = ("Fire safety was checked in the kitchen.", "Road safety was practised.")
_PLAN_ALONE = ("The child in need plan was reviewed.", "We agreed a plan for the holidays.")
_RESTRICTED = (
    "Test results were discussed in the clinical session.",
    "Medication was reviewed with the specialist.",
    "Offending history was covered in supervision with probation.",
    "The risk assessment was updated after the session.",
)


class TextMaker:
    """Recording language with the planted words at their planted frequencies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sentences = [self._sentence() for _ in range(4_000)]

    def _sentence(self) -> str:
        person = self.rng.choice(_PEOPLE)
        return self.rng.choice(_TEMPLATES).format(
            place=self.rng.choice(_PLACES),
            person=person,
            Person=person[0].upper() + person[1:],
            verb=self.rng.choice(_VERBS),
            topic=self.rng.choice(_TOPICS),
            feeling=self.rng.choice(_FEELINGS),
        )

    def narrative(self, *, rare: bool) -> str:
        rng = self.rng
        parts = rng.sample(self.sentences, rng.randint(3, 9))
        if rng.random() < 0.30:
            parts.insert(rng.randrange(len(parts) + 1), f"Spoke with {COMMON_WORD} about it.")
        if rng.random() < 0.16:
            parts.insert(rng.randrange(len(parts) + 1), f"The {PHRASE} was gone through again.")
        elif rng.random() < 0.12:
            parts.append(rng.choice(_SAFETY_ALONE + _PLAN_ALONE))
        if rare:
            parts.insert(rng.randrange(len(parts) + 1), f"They bought a {RARE_WORD}.")
        return " ".join(parts)

    def restricted_extra(self) -> str:
        return self.rng.choice(_RESTRICTED)


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """One loaded case and who works on it."""

    id: uuid.UUID
    family_id: uuid.UUID
    episode_id: uuid.UUID
    team_id: uuid.UUID
    opened_at: datetime
    social_worker_id: uuid.UUID
    specialist: tuple[uuid.UUID, str] | None


def team_of(index: int) -> uuid.UUID:
    """The bench's team owns the first MANAGED_CASES cases; 19 other teams share the rest."""
    if index < MANAGED_CASES:
        return BENCH_TEAM
    return stable_id("team", 1 + index % (TEAMS - 1))


def practitioner(index: int) -> uuid.UUID:
    return stable_id("practitioner", index)


def make_cases(rng: random.Random, now: datetime) -> list[CaseRow]:
    """The cases, the first WORKER_CASES of them allocated to the bench's social worker."""
    rows = []
    for index in range(CASES):
        worker = WORKER_ID if index < WORKER_CASES else practitioner(rng.randrange(400))
        specialist = None
        if rng.random() < 0.5:
            specialist = (practitioner(400 + rng.randrange(200)), rng.choice(SPECIALISTS))
        rows.append(
            CaseRow(
                id=stable_id("case", index),
                family_id=stable_id("family", index),
                episode_id=stable_id("episode", index),
                team_id=team_of(index),
                opened_at=now - timedelta(days=365 * YEARS + 30),
                social_worker_id=worker,
                specialist=specialist,
            )
        )
    return rows


def entry_records(
    cases: list[CaseRow], total: int, rng: random.Random, now: datetime
) -> Iterator[tuple[Any, ...]]:
    """`total` entries, spread evenly over the cases, in ENTRY_COLUMNS order."""
    text = TextMaker(rng)
    span = timedelta(days=365 * YEARS).total_seconds()
    rare_every = 10_000
    for number in range(total):
        case = cases[number % len(cases)]
        restricted = case.specialist is not None and rng.random() < 0.30
        if restricted and case.specialist is not None:
            author, discipline = case.specialist
        elif rng.random() < 0.6:
            author, discipline = case.social_worker_id, "social_worker"
        else:
            author, discipline = practitioner(rng.randrange(400)), "social_worker"
        roll = rng.random()
        status = "draft" if roll < 0.02 else "withdrawn" if roll < 0.04 else "final"
        event_at = now - timedelta(seconds=rng.random() * span)
        # One rare entry in each block of 10,000, on a different case each time (case 0 first).
        block, offset = divmod(number, rare_every)
        narrative = text.narrative(rare=offset == block * 7_919 % rare_every)
        summary = None
        if restricted:
            narrative = f"{text.restricted_extra()} {narrative}"
            summary = "Specialist session held; detail recorded in the restricted chapter."
        final = status != "draft"
        yield (
            stable_id("entry", number),
            case.id,
            case.episode_id,
            rng.choice(("home_visit", "office_visit", "direct_work", "phone_call")),
            status,
            author,
            f"Bench practitioner {author.hex[:6]}",
            discipline,
            event_at,
            event_at,
            event_at if final else None,
            event_at,
            rng.random() < 0.3,
            "restricted" if restricted else "standard",
            narrative,
            summary,
            1 if final else 0,
            event_at if status == "withdrawn" else None,
            author if status == "withdrawn" else None,
            "Bench practitioner" if status == "withdrawn" else None,
            "Recorded on the wrong case" if status == "withdrawn" else None,
            1,
        )


ENTRY_COLUMNS: Final = (
    "id",
    "case_id",
    "episode_id",
    "entry_type",
    "status",
    "author_id",
    "author_name",
    "discipline",
    "event_at",
    "recorded_at",
    "finalised_at",
    "updated_at",
    "significant",
    "sensitivity",
    "narrative",
    "shareable_summary",
    "revision",
    "withdrawn_at",
    "withdrawn_by_id",
    "withdrawn_by_name",
    "withdrawn_reason",
    "version",
)


# --- loading --------------------------------------------------------------------------------


async def loaded_size(connection: asyncpg.Connection) -> int | None:
    """The number of entries a previous run loaded here, if it finished with this corpus."""
    found = await connection.fetchval("SELECT to_regclass('search_bench.corpus') IS NOT NULL")
    if not found:
        return None
    row = await connection.fetchrow("SELECT version, entries FROM search_bench.corpus")
    if row is None or row["version"] != CORPUS_VERSION:
        return None
    return int(row["entries"])


async def _secondary_indexes(connection: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await connection.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        JOIN pg_class c ON c.relname = i.indexname
        JOIN pg_index x ON x.indexrelid = c.oid
        WHERE i.schemaname = 'workbook' AND i.tablename = 'entry' AND NOT x.indisprimary
        """
    )
    return [(row["indexname"], row["indexdef"]) for row in rows]


async def load_corpus(connection: asyncpg.Connection, total: int) -> None:
    """Empty the workbook's case tables and COPY a corpus of `total` entries into them."""
    rng = random.Random(20261130 + total)
    now = datetime.now(UTC).replace(microsecond=0)
    cases = make_cases(rng, now)
    started = time.monotonic()
    await connection.execute(
        "TRUNCATE workbook.entry_revision, workbook.entry, workbook.chronology_event,"
        " workbook.allocation, workbook.episode, workbook.safeguarding_case, workbook.family"
        " CASCADE"
    )
    await connection.copy_records_to_table(
        "family",
        schema_name="workbook",
        columns=["id", "name", "owning_team_id", "created_by_practitioner_id", "version"],
        records=[
            (c.family_id, f"Bench family {n} (synthetic)", c.team_id, MANAGER_ID, 1)
            for n, c in enumerate(cases)
        ],
    )
    await connection.copy_records_to_table(
        "safeguarding_case",
        schema_name="workbook",
        columns=[
            "id",
            "family_id",
            "owning_team_id",
            "status",
            "opened_at",
            "opened_reason",
            "opened_by_practitioner_id",
            "version",
        ],
        records=[
            (c.id, c.family_id, c.team_id, "open", c.opened_at, "Bench", MANAGER_ID, 1)
            for c in cases
        ],
    )
    await connection.copy_records_to_table(
        "episode",
        schema_name="workbook",
        columns=["id", "case_id", "number", "opened_at", "opened_by_event"],
        records=[(c.episode_id, c.id, 1, c.opened_at, "case_opened") for c in cases],
    )
    allocations = []
    for c in cases:
        allocations.append(
            (
                stable_id("allocation", c.id),
                c.id,
                c.social_worker_id,
                "Bench social worker",
                "social_worker",
                True,
                c.opened_at,
                MANAGER_ID,
                1,
            )
        )
        if c.specialist is not None:
            who, discipline = c.specialist
            allocations.append(
                (
                    stable_id("allocation", c.id, 2),
                    c.id,
                    who,
                    "Bench specialist",
                    discipline,
                    False,
                    c.opened_at,
                    MANAGER_ID,
                    1,
                )
            )
    await connection.copy_records_to_table(
        "allocation",
        schema_name="workbook",
        columns=[
            "id",
            "case_id",
            "practitioner_id",
            "practitioner_name",
            "discipline",
            "is_allocated_social_worker",
            "starts_at",
            "allocated_by_practitioner_id",
            "version",
        ],
        records=allocations,
    )
    indexes = await _secondary_indexes(connection)
    for name, _ in indexes:
        await connection.execute(f'DROP INDEX workbook."{name}"')
    batch: list[tuple[Any, ...]] = []
    for record in entry_records(cases, total, rng, now):
        batch.append(record)
        if len(batch) == 50_000:
            await connection.copy_records_to_table(
                "entry", schema_name="workbook", columns=list(ENTRY_COLUMNS), records=batch
            )
            batch.clear()
    if batch:
        await connection.copy_records_to_table(
            "entry", schema_name="workbook", columns=list(ENTRY_COLUMNS), records=batch
        )
    copied = time.monotonic()
    await connection.execute("SET maintenance_work_mem = '1GB'")
    for _, definition in indexes:
        await connection.execute(definition)
    await connection.execute("VACUUM ANALYZE workbook.entry")
    for table in ("family", "safeguarding_case", "episode", "allocation"):
        await connection.execute(f"VACUUM ANALYZE workbook.{table}")
    await connection.execute("CREATE SCHEMA IF NOT EXISTS search_bench")
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS search_bench.corpus (version int, entries int)"
    )
    await connection.execute("TRUNCATE search_bench.corpus")
    await connection.execute(
        "INSERT INTO search_bench.corpus VALUES ($1, $2)", CORPUS_VERSION, total
    )
    print(
        f"  loaded {total:,} entries: COPY {copied - started:.0f} s,"
        f" indexes and VACUUM ANALYZE {time.monotonic() - copied:.0f} s"
    )
