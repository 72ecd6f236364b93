"""The gateway-to-service internal token, and the development keys it is signed with."""

from __future__ import annotations

import json
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import services.jose
from services.dev_keys import (
    DevKeys,
    ensure_dev_keys,
    load_dev_keys,
    load_jwks_file,
    mint_dev_access_token,
)
from services.internal_token import (
    INTERNAL_ISSUER,
    INTERNAL_TYP,
    InternalTokenIssuer,
    InternalTokenVerifier,
    internal_audience,
    principal_claims,
)
from services.jose import TokenRejected, VerificationPolicy, jwk_thumbprint, verify
from services.principal import Principal

T0 = 1_700_000_000.0
ATTACKER = ec.generate_private_key(ec.SECP256R1())


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> DevKeys:
    return ensure_dev_keys(tmp_path_factory.mktemp("state"))


@pytest.fixture
def principal() -> Principal:
    return Principal(
        subject="entra|3f2a9c",
        practitioner_id=uuid.uuid4(),
        display_name="Siân O'Brien-Ngũgĩ",
        discipline="da_victim_worker",
        roles=frozenset({"practitioner", "team_manager"}),
        team_ids=frozenset({uuid.uuid4(), uuid.uuid4()}),
        managed_team_ids=frozenset({uuid.uuid4()}),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(dev_keys: DevKeys, clock: Clock) -> InternalTokenIssuer:
    return InternalTokenIssuer(dev_keys.internal_private_pem, dev_keys.internal_kid, clock=clock)


def verifier_for(dev_keys: DevKeys, service: str, clock: Clock, **options: Any) -> Any:
    return InternalTokenVerifier(dev_keys.internal_jwks(), service, clock=clock, **options)


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(services.jose, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services.jose, name, wrapper)
    return calls


def forged(dev_keys: DevKeys, claims: dict[str, Any], key: Any, **headers: Any) -> str:
    return pyjwt.encode(
        claims,
        key,
        algorithm="ES256",
        headers={"kid": dev_keys.internal_kid, "typ": INTERNAL_TYP, **headers},
    )


def internal_claims(principal: Principal, service: str = "workbook", **overrides: Any) -> Any:
    return {
        "iss": INTERNAL_ISSUER,
        "aud": internal_audience(service),
        "sub": principal.subject,
        "iat": int(T0),
        "exp": int(T0) + 60,
        "fsm": principal_claims(principal),
        **overrides,
    }


def internal_private(dev_keys: DevKeys) -> Any:
    return serialization.load_pem_private_key(dev_keys.internal_private_pem, password=None)


# --- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["workbook", "supervision", "intervention"])
def test_principal_survives_the_round_trip_exactly(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal, clock: Clock, service: str
) -> None:
    token = issuer.token_for(principal, service)
    restored = verifier_for(dev_keys, service, clock).verify(token)
    assert restored == principal
    assert isinstance(restored.practitioner_id, uuid.UUID)
    assert all(isinstance(team, uuid.UUID) for team in restored.team_ids)
    assert isinstance(restored.roles, frozenset)
    assert restored.has_role("team_manager")


def test_empty_sets_round_trip(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal, clock: Clock
) -> None:
    bare = Principal(
        subject="s",
        practitioner_id=uuid.uuid4(),
        display_name="",
        discipline="psychologist",
        roles=frozenset(),
        team_ids=frozenset(),
        managed_team_ids=frozenset(),
    )
    token = issuer.token_for(bare, "supervision")
    assert verifier_for(dev_keys, "supervision", clock).verify(token) == bare


def test_token_is_verifiable_by_an_independent_library(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal
) -> None:
    token = issuer.token_for(principal, "workbook")
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": dev_keys.internal_kid, "typ": INTERNAL_TYP}
    public = internal_private(dev_keys).public_key()
    claims = pyjwt.decode(
        token,
        public,
        algorithms=["ES256"],
        audience="fsm-internal:workbook",
        issuer="fsm-gateway",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["exp"] - claims["iat"] == 60
    assert claims["fsm"]["practitioner_id"] == str(principal.practitioner_id)
    assert sorted(claims["fsm"]["roles"]) == ["practitioner", "team_manager"]


# --- refusals ----------------------------------------------------------------------------------


def test_token_for_one_service_is_refused_by_another(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal, clock: Clock
) -> None:
    token = issuer.token_for(principal, "workbook")
    for service in ("supervision", "intervention"):
        with pytest.raises(TokenRejected, match="bad_audience"):
            verifier_for(dev_keys, service, clock).verify(token)


def test_unknown_service_is_refused(issuer: InternalTokenIssuer, principal: Principal) -> None:
    with pytest.raises(ValueError, match="unknown internal service"):
        issuer.token_for(principal, "gateway")


def test_expired_token_is_refused_even_after_a_cache_hit(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal, clock: Clock
) -> None:
    token = issuer.token_for(principal, "workbook")
    verifier = verifier_for(dev_keys, "workbook", clock, leeway_seconds=5)
    clock.now = T0 + 30
    assert verifier.verify(token) == principal
    clock.now = T0 + 64
    assert verifier.verify(token) == principal
    clock.now = T0 + 65
    with pytest.raises(TokenRejected, match="expired"):
        verifier.verify(token)
    fresh = verifier_for(dev_keys, "workbook", clock, leeway_seconds=5)
    with pytest.raises(TokenRejected, match="expired"):
        fresh.verify(token)


def test_token_forged_with_another_key_is_refused(
    dev_keys: DevKeys, principal: Principal, clock: Clock
) -> None:
    token = forged(dev_keys, internal_claims(principal), ATTACKER)
    with pytest.raises(TokenRejected, match="bad_signature"):
        verifier_for(dev_keys, "workbook", clock).verify(token)


def test_control_a_correctly_signed_forgery_would_pass(
    dev_keys: DevKeys, principal: Principal, clock: Clock
) -> None:
    # The forgeries below differ from this one in one respect each; this proves the helper works.
    token = forged(dev_keys, internal_claims(principal), internal_private(dev_keys))
    assert verifier_for(dev_keys, "workbook", clock).verify(token) == principal


def test_access_token_from_the_identity_provider_is_refused(
    dev_keys: DevKeys, principal: Principal, clock: Clock
) -> None:
    token = mint_dev_access_token(
        dev_keys,
        subject=principal.subject,
        issuer=INTERNAL_ISSUER,
        audience="fsm-internal:workbook",
    )
    with pytest.raises(TokenRejected) as info:
        verifier_for(dev_keys, "workbook", clock).verify(token)
    assert info.value.reason in {"bad_type", "unknown_kid"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"typ": "JWT"}, "bad_type"),
        ({"kid": "other"}, "unknown_kid"),
        ({"jwk": {"kty": "EC"}}, "embedded_key"),
    ],
)
def test_header_rules_hold_for_internal_tokens(
    dev_keys: DevKeys, principal: Principal, clock: Clock, change: dict[str, Any], reason: str
) -> None:
    token = forged(dev_keys, internal_claims(principal), internal_private(dev_keys), **change)
    with pytest.raises(TokenRejected, match=reason):
        verifier_for(dev_keys, "workbook", clock).verify(token)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://login.council.example"}, "bad_issuer"),
        ({"exp": int(T0) + 3600}, "lifetime_too_long"),
        ({"fsm": None}, "invalid_claim:fsm"),
        ({"fsm": "admin"}, "invalid_claim:fsm"),
        ({"sub": ""}, "invalid_claim:sub"),
    ],
)
def test_claim_rules_hold_for_internal_tokens(
    dev_keys: DevKeys,
    principal: Principal,
    clock: Clock,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    claims = internal_claims(principal, **overrides)
    token = forged(dev_keys, claims, internal_private(dev_keys))
    with pytest.raises(TokenRejected, match=reason):
        verifier_for(dev_keys, "workbook", clock).verify(token)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("practitioner_id", "not-a-uuid"),
        ("practitioner_id", 12),
        ("roles", "team_manager"),
        ("roles", [1, 2]),
        ("teams", ["zzz"]),
        ("managed_teams", None),
        ("display_name", ["x"]),
    ],
)
def test_malformed_principal_claim_is_refused(
    dev_keys: DevKeys, principal: Principal, clock: Clock, field: str, value: Any
) -> None:
    claims = internal_claims(principal)
    claims["fsm"] = {**claims["fsm"], field: value}
    token = forged(dev_keys, claims, internal_private(dev_keys))
    with pytest.raises(TokenRejected, match="invalid_claim:fsm"):
        verifier_for(dev_keys, "workbook", clock).verify(token)


def test_tampered_principal_is_refused(
    dev_keys: DevKeys, issuer: InternalTokenIssuer, principal: Principal, clock: Clock
) -> None:
    header, _, signature = issuer.token_for(principal, "workbook").split(".")
    claims = internal_claims(principal)
    claims["fsm"]["roles"] = ["team_manager", "admin"]
    payload = services.jose.encoding.b64url_encode(json.dumps(claims).encode())
    with pytest.raises(TokenRejected, match="bad_signature"):
        verifier_for(dev_keys, "workbook", clock).verify(f"{header}.{payload}.{signature}")


# --- caching on the hot path ---------------------------------------------------------------------


def test_issuer_reuses_a_token_instead_of_signing_per_request(
    monkeypatch: pytest.MonkeyPatch, issuer: InternalTokenIssuer, principal: Principal
) -> None:
    signs = count_calls(monkeypatch, "sign")
    first = issuer.token_for(principal, "workbook")
    assert all(issuer.token_for(principal, "workbook") == first for _ in range(1000))
    assert len(signs) == 1
    assert issuer.token_for(principal, "supervision") != first
    assert len(signs) == 2


def test_issuer_re_mints_when_half_the_lifetime_is_gone(
    monkeypatch: pytest.MonkeyPatch,
    dev_keys: DevKeys,
    issuer: InternalTokenIssuer,
    principal: Principal,
    clock: Clock,
) -> None:
    signs = count_calls(monkeypatch, "sign")
    first = issuer.token_for(principal, "workbook")
    clock.now = T0 + 30
    assert issuer.token_for(principal, "workbook") == first
    clock.now = T0 + 30.5
    second = issuer.token_for(principal, "workbook")
    assert second != first
    assert len(signs) == 2
    claims = verify(
        second,
        *_internal_keys_and_policy(dev_keys),
        now=clock.now,
    )
    assert claims["iat"] == int(T0 + 30)
    assert claims["exp"] == int(T0 + 30) + 60


def _internal_keys_and_policy(dev_keys: DevKeys) -> tuple[Any, VerificationPolicy]:
    keys, _ = services.jose.key_set(dev_keys.internal_jwks())
    policy = VerificationPolicy(
        issuer=INTERNAL_ISSUER, audience="fsm-internal:workbook", algorithms=("ES256",)
    )
    return keys, policy


def test_changed_principal_gets_a_new_token(
    issuer: InternalTokenIssuer, principal: Principal, dev_keys: DevKeys, clock: Clock
) -> None:
    first = issuer.token_for(principal, "workbook")
    demoted = Principal(
        subject=principal.subject,
        practitioner_id=principal.practitioner_id,
        display_name=principal.display_name,
        discipline=principal.discipline,
        roles=frozenset({"practitioner"}),
        team_ids=principal.team_ids,
        managed_team_ids=frozenset(),
    )
    second = issuer.token_for(demoted, "workbook")
    assert second != first
    assert not verifier_for(dev_keys, "workbook", clock).verify(second).has_role("team_manager")


def test_issuer_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch, dev_keys: DevKeys, principal: Principal, clock: Clock
) -> None:
    issuer = InternalTokenIssuer(
        dev_keys.internal_private_pem, dev_keys.internal_kid, clock=clock, max_entries=2
    )
    signs = count_calls(monkeypatch, "sign")
    for service in ("workbook", "supervision", "intervention", "workbook"):
        issuer.token_for(principal, service)
    assert len(signs) == 4


def test_verifier_remembers_good_tokens(
    monkeypatch: pytest.MonkeyPatch,
    dev_keys: DevKeys,
    issuer: InternalTokenIssuer,
    principal: Principal,
    clock: Clock,
) -> None:
    verifier = verifier_for(dev_keys, "workbook", clock)
    token = issuer.token_for(principal, "workbook")
    checks = count_calls(monkeypatch, "verify")
    for _ in range(1000):
        assert verifier.verify(token) == principal
    assert len(checks) == 1


def test_verifier_does_not_remember_refusals(
    monkeypatch: pytest.MonkeyPatch, dev_keys: DevKeys, principal: Principal, clock: Clock
) -> None:
    verifier = verifier_for(dev_keys, "workbook", clock)
    token = forged(dev_keys, internal_claims(principal), ATTACKER)
    checks = count_calls(monkeypatch, "verify")
    for _ in range(3):
        with pytest.raises(TokenRejected):
            verifier.verify(token)
    assert len(checks) == 3


def test_verifier_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
    dev_keys: DevKeys,
    issuer: InternalTokenIssuer,
    principal: Principal,
    clock: Clock,
) -> None:
    verifier = verifier_for(dev_keys, "workbook", clock, max_entries=2)
    tokens = [
        issuer.token_for(
            Principal(
                subject=f"s{n}",
                practitioner_id=uuid.uuid4(),
                display_name="x",
                discipline="social_worker",
                roles=frozenset(),
                team_ids=frozenset(),
                managed_team_ids=frozenset(),
            ),
            "workbook",
        )
        for n in range(3)
    ]
    checks = count_calls(monkeypatch, "verify")
    for token in tokens:
        verifier.verify(token)
    verifier.verify(tokens[2])
    assert len(checks) == 3
    verifier.verify(tokens[0])
    assert len(checks) == 4


def test_issuer_refuses_long_lifetimes_and_wrong_keys(dev_keys: DevKeys) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        InternalTokenIssuer(dev_keys.internal_private_pem, dev_keys.internal_kid, ttl_seconds=3600)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p384_key = ec.generate_private_key(ec.SECP384R1())
    for wrong, message in (
        (pem_of(rsa_key), "does not fit"),
        (pem_of(p384_key), "P-256"),
        (b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", "cannot load"),
    ):
        with pytest.raises(ValueError, match=message):
            InternalTokenIssuer(wrong, "k")


def pem_of(key: Any) -> bytes:
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_verifier_needs_a_usable_key() -> None:
    with pytest.raises(ValueError, match="no usable key"):
        InternalTokenVerifier({"keys": []}, "workbook")


# --- development keys --------------------------------------------------------------------------


def test_dev_keys_are_generated_once_with_private_permissions(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path / "state")
    second = ensure_dev_keys(tmp_path / "state")
    assert first == second
    assert load_dev_keys(tmp_path / "state") == first
    assert first.idp_kid != first.internal_kid
    key_dir = tmp_path / "state" / "keys"
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    files = sorted(path.name for path in key_dir.iterdir())
    assert files == ["dev-idp.jwks.json", "dev-idp.pem", "internal.jwks.json", "internal.pem"]
    for path in key_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert "PRIVATE KEY" not in repr(first)


def test_dev_key_ids_are_rfc7638_thumbprints(dev_keys: DevKeys) -> None:
    for jwks, kid in (
        (dev_keys.idp_jwks(), dev_keys.idp_kid),
        (dev_keys.internal_jwks(), dev_keys.internal_kid),
    ):
        (jwk,) = jwks["keys"]
        assert jwk["kid"] == kid == jwk_thumbprint(jwk)
        assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
        assert "d" not in jwk


def test_public_jwks_files_hold_no_private_material(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)
    published = load_jwks_file(tmp_path / "keys" / "internal.jwks.json")
    assert published == keys.internal_jwks()
    assert "PRIVATE" not in (tmp_path / "keys" / "internal.jwks.json").read_text()


def test_dev_access_token_verifies_against_the_dev_jwks(dev_keys: DevKeys) -> None:
    token = mint_dev_access_token(
        dev_keys,
        subject="dev|alice",
        issuer="http://localhost/dev-idp",
        audience="fsm-api",
        ttl_seconds=600,
        extra_claims={"name": "Alice"},
        now=T0,
    )
    keys, _ = services.jose.key_set(dev_keys.idp_jwks())
    policy = VerificationPolicy(issuer="http://localhost/dev-idp", audience="fsm-api")
    claims = verify(token, keys, policy, now=T0 + 10)
    assert (claims["sub"], claims["name"], claims["exp"] - claims["iat"]) == (
        "dev|alice",
        "Alice",
        600,
    )
    internal_keys, _ = services.jose.key_set(dev_keys.internal_jwks())
    with pytest.raises(TokenRejected, match="unknown_kid"):
        verify(token, internal_keys, policy, now=T0 + 10)


def test_dev_access_token_cannot_override_registered_claims(dev_keys: DevKeys) -> None:
    with pytest.raises(ValueError, match="extra_claims"):
        mint_dev_access_token(
            dev_keys, subject="a", issuer="i", audience="a", extra_claims={"exp": 2**40}
        )


def test_loose_permissions_on_an_existing_key_are_tightened(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir(mode=0o755)
    (tmp_path / "keys").chmod(0o755)
    ensure_dev_keys(tmp_path)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    pem = tmp_path / "keys" / "internal.pem"
    pem.chmod(0o644)
    load_dev_keys(tmp_path)
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600


def test_concurrent_first_runs_agree_on_one_key_pair(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: ensure_dev_keys(tmp_path), range(16)))
    assert all(result == results[0] for result in results)
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "dev-idp.jwks.json",
        "dev-idp.pem",
        "internal.jwks.json",
        "internal.pem",
    ]
