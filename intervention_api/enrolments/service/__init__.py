"""Enrolling, planning, progress and the views of where everyone has got to.

`enrolling` starts and ends an enrolment, `planning` checks and changes its plan, `progress`
records how each module goes, and `views` shows where everyone has got to.
"""
