"""How JOSE refuses: a token that fails verification, a key that cannot be used."""

from __future__ import annotations


class TokenRejected(Exception):
    """A token (or a key it names) failed verification; `reason` says why, for logs and tests."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidKey(ValueError):
    """A JWK or PEM cannot be used to verify or sign."""
