"""Subject access requests, for the data protection officer alone.

Register a request (due a calendar month after receipt, extendable once by up to two months),
start an export (gathered in the background from the workbook and every other unit), review
the proposed redactions, have the bundle produced (PDF with an index, and JSON), fetch it, and
record its disclosure. Every route is audited with the purpose `subject_access`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Request

from services.auth import DPO_ROLE, require_any_role
from services.principal import Principal

Dpo = Annotated[Principal, Depends(require_any_role(DPO_ROLE))]
SarId = Annotated[UUID, Path(description="The subject access request")]
ExportId = Annotated[UUID, Path(description="The export")]
RedactionId = Annotated[UUID, Path(description="The redaction")]
REQUESTS = "/subject-access/requests"
EXPORTS = "/subject-access/exports"


def wake_runner(request: Request) -> None:
    """Have this process's runner look for work now (it also polls)."""
    runner = getattr(request.app.state, "subject_access_runner", None)
    if runner is not None:
        runner.wake()
