"""Attacks on access-token verification (RFC 8725), forged with PyJWT, `cryptography` and by hand.

Nothing here signs through python-jose: if the wrapper and the library shared a bug, tokens
forged with the same library could hide it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, cast

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from services.jose import (
    InvalidKey,
    Jwk,
    SigningKey,
    TokenRejected,
    VerificationPolicy,
    jwk_thumbprint,
    key_set,
    peek_header,
    peek_issuer,
    public_jwk,
    sign,
    verify,
)

ISS = "https://login.council.example/realms/fsm"
AUD = "fsm-api"
NOW = 1_700_000_000
RSA_KID = "rsa-2024"
EC_KID = "ec-2024"
POLICY = VerificationPolicy(issuer=ISS, audience=AUD)
DROP = object()

# Keys are generated once per test run; nothing secret is committed.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ATTACKER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_EC = ec.generate_private_key(ec.SECP256R1())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jbytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def jwk_of(public_key: Any, kid: str, **extra: Any) -> dict[str, Any]:
    """Build the JWK with PyJWT, independently of the code under test."""
    if isinstance(public_key, rsa.RSAPublicKey):
        data = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        data = ECAlgorithm.to_jwk(public_key, as_dict=True)
    return {**data, "kid": kid, **extra}


KEYS, _ = key_set(
    {"keys": [jwk_of(RSA_KEY.public_key(), RSA_KID), jwk_of(EC_KEY.public_key(), EC_KID)]}
)


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISS,
        "aud": AUD,
        "sub": "f3c1a1de-practitioner",
        "iat": NOW - 10,
        "exp": NOW + 600,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not DROP}


def pyjwt_token(
    payload: dict[str, Any], key: Any = RSA_KEY, alg: str = "RS256", kid: str | None = RSA_KID
) -> str:
    headers = {} if kid is None else {"kid": kid}
    return pyjwt.encode(payload, key, algorithm=alg, headers=headers)


def raw_signature(signing_input: bytes, key: Any, alg: str) -> bytes:
    """Sign with `cryptography` (or hmac) directly, whatever the header claims."""
    digest: hashes.HashAlgorithm = {
        "256": hashes.SHA256(),
        "384": hashes.SHA384(),
        "512": hashes.SHA512(),
    }[alg[2:]]
    if alg.startswith("HS"):
        return hmac.new(key, signing_input, getattr(hashlib, f"sha{alg[2:]}")).digest()
    if alg.startswith("RS"):
        return cast(bytes, key.sign(signing_input, padding.PKCS1v15(), digest))
    der = key.sign(signing_input, ec.ECDSA(digest))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def hand_token(
    header: dict[str, Any] | bytes,
    payload: dict[str, Any] | bytes,
    key: Any = RSA_KEY,
    alg: str = "RS256",
) -> str:
    h = b64(header if isinstance(header, bytes) else jbytes(header))
    p = b64(payload if isinstance(payload, bytes) else jbytes(payload))
    signature = raw_signature(f"{h}.{p}".encode("ascii"), key, alg)
    return f"{h}.{p}.{b64(signature)}"


def rejected(token: Any, policy: VerificationPolicy = POLICY, keys: Any = None) -> str:
    with pytest.raises(TokenRejected) as info:
        verify(token, KEYS if keys is None else keys, policy, now=NOW)
    return info.value.reason


# --- what must be accepted ------------------------------------------------------------------------


def test_rs256_token_from_pyjwt_is_accepted() -> None:
    token = pyjwt_token(claims())
    assert verify(token, KEYS, POLICY, now=NOW)["sub"] == "f3c1a1de-practitioner"


def test_es256_token_from_pyjwt_is_accepted() -> None:
    token = pyjwt_token(claims(), EC_KEY, "ES256", EC_KID)
    assert verify(token, KEYS, POLICY, now=NOW)["iss"] == ISS


def test_token_signed_by_the_wrapper_verifies_with_pyjwt() -> None:
    pem = EC_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = sign(claims(), SigningKey.from_pem(pem, kid=EC_KID, algorithm="ES256"))
    decoded = pyjwt.decode(
        token,
        EC_KEY.public_key(),
        algorithms=["ES256"],
        audience=AUD,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert decoded["sub"] == "f3c1a1de-practitioner"
    assert pyjwt.get_unverified_header(token)["kid"] == EC_KID
    assert verify(token, KEYS, POLICY, now=NOW)["aud"] == AUD


# --- alg "none" -----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", " none"])
@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
def test_alg_none_is_refused_in_every_spelling(alg: str, signature: str) -> None:
    h = b64(jbytes({"alg": alg, "typ": "JWT", "kid": RSA_KID}))
    token = f"{h}.{b64(jbytes(claims()))}.{signature}"
    assert rejected(token) == "alg_none"


def test_pyjwt_unsecured_token_is_refused() -> None:
    token = pyjwt.encode(claims(), cast(Any, None), algorithm="none", headers={"kid": RSA_KID})
    assert rejected(token) == "alg_none"


def test_policy_cannot_allow_none_or_unknown_algorithms() -> None:
    for algorithms in (("none",), ("RS256", "None"), ("PS256",), ()):
        with pytest.raises(ValueError, match="algorithm"):
            VerificationPolicy(issuer=ISS, audience=AUD, algorithms=algorithms)


# --- key confusion: HMAC with the RSA public key --------------------------------------------------

RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
RSA_PUBLIC_DER = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)
RSA_PKCS1_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
)
EC_PUBLIC_PEM = EC_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
LAX_POLICY = VerificationPolicy(issuer=ISS, audience=AUD, algorithms=("RS256", "ES256", "HS256"))


@pytest.mark.parametrize(
    ("secret", "kid"),
    [
        (RSA_PUBLIC_PEM, RSA_KID),
        (RSA_PUBLIC_DER, RSA_KID),
        (RSA_PKCS1_PEM, RSA_KID),
        (EC_PUBLIC_PEM, EC_KID),
    ],
    ids=["rsa-pem", "rsa-der", "rsa-pkcs1", "ec-pem"],
)
def test_hs256_signed_with_a_public_key_is_refused(secret: bytes, kid: str) -> None:
    token = hand_token({"alg": "HS256", "typ": "JWT", "kid": kid}, claims(), secret, "HS256")
    # With the default allow-list HS256 never gets near a key ...
    assert rejected(token) == "alg_not_allowed"
    # ... and even a policy that wrongly lists HS256 refuses an HMAC check with an RSA/EC key.
    assert rejected(token, LAX_POLICY) == "alg_key_mismatch"


def test_hs256_needs_an_explicit_oct_key() -> None:
    secret = b"s" * 32
    oct_keys, _ = key_set(
        {"keys": [{"kty": "oct", "kid": "shared", "k": b64(secret)}]}, allow_symmetric=True
    )
    token = hand_token({"alg": "HS256", "kid": "shared"}, claims(), secret, "HS256")
    assert verify(token, oct_keys, LAX_POLICY, now=NOW)["sub"]
    assert rejected(token, LAX_POLICY, {"shared": KEYS[RSA_KID]}) == "alg_key_mismatch"
    # Symmetric keys are never accepted unless the caller asks for them.
    assert key_set({"keys": [{"kty": "oct", "kid": "shared", "k": b64(secret)}]})[0] == {}


# --- algorithms outside the allow-list ------------------------------------------------------------

P521_KEY = ec.generate_private_key(ec.SECP521R1())
P384_KEY = ec.generate_private_key(ec.SECP384R1())


@pytest.mark.parametrize(
    ("alg", "key"),
    [
        ("RS512", RSA_KEY),
        ("RS384", RSA_KEY),
        ("PS256", RSA_KEY),
        ("ES512", P521_KEY),
        ("ES384", P384_KEY),
    ],
)
def test_algorithm_outside_the_allow_list_is_refused(alg: str, key: Any) -> None:
    assert rejected(pyjwt_token(claims(), key, alg, RSA_KID)) == "alg_not_allowed"


def test_allow_list_is_pinned_per_policy() -> None:
    es_only = VerificationPolicy(issuer=ISS, audience=AUD, algorithms=("ES256",))
    assert rejected(pyjwt_token(claims()), es_only) == "alg_not_allowed"


def test_header_alg_must_fit_the_key_type() -> None:
    # A valid ES256 signature, but the kid names the RSA key.
    token = pyjwt_token(claims(), EC_KEY, "ES256", RSA_KID)
    assert rejected(token) == "alg_key_mismatch"


def test_header_alg_must_match_the_jwks_alg() -> None:
    keys, _ = key_set({"keys": [jwk_of(RSA_KEY.public_key(), RSA_KID, alg="RS512")]})
    assert rejected(pyjwt_token(claims()), keys=keys) == "alg_key_mismatch"


def test_es256_requires_a_p256_key() -> None:
    keys, _ = key_set({"keys": [jwk_of(P384_KEY.public_key(), "p384")]})
    token = hand_token({"alg": "ES256", "kid": "p384"}, claims(), P384_KEY, "ES256")
    assert rejected(token, keys=keys) == "alg_key_mismatch"


# --- kid and key-carrying headers -----------------------------------------------------------------


def test_unknown_kid_is_refused() -> None:
    assert rejected(pyjwt_token(claims(), kid="no-such-key")) == "unknown_kid"


def test_missing_kid_is_refused() -> None:
    assert rejected(pyjwt_token(claims(), kid=None)) == "missing_kid"


@pytest.mark.parametrize("kid", [123, "", None, ["rsa-2024"]])
def test_kid_must_be_a_non_empty_string(kid: Any) -> None:
    token = hand_token({"alg": "RS256", "kid": kid}, claims())
    assert rejected(token) in {"malformed", "missing_kid"}


ATTACKER_JWK = jwk_of(ATTACKER_RSA.public_key(), RSA_KID)
ATTACKER_CERT = base64.b64encode(
    ATTACKER_RSA.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("jwk", ATTACKER_JWK, "embedded_key"),
        ("x5c", [ATTACKER_CERT], "embedded_key"),
        ("jku", "https://attacker.example/jwks.json", "key_url"),
        ("x5u", "https://attacker.example/cert.pem", "key_url"),
    ],
)
def test_key_carrying_headers_are_never_used(name: str, value: Any, reason: str) -> None:
    forged = hand_token({"alg": "RS256", "kid": RSA_KID, name: value}, claims(), ATTACKER_RSA)
    assert rejected(forged) == reason
    # Refused for the header itself: a genuine signature does not make it acceptable.
    genuine = hand_token({"alg": "RS256", "kid": RSA_KID, name: value}, claims(), RSA_KEY)
    assert rejected(genuine) == reason


def test_crit_header_is_refused() -> None:
    token = hand_token({"alg": "RS256", "kid": RSA_KID, "crit": ["exp"], "exp": 1}, claims())
    assert rejected(token) == "crit_header"


def test_x5t_thumbprint_header_is_tolerated() -> None:
    # Entra ID puts x5t next to kid; it carries no key, so it must not break real tokens.
    token = hand_token({"alg": "RS256", "kid": RSA_KID, "x5t": "abc", "typ": "JWT"}, claims())
    assert verify(token, KEYS, POLICY, now=NOW)["sub"]


def test_explicit_type_is_enforced_when_the_policy_asks() -> None:
    typed = VerificationPolicy(issuer=ISS, audience=AUD, typ="at+jwt")
    assert rejected(pyjwt_token(claims()), typed) == "bad_type"
    token = hand_token({"alg": "RS256", "kid": RSA_KID, "typ": "application/AT+JWT"}, claims())
    assert verify(token, KEYS, typed, now=NOW)["sub"]


# --- signatures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "alg", "kid"), [(ATTACKER_RSA, "RS256", RSA_KID), (ATTACKER_EC, "ES256", EC_KID)]
)
def test_signature_from_another_key_with_our_kid_is_refused(key: Any, alg: str, kid: str) -> None:
    assert rejected(pyjwt_token(claims(), key, alg, kid)) == "bad_signature"


@pytest.mark.parametrize(
    ("key", "alg", "kid"), [(RSA_KEY, "RS256", RSA_KID), (EC_KEY, "ES256", EC_KID)]
)
def test_tampered_payload_is_refused(key: Any, alg: str, kid: str) -> None:
    header, _, signature = pyjwt_token(claims(), key, alg, kid).split(".")
    tampered = b64(jbytes(claims(sub="team-manager-of-everything")))
    assert rejected(f"{header}.{tampered}.{signature}") == "bad_signature"


def test_tampered_header_is_refused() -> None:
    _, payload, signature = pyjwt_token(claims()).split(".")
    header = b64(jbytes({"alg": "RS256", "kid": RSA_KID, "typ": "at+jwt"}))
    assert rejected(f"{header}.{payload}.{signature}") == "bad_signature"


def test_truncated_or_empty_signature_is_refused() -> None:
    header, payload, signature = pyjwt_token(claims(), EC_KEY, "ES256", EC_KID).split(".")
    assert rejected(f"{header}.{payload}.") == "bad_signature"
    assert rejected(f"{header}.{payload}.{signature[:40]}") == "bad_signature"


def test_non_canonical_base64_is_refused() -> None:
    # 64 signature bytes leave 4 spare bits in the last character; python-jose would accept
    # the variant, giving one token many spellings.
    header, payload, signature = pyjwt_token(claims(), EC_KEY, "ES256", EC_KID).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    variant = signature[:-1] + alphabet[last | 0b0001]
    assert variant != signature
    assert base64.urlsafe_b64decode(variant + "==") == base64.urlsafe_b64decode(signature + "==")
    assert rejected(f"{header}.{payload}.{variant}") == "malformed"


# --- claims ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["iss", "aud", "exp", "iat", "sub"])
def test_required_claim_missing_is_refused(name: str) -> None:
    assert rejected(pyjwt_token(claims(**{name: DROP}))) == f"missing_claim:{name}"


def test_expired_token_is_refused() -> None:
    assert rejected(pyjwt_token(claims(iat=NOW - 4000, exp=NOW - 31))) == "expired"


def test_expiry_at_the_edge_of_the_leeway() -> None:
    assert rejected(pyjwt_token(claims(iat=NOW - 4000, exp=NOW - 30))) == "expired"
    assert verify(pyjwt_token(claims(iat=NOW - 4000, exp=NOW - 29)), KEYS, POLICY, now=NOW)


def test_iat_in_the_future_beyond_leeway_is_refused() -> None:
    assert rejected(pyjwt_token(claims(iat=NOW + 31))) == "iat_in_future"


def test_iat_in_the_future_within_leeway_is_accepted() -> None:
    assert verify(pyjwt_token(claims(iat=NOW + 29)), KEYS, POLICY, now=NOW)["iat"] == NOW + 29


def test_nbf_in_the_future_is_refused() -> None:
    assert rejected(pyjwt_token(claims(nbf=NOW + 120))) == "not_yet_valid"
    assert verify(pyjwt_token(claims(nbf=NOW + 20)), KEYS, POLICY, now=NOW)


def test_wrong_audience_is_refused() -> None:
    assert rejected(pyjwt_token(claims(aud="another-council-api"))) == "bad_audience"
    assert rejected(pyjwt_token(claims(aud=["a", "b"]))) == "bad_audience"
    assert rejected(pyjwt_token(claims(aud=[]))) == "bad_audience"
    assert rejected(pyjwt_token(claims(aud=AUD.upper()))) == "bad_audience"


def test_audience_list_containing_ours_is_accepted() -> None:
    token = pyjwt_token(claims(aud=["graph", AUD]))
    assert verify(token, KEYS, POLICY, now=NOW)["aud"] == ["graph", AUD]


@pytest.mark.parametrize("aud", [123, {"aud": AUD}, [AUD, 7], None])
def test_audience_of_the_wrong_type_is_refused(aud: Any) -> None:
    assert rejected(pyjwt_token(claims(aud=aud))) == "invalid_claim:aud"


def test_wrong_issuer_is_refused() -> None:
    assert rejected(pyjwt_token(claims(iss="https://evil.example/"))) == "bad_issuer"
    assert rejected(pyjwt_token(claims(iss=ISS + "/"))) == "bad_issuer"


@pytest.mark.parametrize("sub", ["", "   ", 42, None, ["x"]])
def test_subject_must_be_a_non_empty_string(sub: Any) -> None:
    assert rejected(pyjwt_token(claims(sub=sub))) == "invalid_claim:sub"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("exp", '"1700000600"'),
        ("exp", "true"),
        ("exp", "null"),
        ("exp", "1e999"),
        ("exp", "-5"),
        ("exp", "100000000000000000000000000000"),
        ("iat", '"now"'),
        ("iat", "[1]"),
        ("nbf", "{}"),
    ],
)
def test_numeric_dates_must_be_finite_numbers(name: str, raw: str) -> None:
    others = ",".join(f'"{k}":{json.dumps(v)}' for k, v in claims().items() if k != name)
    payload = ("{" + others + f',"{name}":{raw}' + "}").encode()
    token = hand_token({"alg": "RS256", "kid": RSA_KID}, payload)
    assert rejected(token) == f"invalid_claim:{name}"


def test_lifetime_limit_when_the_policy_sets_one() -> None:
    short = VerificationPolicy(issuer=ISS, audience=AUD, max_lifetime_seconds=3600)
    assert rejected(pyjwt_token(claims(iat=NOW - 10, exp=NOW + 3600)), short) == (
        "lifetime_too_long"
    )
    assert verify(pyjwt_token(claims(iat=NOW - 10, exp=NOW + 3000)), KEYS, short, now=NOW)


# --- size -----------------------------------------------------------------------------------------


def test_oversized_token_is_refused_before_any_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    # A perfectly valid, correctly signed 1 MB token: only its size can be the reason.
    huge = pyjwt_token(claims(padding="A" * 1_000_000))
    assert len(huge) > 1_000_000
    roomy = VerificationPolicy(issuer=ISS, audience=AUD, max_token_bytes=2_000_000)
    assert verify(huge, KEYS, roomy, now=NOW)["sub"]

    calls: list[str] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    # services.jose reads these through the modules, so patching the modules sees every call.
    monkeypatch.setattr(base64, "urlsafe_b64decode", spy("b64", base64.urlsafe_b64decode))
    monkeypatch.setattr(json, "loads", spy("json", json.loads))
    started = time.perf_counter()
    for _ in range(100):
        assert rejected(huge) == "too_large"
        with pytest.raises(TokenRejected, match="too_large"):
            peek_header(huge, POLICY)
    elapsed = time.perf_counter() - started
    assert calls == []
    assert elapsed < 0.5, f"200 refusals of a 1 MB token took {elapsed:.3f}s"


def test_size_limit_counts_bytes_of_the_token() -> None:
    token = pyjwt_token(claims())
    exact = VerificationPolicy(issuer=ISS, audience=AUD, max_token_bytes=len(token))
    assert verify(token, KEYS, exact, now=NOW)
    smaller = VerificationPolicy(issuer=ISS, audience=AUD, max_token_bytes=len(token) - 1)
    assert rejected(token, smaller) == "too_large"


# --- malformed input ------------------------------------------------------------------------------

GOOD = pyjwt_token(claims())
GOOD_HEADER, GOOD_PAYLOAD, GOOD_SIGNATURE = GOOD.split(".")


def with_header(raw: bytes) -> str:
    return f"{b64(raw)}.{GOOD_PAYLOAD}.{GOOD_SIGNATURE}"


NASTY: list[Any] = [
    "",
    ".",
    "..",
    "...",
    "a.b.c",
    "a.b",
    "a.b.c.d.e",
    "not a token at all",
    "\x00\x00\x00",
    "🙈.🙉.🙊",
    f"{GOOD_HEADER}.{GOOD_PAYLOAD}",
    f"{GOOD}.",
    f" {GOOD}",
    f"{GOOD}=",
    f"{GOOD_HEADER}==.{GOOD_PAYLOAD}.{GOOD_SIGNATURE}",
    f"{GOOD_HEADER}.{GOOD_PAYLOAD}\n.{GOOD_SIGNATURE}",
    f"{GOOD_HEADER[:-1]}.{GOOD_PAYLOAD}.{GOOD_SIGNATURE}",
    GOOD.replace("-", "+").replace("_", "/") + "+/",
    with_header(b"null"),
    with_header(b"[]"),
    with_header(b"123"),
    with_header(bytes([0xFF, 0xFE, 0x7B])),
    with_header(b'{"alg":"RS256","kid":"\\ud800"}'),
    with_header(b'{"alg":["RS256"],"kid":"rsa-2024"}'),
    with_header(b'{"alg":NaN}'),
    with_header(b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}"),
    with_header(b'{"alg":"RS256","kid":"rsa-2024","x":' + b"9" * 5000 + b"}"),
    with_header(b'{"alg":"none","alg":"RS256","kid":"rsa-2024"}'),
    f"{b64(jbytes({'alg': 'RSA-OAEP', 'enc': 'A256GCM', 'kid': RSA_KID}))}.a.b",
    "eyJhbGciOiJSUzI1NiJ9.eyJ@#$.sig",
    None,
    b"bytes.are.not.str",
    12345,
]


@pytest.mark.parametrize("token", NASTY)
def test_malformed_input_only_ever_raises_token_rejected(token: Any) -> None:
    if isinstance(token, str):
        assert len(token) <= POLICY.max_token_bytes, "must reach the parser, not the size check"
    with pytest.raises(TokenRejected):
        verify(token, KEYS, POLICY, now=NOW)
    with pytest.raises(TokenRejected):
        peek_header(token, POLICY)
    with contextlib.suppress(TokenRejected):
        peek_issuer(token, max_token_bytes=8192)


SIGNED_JUNK_PAYLOADS = [
    b"null",
    b"[]",
    b'"claims"',
    b"{",
    bytes([0xC3, 0x28]),
    b'{"sub":"a","sub":"b"}',
    b'{"exp":Infinity}',
    b'{"sub":"\\udc00"}',
    b'{"x":' + b"1" * 5000 + b"}",
    b"",
]


@pytest.mark.parametrize("payload", SIGNED_JUNK_PAYLOADS)
def test_junk_claims_behind_a_valid_signature_raise_token_rejected(payload: bytes) -> None:
    token = hand_token({"alg": "RS256", "kid": RSA_KID}, payload)
    assert rejected(token) == "malformed"


# --- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"},
        {**jwk_of(RSA_KEY.public_key(), "k"), "d": "AQAB"},
        {**jwk_of(RSA_KEY.public_key(), "k"), "use": "enc"},
        {**jwk_of(RSA_KEY.public_key(), "k"), "alg": "PS256"},
        {**jwk_of(RSA_KEY.public_key(), "k"), "alg": "HS256"},
        {**jwk_of(EC_KEY.public_key(), "k"), "alg": "ES384"},
        {**jwk_of(EC_KEY.public_key(), "k"), "y": jwk_of(EC_KEY.public_key(), "k")["x"]},
        {**jwk_of(EC_KEY.public_key(), "k"), "crv": "secp256k1"},
        {**jwk_of(EC_KEY.public_key(), "k"), "key_ops": ["encrypt"]},
        {k: v for k, v in jwk_of(RSA_KEY.public_key(), "k").items() if k != "kid"},
        {"kty": "oct", "kid": "k", "k": b64(b"x" * 32)},
        {"kty": "OKP", "kid": "k", "crv": "Ed25519", "x": b64(b"x" * 32)},
        {"kid": "k"},
        "not a key",
    ],
)
def test_unusable_jwks_entries_are_refused(bad: Any) -> None:
    with pytest.raises(InvalidKey):
        Jwk.from_dict(bad)


def test_rsa_keys_below_2048_bits_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(InvalidKey, match="2048"):
        Jwk.from_dict(jwk_of(weak.public_key(), "weak"))


def test_public_jwk_matches_pyjwt_and_rfc7638_thumbprint() -> None:
    published = public_jwk(RSA_PUBLIC_PEM, kid="k", algorithm="RS256")
    independent = jwk_of(RSA_KEY.public_key(), "k")
    assert (published["n"], published["e"]) == (independent["n"], independent["e"])
    rfc7638 = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
            "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
            "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyr"
            "dkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
            "nqDKgw"
        ),
        "kid": "2011-04-29",
        "alg": "RS256",
    }
    assert jwk_thumbprint(rfc7638) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_duplicate_kids_in_a_key_set_are_dropped() -> None:
    keys, skipped = key_set(
        {
            "keys": [
                jwk_of(RSA_KEY.public_key(), "same"),
                jwk_of(ATTACKER_RSA.public_key(), "same"),
                jwk_of(EC_KEY.public_key(), EC_KID),
            ]
        }
    )
    assert set(keys) == {EC_KID}
    assert any("duplicate" in note for note in skipped)
