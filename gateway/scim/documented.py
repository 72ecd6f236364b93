"""What the OpenAPI document says SCIM answers with on success.

The bodies themselves are built by scim2-models from RFC 7643's schemas (served at
/scim/v2/Schemas, which is the full description); the document states the envelope every
client can rely on: a resource names its schemas, a list response counts its resources.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ScimResourceBody(BaseModel):
    """A SCIM resource (RFC 7643 3): the schemas it follows and the attributes they define."""

    model_config = ConfigDict(extra="allow", title="ScimResource")

    schemas: list[str] = Field(min_length=1)
    id: str | None = None
    meta: dict[str, Any] | None = None


class ScimListBody(BaseModel):
    """A SCIM list response (RFC 7644 3.4.2)."""

    model_config = ConfigDict(extra="allow", title="ScimListResponse", populate_by_name=True)

    schemas: list[str] = Field(min_length=1)
    total_results: int = Field(alias="totalResults", ge=0)
    start_index: int | None = Field(None, alias="startIndex", ge=1)
    items_per_page: int | None = Field(None, alias="itemsPerPage", ge=0)
    resources: list[ScimResourceBody] = Field(default_factory=list, alias="Resources")


def answers(model: type[BaseModel], status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry for a SCIM success body."""
    return {status: {"model": model, "description": model.__doc__ or "Success"}}
