"""The lifecycle's rules: what each stage needs, consent and its withdrawal, the TAF, escalation.

Handlers pass a case their dependencies loaded and authorised (pathway_api/access.py); these
functions apply the rules of the change and put each step on the family's chronology:
`involvement` (stages, closing), `consent`, `taf` (the Team Around the Family), `escalation`.
"""
