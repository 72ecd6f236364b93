"""The events the workbook takes from the other units, and what each one changes."""

from __future__ import annotations

from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    GCS_RECORD_FINALISED,
    PATHWAY_TRANSFER_ACCEPTED,
    chronology_type,
)
from services.inbox import Inbox
from services.registry import BACKENDS, WORKBOOK
from workbook_api.cases.group_supervision import apply_gcs_record_finalised
from workbook_api.cases.inbox import apply_transfer_accepted
from workbook_api.chronology.inbox import apply_chronology_contribution
from workbook_api.practitioners.service import apply_practitioner_changed


def workbook_inbox() -> Inbox:
    """The directory's practitioner snapshots, every workflow's chronology items, and each
    group supervision held (the case's next episode)."""
    inbox = Inbox()
    inbox.handles(DIRECTORY_PRACTITIONER_CHANGED)(apply_practitioner_changed)
    inbox.handles(GCS_RECORD_FINALISED)(apply_gcs_record_finalised)
    for unit in BACKENDS:
        if unit is not WORKBOOK:
            inbox.handles(chronology_type(unit.name))(apply_chronology_contribution)
    # The pathway's accepted step up or step down opens the family's new case.
    inbox.handles(PATHWAY_TRANSFER_ACCEPTED)(apply_transfer_accepted)
    return inbox
