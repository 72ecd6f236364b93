"""The directory's document says what the directory refuses, so clients and the fuzz agree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.directory.schemas import PractitionerCreate, PractitionerUpdate, TeamUpdate
from services.cli.openapi import openapi_document
from services.registry import GATEWAY


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document(GATEWAY)


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/directory/teams/{team_id}", "patch"),
        ("/directory/practitioners/{practitioner_id}", "patch"),
    ],
)
def test_changes_require_if_match_in_the_document(
    document: dict[str, Any], path: str, method: str
) -> None:
    parameters = document["paths"][path][method]["parameters"]
    [if_match] = [p for p in parameters if p["name"] == "If-Match"]

    assert (if_match["in"], if_match["required"]) == ("header", True)


def test_deactivation_takes_an_optional_if_match(document: dict[str, Any]) -> None:
    operation = document["paths"]["/directory/practitioners/{practitioner_id}/deactivate"]["post"]
    [if_match] = [p for p in operation["parameters"] if p["name"] == "If-Match"]

    assert if_match["required"] is False


@pytest.mark.parametrize("model", [TeamUpdate, PractitionerUpdate])
def test_a_patch_documents_that_it_changes_something_and_refuses_null(
    document: dict[str, Any], model: type[Any]
) -> None:
    schema = _schema(document, model.__name__)
    nullable = {
        name
        for name, member in schema["properties"].items()
        if {"type": "null"} in member.get("anyOf", [])
    }

    assert schema["minProperties"] == 1
    assert nullable == set(getattr(model, "_nullable", frozenset()))
    with pytest.raises(ValueError, match="cannot be null"):
        model.model_validate({name: None for name in schema["properties"] if name not in nullable})


def test_roles_and_emails_are_documented_as_they_are_checked(document: dict[str, Any]) -> None:
    properties = _schema(document, PractitionerCreate.__name__)["properties"]
    role = re.compile(properties["roles"]["items"]["pattern"])
    email = re.compile(properties["email"]["pattern"])
    base = {"subject": "s-1", "display_name": "Sam", "discipline": "social_worker"}

    for value in ("team_manager", "Team Manager", "1st"):
        documented = role.search(value) is not None
        accepted = _accepts(PractitionerCreate, {**base, "roles": [value]})
        assert documented == accepted, value
    for value in (" Sam.Worker@Council.Example ", "sam@council", "sam @council.example"):
        documented = email.search(value) is not None
        accepted = _accepts(PractitionerCreate, {**base, "email": value})
        assert documented == accepted, value


def _accepts(model: type[Any], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValueError:
        return False
    return True
