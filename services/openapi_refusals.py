"""The refusals the gateway itself can answer any proxied call with, as OpenAPI responses.

The gateway authenticates, admits, rate-limits and forwards before a service sees a request, so
each of these can answer any operation behind it, whatever the service's own document says. They
mirror gateway/authn.py (401, 503 without the identity provider's keys), gateway/principals.py
(403, 503 without the directory), gateway/ratelimit.py (429), gateway/middleware.py and
gateway/proxy.py (413, 502, 504); the kernel's problem handlers answer 503 for a service whose
database is out of reach.
"""

from __future__ import annotations

from typing import Any, Final

from services.errors import PROBLEM_MEDIA_TYPE

_RETRY_AFTER: Final = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_WWW_AUTHENTICATE: Final = {
    "WWW-Authenticate": {
        "description": 'The scheme to sign in with: `Bearer realm="..."`.',
        "schema": {"type": "string"},
    }
}

# status → (what it means when the gateway answers it, headers it carries)
GATEWAY_REFUSALS: Final[dict[str, tuple[str, dict[str, Any]]]] = {
    "401": (
        "no valid access token (missing, expired, malformed or from an untrusted issuer).",
        _WWW_AUTHENTICATE,
    ),
    "403": (
        "the token's subject is not an active practitioner in the directory.",
        {},
    ),
    "429": ("too many requests from this caller; wait as Retry-After says.", _RETRY_AFTER),
    "502": ("the service behind the gateway could not be reached or answered badly.", {}),
    "503": (
        "the directory, the identity provider's keys or the service is unavailable for now;"
        " retry after Retry-After.",
        _RETRY_AFTER,
    ),
    "504": (
        "the service did not answer in time. A change may still have been made: retry with"
        " the same Idempotency-Key.",
        {},
    ),
}
BODY_TOO_LARGE: Final = ("413", "the request body is larger than the gateway accepts.")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(".") else text + "."


def _add_refusal(
    responses: dict[str, Any], status: str, meaning: str, headers: dict[str, Any], ref: str
) -> None:
    """Document one gateway refusal, keeping what the service already says about that status."""
    response = responses.setdefault(status, {"description": ""})
    gateway_says = f"From the gateway: {meaning}"
    own = _sentence(response.get("description", ""))
    response["description"] = f"{own} {gateway_says}" if own else gateway_says
    response.setdefault("content", {}).setdefault(PROBLEM_MEDIA_TYPE, {"schema": {"$ref": ref}})
    if headers:
        response["headers"] = {**headers, **response.get("headers", {})}


def add_gateway_refusals(operation: dict[str, Any], problem_ref: str) -> None:
    """Add the gateway's refusals to a proxied operation's responses, as problem+json."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, (meaning, headers) in GATEWAY_REFUSALS.items():
        _add_refusal(responses, status, meaning, headers, problem_ref)
    if "requestBody" in operation:
        _add_refusal(responses, *BODY_TOO_LARGE, {}, problem_ref)
    # Keep the responses in status order, as the page lists them.
    operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))
