"""Who takes whose events is said once in code; `fsm run` and k8s/ both follow it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from services.cli.run import Planned, child_environment, event_secrets
from services.delegation import DELEGATED_CALLS
from services.registry import UNITS, unit_named
from services.relay_settings import RelaySettings
from services.subscriptions import SUBSCRIPTIONS, receivers

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_the_kubernetes_subscriptions_are_the_code_s() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "k8s" / "subscriptions.yaml").read_text())
    declared = {
        (publisher, subscriber["name"], tuple(subscriber["types"]))
        for publisher, text in config["data"].items()
        for subscriber in json.loads(text)
    }
    expected = {(s.publisher.name, s.receiver.name, s.types) for s in SUBSCRIPTIONS}
    assert declared == expected


def test_fsm_run_wires_every_subscription_with_its_receiver_s_secret(tmp_path: Path) -> None:
    planned = [Planned(unit, 18000 + i, None) for i, unit in enumerate(UNITS)]
    secrets = event_secrets()
    assert set(secrets) == receivers()
    envs = {
        p.unit.name: child_environment(p, planned, "postgresql://x/y", tmp_path, secrets)
        for p in planned
    }
    for subscription in SUBSCRIPTIONS:
        relay = RelaySettings.model_validate(
            {"subscribers": json.loads(envs[subscription.publisher.name]["FSM_RELAY_SUBSCRIBERS"])}
        )
        [subscriber] = [s for s in relay.subscribers if s.name == subscription.receiver.name]
        receiver = next(p for p in planned if p.unit is subscription.receiver)
        assert str(subscriber.url) == f"{receiver.base_url}/events"
        assert tuple(subscriber.types) == subscription.types
        inbox = json.loads(envs[subscription.receiver.name]["FSM_INBOX_SECRETS"])
        assert subscriber.secret.get_secret_value() in inbox
    # Secrets are made afresh for each run.
    assert event_secrets() != secrets
    assert unit_named("gateway").name not in receivers()


def test_units_that_read_another_as_their_caller_are_told_where_it_is(tmp_path: Path) -> None:
    planned = [Planned(unit, 18000 + i, None) for i, unit in enumerate(UNITS)]
    by_name = {p.unit.name: p for p in planned}
    config = yaml.safe_load((PROJECT_ROOT / "k8s" / "config.yaml").read_text())
    in_cluster = json.loads(config["data"]["FSM_UNIT_URLS"])
    assert DELEGATED_CALLS, "the topology is empty: nothing to check"
    for call in DELEGATED_CALLS:
        env = child_environment(by_name[call.caller.name], planned, "postgresql://x/y", tmp_path)
        urls = json.loads(env["FSM_UNIT_URLS"])
        assert urls[call.callee.name] == by_name[call.callee.name].base_url
        assert (
            in_cluster[call.callee.name] == f"http://{call.callee.name}:{call.callee.default_port}"
        )
    # A unit is told of the units it calls, and of no other; one that calls nobody, nothing.
    for unit in UNITS:
        env = child_environment(by_name[unit.name], planned, "postgresql://x/y", tmp_path)
        told = set(json.loads(env["FSM_UNIT_URLS"])) if "FSM_UNIT_URLS" in env else set()
        assert told == {c.callee.name for c in DELEGATED_CALLS if c.caller is unit}, unit.name
