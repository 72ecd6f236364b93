"""One unit as the fuzz sees it: its app and document, who calls it, and ids from the world."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.config import SchemathesisConfig

from services.registry import GATEWAY, Unit
from tests.access_matrix import personas as p
from tests.access_matrix.conftest import MatrixEnv
from tests.access_matrix.expectations import READERS, WRITERS
from tests.access_matrix.ids import PATH_IDS
from tests.access_matrix.operations import Operation, document_operations
from tests.contract.ambiguities import excused
from tests.contract.coverage import Tally

# Generated examples per operation in the fuzzing phase; the coverage and examples phases add
# their own deterministic requests. About two minutes in all on two shared cores at 10.
EXAMPLES = int(os.environ.get("FSM_FUZZ_EXAMPLES", "10"))

# The checks' defaults, widened only where a document cannot say more (see each reason).
_POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
_NEGATIVE_REFUSED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]
_MISSING_HEADER_REFUSED = ["400", "401", "403", "406", "415", "422"]


def fuzz_config() -> SchemathesisConfig:
    """Every check and every phase but the stateful one, derandomized and bounded."""
    return SchemathesisConfig.from_dict(
        {
            # Generation speed on shared cores is not a property of the API: never a failure.
            "suppress-health-check": ["too_slow"],
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # Stateful runs need links between operations, which the documents do not declare.
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                # An ETag the fuzz made up is stale: 412, however valid the rest of the request.
                "positive_data_acceptance": {"expected-statuses": [*_POSITIVE_ACCEPTED, "412"]},
                # RFC 9110 evaluates If-Match before the content: a stale one is 412, however
                # invalid the content.
                "negative_data_rejection": {
                    "expected-statuses": [*_NEGATIVE_REFUSED, "412", "5xx"]
                },
                # RFC 6585: 428 is the answer to a request without its required If-Match.
                "missing_required_header": {"expected-statuses": [*_MISSING_HEADER_REFUSED, "428"]},
            },
        }
    )


SCIM_PREFIX = "/scim/"

# Who calls an operation: a persona the access matrix says may write or read it (a case's
# manager before others: they see everything on their team's cases), else the unit's default.
PREFERENCE = (p.TEAM_MANAGER, p.ADMINISTRATOR, p.SOCIAL_WORKER, p.SPECIALIST)


def caller(unit: Unit, op: Operation) -> str:
    """The persona the fuzz sends an operation's requests as."""
    allowed = WRITERS.get(op.key) or READERS.get(op.key)
    if allowed:
        return next((name for name in PREFERENCE if name in allowed), min(allowed))
    return p.ADMINISTRATOR if unit is GATEWAY else p.TEAM_MANAGER


@dataclass(repr=False)
class FuzzTarget:
    """A unit under fuzz: its app, its document loaded by Schemathesis, and its callers."""

    unit: Unit
    app: FastAPI
    schema: Any
    env: MatrixEnv
    operations: dict[str, Operation]
    tally: Tally
    # SCIM is called by an identity provider with its provisioning credential, not a person.
    scim_credential: str

    def __repr__(self) -> str:
        # Failure reports print the test's arguments; the app and world would run to megabytes.
        return f"FuzzTarget({self.unit.name})"

    def without_ids(self) -> list[str]:
        """Path parameters the world has no records for: only generated ids reach them."""
        return [
            param["name"]
            for op in self.operations.values()
            for param in op.parameters("path")
            if param["name"] not in PATH_IDS
        ]

    def headers(self, case: Any) -> dict[str, str]:
        """Fresh credentials for the operation's caller."""
        op = self.operations[case.operation.label]
        if op.path.startswith(SCIM_PREFIX):
            return {"Authorization": f"Bearer {self.scim_credential}"}
        return self.env.stack.headers(caller(self.unit, op), self.unit)


def _conforms(value: Any, schema: dict[str, Any]) -> bool:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return bool(validator.is_valid(value))


def _label(op: Operation) -> str:
    return f"{op.method} {op.path}"


def load_target(
    unit: Unit, app: FastAPI, env: MatrixEnv, tally: Tally, scim_credential: str
) -> FuzzTarget:
    """Load the unit's document as its app publishes it, with the fuzz's hooks."""
    document = app.openapi()
    schema = schemathesis.openapi.from_dict(document, config=fuzz_config())
    # Requests go to the app in process, as `from_asgi` would send them.
    schema.app = app
    operations = {_label(op): op for op in document_operations(unit, document)}

    @schema.hook("flatmap_path_parameters")
    def real_ids_part_of_the_time(context: Any, path_parameters: Any) -> Any:
        op = operations[context.operation.label]
        schemas = {param["name"]: param.get("schema", {}) for param in op.parameters("path")}
        options = {}
        for name, generated in (path_parameters or {}).items():
            source = PATH_IDS.get(name)
            known = [choice.value for choice in source.read(env.world, op)] if source else []
            # A value generated to break the schema stays: swapped for a real id, the request
            # would be valid while the fuzz still expects it to be refused.
            if not _conforms(generated, schemas.get(name, {})):
                known = []
            options[name] = st.sampled_from([generated, *known])
        return st.fixed_dictionaries(options)

    @schema.hook("filter_failure")
    def unless_unpredictable(context: Any, failure: Any, case: Any, response: Any) -> bool:
        return not excused(failure, case, response)

    return FuzzTarget(unit, app, schema, env, operations, tally, scim_credential)
