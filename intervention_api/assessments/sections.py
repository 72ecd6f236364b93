"""The sections a parenting assessment has unless its author configures others.

These follow the dimensions of parenting capacity in the Assessment Framework that councils'
parenting assessments are commonly structured by, with the parent's capacity to change last.
An assessment may name its own sections when it is started (a council's template, a court's
letter of instruction); each version keeps the sections it was started with.
"""

from __future__ import annotations

DEFAULT_SECTIONS: dict[str, str] = {
    "basic_care": "Basic care",
    "ensuring_safety": "Ensuring safety",
    "emotional_warmth": "Emotional warmth",
    "stimulation": "Stimulation",
    "guidance_and_boundaries": "Guidance and boundaries",
    "stability": "Stability",
    "capacity_to_change": "Capacity to change",
}
MAX_SECTIONS = 20
