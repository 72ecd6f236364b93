"""A signed-off assessment prints as a PDF a reader opens, with everything a bundle needs."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from intervention_api.assessments.sections import DEFAULT_SECTIONS
from tests.intervention.conftest import AssessmentWorld
from tests.intervention.helpers import change, completed, ok, problem, start, step
from tests.workbook.factories import record_entry

# Long enough to need more than one page, so page numbers are tested across a break.
LONG_ANALYSIS = " ".join(
    f"Observation {n}: the parent followed the agreed bedtime routine and was calm."
    for n in range(60)
)


async def test_the_signed_off_pdf_has_every_section_its_evidence_sign_off_and_page_numbers(
    world: AssessmentWorld,
) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    visit = await record_entry(world.workbook, world.as_wb(worker), world.case_id)
    draft = await start(world, title="Parenting assessment of Zofia Łukasiewicz")
    draft = await completed(world, draft)
    draft = ok(
        await change(
            world,
            worker,
            draft,
            basic_care={
                "analysis": LONG_ANALYSIS,
                "evidence": [{"kind": "workbook_entry", "ref_id": visit["id"]}],
            },
        )
    )
    submitted = ok(await step(world, worker, draft, "submit"))
    problem(
        await world.intervention.get(
            f"/assessments/{draft['id']}/document", headers=world.as_(worker)
        ),
        409,
        "assessment-not-signed-off",
    )
    final = ok(await step(world, manager, submitted, "sign-off", {"comment": "Agreed."}))

    response = await world.intervention.get(
        f"/assessments/{final['id']}/document", headers=world.as_(worker)
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="parenting-assessment-{final["series_id"]}-v1.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    flat = re.sub(r"\s+", " ", text)
    assert len(pages) >= 2
    for number, heading in enumerate(DEFAULT_SECTIONS.values(), start=1):
        assert f"{number}. {heading}" in text
    assert "Parenting assessment of Zofia Łukasiewicz" in text
    assert f"Family {world.case.family['name']}" in flat
    assert "Evidence relied on" in text
    assert f"reference {visit['id']}" in flat
    assert "Workbook entry: home_visit by social_worker" in flat
    assert f"Signed off by {manager.display_name}" in flat
    assert "Manager's comment: Agreed." in flat
    assert "Observation 59" in flat
    for index, page in enumerate(pages, start=1):
        assert f"Page {index} of {len(pages)}" in page
        assert f"Parenting assessment {final['series_id']} v1" in page
    assert reader.metadata is not None
    assert reader.metadata.title == "Parenting assessment of Zofia Łukasiewicz (version 1)"
