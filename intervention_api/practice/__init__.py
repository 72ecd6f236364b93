"""MI practice quality: MITI 4.2.1 codings of programme sessions and what they show.

A session may be coded by its worker or by an observer (the four global scores and the ten
behaviour counts). The measures (miti.py) are derived, never stored, and shown against the
published MITI 4 thresholds, for one coding, per worker and per team, month by month.
"""
