"""Programme sessions: what a worker did with a participant, when, and how it went.

Each session's summary is shareable and goes to the case's chronology in the workbook (as an
event); its restricted detail stays here and is shown only to those the workbook's rule admits
(its author, workers of the author's discipline allocated now, the allocated social worker and
the owning team's managers). A session logged offline and sent again with the same
Idempotency-Key is recorded once (the request kit replays the first answer).
"""
