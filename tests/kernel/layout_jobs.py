"""Jobs for the layout process tests, run in a child: importable by name, light to import."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def process_id() -> int:
    """The id of the process running the job."""
    return os.getpid()


def sleep_for(seconds: float, started: str | None = None) -> int:
    """Hold the child for a while (to be killed mid-job; `started` names a file to create
    once it runs), then say which process it was."""
    if started is not None:
        Path(started).touch()
    time.sleep(seconds)
    return os.getpid()


def modules_after_layout() -> list[str]:
    """Lay out both documents as the app does, then list every module the child imported."""
    from intervention_api.assessments import document  # noqa: F401
    from workbook_api.subject_access import bundle  # noqa: F401

    return sorted(sys.modules)
