"""The generated access matrix: every operation of every unit, replayed as every persona.

Operations are read from the OpenAPI document of each unit in services/registry.py, so a new
endpoint is replayed with no new test code. When it brings something the fixture does not know,
the matrix fails saying what to teach it, in one place each:

- a path parameter name: ids.PATH_IDS (how to find a record for reads, create one for writes);
- a body member that is an id, a code or otherwise not generatable: bodies.BODY_VALUES;
- a required query parameter: queries.QUERY_VALUES; a required header: bodies.HEADER_VALUES;
- who must succeed at a write, or which role a collection read needs: expectations.py.

Modules: operations (documents), personas (who, and audiences), markers (what may reach whom),
stack (the running units), world and scratch (the fixture), ids, bodies and queries (requests),
expectations (what each answer must be), runner (replay and judge), the test_* modules.
"""
