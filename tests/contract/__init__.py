"""Contract fuzzing: every operation of every unit, against the document its own app publishes.

Schemathesis (its pytest integration) generates requests from each unit's OpenAPI document,
valid and invalid, and sends them to the unit's real app in process, on the real test database
with the migrations applied. Every check it has is on: no server error, the status, content
type, headers and body each as documented, invalid data refused with a documented 4xx, valid
data accepted. Operations are discovered from the documents (services/registry.py UNITS), so a
new endpoint is fuzzed with no new test code, and the run fails if one went unexercised.

Requests carry real credentials: the gateway's internal token at a service, a development IdP
token at the gateway, for the persona the access matrix says may perform the operation
(target.py). Path parameters name records of a world built as the access matrix builds one, part
of the time, so the fuzz reaches handlers past their 404. What no document can predict (a cursor
the server never issued, an identifier whose format depends on another field, ...) is listed,
narrowly and with its reason, in ambiguities.py; everything else the checks find fails the test.

Bounded for `make test`: FSM_FUZZ_EXAMPLES (default 10) generated examples per operation besides
Schemathesis's deterministic coverage and example phases, derandomized so a failure in CI
reproduces on any machine. Run it harder by hand, e.g.
`FSM_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/contract`.
"""
