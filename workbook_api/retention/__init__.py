"""Retention of the workbook's cases (services/retention/ has the rules and the shape).

The DPO reads which closed cases have fallen due for review, places and lifts legal holds,
classifies a case's record under the looked-after or adoption rule for a child of its family
(`classifications.py`; the due day is the latest of all, `due_day.py`), and records each
review's decision; destruction is the operator's `fsm retention destroy` only
(`destruction.py`), never an endpoint.
"""
