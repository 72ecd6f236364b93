"""The rendered `k8s/` manifests: valid Kubernetes objects that agree with the registry.

Every document is validated against the Kubernetes API schemas of a pinned version
(kubernetes-validate, strict: unknown fields are errors). Then what the schemas cannot know:
each unit has its Deployment, Service, autoscaler, disruption budget and NetworkPolicy; ports
are the registry's; Prometheus can reach only the metrics ports; the relay subscriptions parse
as the relay's settings and the network lets each delivery through.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.registry import BACKENDS, UNITS, Unit
from services.relay import RelaySettings
from tests.support.kustomize import Document, render

K8S = Path(__file__).resolve().parents[2] / "k8s"
KUBERNETES_VERSION = "1.32.0"
NAME_LABEL = "app.kubernetes.io/name"
SECRET_REFERENCE = re.compile(r"\$\((?P<name>[A-Z0-9_]+)\)")


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return render(K8S)


def find(documents: list[Document], kind: str, name: str) -> Document:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def container_of(deployment: Document) -> Document:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def test_every_document_is_a_valid_kubernetes_object(documents: list[Document]) -> None:
    assert len(documents) > 10
    for document in documents:
        name = f"{document['kind']}/{document['metadata']['name']}"
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {error.message} at {list(error.path)}")
        assert document["metadata"]["labels"]["app.kubernetes.io/part-of"] == "family-safeguarding"


def test_the_validator_catches_a_broken_object(documents: list[Document]) -> None:
    broken = json.loads(json.dumps(find(documents, "HorizontalPodAutoscaler", "gateway")))
    broken["spec"]["minReplica"] = broken["spec"].pop("minReplicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_python_rendering_matches_kubectl_kustomize(documents: list[Document]) -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    def keyed(docs: list[Document]) -> dict[tuple[str, str], Document]:
        return {(d["kind"], d["metadata"]["name"]): d for d in docs}

    assert keyed(documents) == keyed([d for d in yaml.safe_load_all(rendered) if d])


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_runs_with_its_ports_probes_and_scrape_annotations(
    documents: list[Document], unit: Unit
) -> None:
    deployment = find(documents, "Deployment", unit.name)
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    template = deployment["spec"]["template"]
    container = container_of(deployment)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": unit.default_port, "metrics": unit.default_metrics_port}
    args = container["args"]
    assert args[:2] == ["serve", unit.name]
    assert args[args.index("--port") + 1] == str(unit.default_port)
    assert args[args.index("--metrics-port") + 1] == str(unit.default_metrics_port)
    assert args[args.index("--host") + 1] == "0.0.0.0"  # the metrics port binds with it
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(unit.default_metrics_port)
    assert annotations["prometheus.io/path"] == "/metrics"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"

    service = find(documents, "Service", unit.name)
    assert [port["port"] for port in service["spec"]["ports"]] == [unit.default_port]

    autoscaler = find(documents, "HorizontalPodAutoscaler", unit.name)
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": unit.name,
    }
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert autoscaler["spec"]["maxReplicas"] >= autoscaler["spec"]["minReplicas"]

    budget = find(documents, "PodDisruptionBudget", unit.name)
    assert budget["spec"]["selector"]["matchLabels"] == {NAME_LABEL: unit.name}
    assert budget["spec"]["maxUnavailable"] == 1
    assert template["metadata"]["labels"][NAME_LABEL] == unit.name


def test_gateway_upstreams_follow_the_registry(documents: list[Document]) -> None:
    config = find(documents, "ConfigMap", "fsm-config")["data"]
    for unit in BACKENDS:
        url = config[f"FSM_GATEWAY_UPSTREAM_{unit.name.upper()}"]
        assert url == f"http://{unit.name}:{unit.default_port}"


# --- NetworkPolicies ------------------------------------------------------------------------------


def policies_for(documents: list[Document], labels: dict[str, str]) -> list[Document]:
    """The NetworkPolicies whose podSelector selects pods with these labels."""
    selected = []
    for policy in documents:
        if policy["kind"] != "NetworkPolicy":
            continue
        wanted = policy["spec"]["podSelector"].get("matchLabels", {})
        if all(labels.get(key) == value for key, value in wanted.items()):
            selected.append(policy)
    return selected


def peers(rules: list[Document], direction: str) -> Iterator[tuple[Document, list[int]]]:
    """Each peer of a list of rules, with the TCP ports the rule opens ([] = all)."""
    for rule in rules:
        ports = [p["port"] for p in rule.get("ports", []) if p.get("protocol", "TCP") == "TCP"]
        for peer in rule.get(direction, []):
            yield peer, ports


def pod_peer_matches(peer: Document, labels: dict[str, str]) -> bool:
    """Whether a peer selects pods with `labels` in this namespace."""
    if "namespaceSelector" in peer or "ipBlock" in peer:
        return False
    wanted = peer.get("podSelector", {}).get("matchLabels", {})
    return all(labels.get(key) == value for key, value in wanted.items())


def pod_labels(documents: list[Document], name: str) -> dict[str, str]:
    for document in documents:
        if document["kind"] in ("Deployment", "Job") and document["metadata"]["name"] == name:
            labels: dict[str, str] = document["spec"]["template"]["metadata"]["labels"]
            return labels
    raise AssertionError(name)


def allows(documents: list[Document], source: str, target: str, port: int) -> bool:
    """Whether the policies let `source`'s pods open `port` on `target`'s pods."""
    source_labels, target_labels = pod_labels(documents, source), pod_labels(documents, target)
    out = any(
        pod_peer_matches(peer, target_labels) and (not ports or port in ports)
        for policy in policies_for(documents, source_labels)
        for peer, ports in peers(policy["spec"].get("egress", []), "to")
    )
    into = any(
        pod_peer_matches(peer, source_labels) and (not ports or port in ports)
        for policy in policies_for(documents, target_labels)
        for peer, ports in peers(policy["spec"].get("ingress", []), "from")
    )
    return out and into


def test_everything_is_denied_unless_a_policy_allows_it(documents: list[Document]) -> None:
    deny = find(documents, "NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for workload in ("gateway", *[u.name for u in BACKENDS], "fsm-migrate"):
        labels = pod_labels(documents, workload)
        own = [p for p in policies_for(documents, labels) if p["spec"]["podSelector"]]
        assert own, f"no NetworkPolicy of its own for {workload}"
        assert all(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in own)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_only_prometheus_reaches_the_metrics_port(documents: list[Document], unit: Unit) -> None:
    labels = pod_labels(documents, unit.name)
    metrics_peers = [
        peer
        for policy in policies_for(documents, labels)
        for peer, ports in peers(policy["spec"].get("ingress", []), "from")
        if unit.default_metrics_port in ports or not ports
    ]
    assert metrics_peers == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": {NAME_LABEL: "prometheus"}},
        }
    ]


def test_the_gateway_is_the_only_unit_open_to_the_ingress_controller(
    documents: list[Document],
) -> None:
    def from_ingress(unit: Unit) -> list[int]:
        return [
            port
            for policy in policies_for(documents, pod_labels(documents, unit.name))
            for peer, ports in peers(policy["spec"].get("ingress", []), "from")
            if peer.get("namespaceSelector", {})
            .get("matchLabels", {})
            .get("kubernetes.io/metadata.name")
            == "ingress-nginx"
            for port in ports
        ]

    gateway, *backends = UNITS
    assert from_ingress(gateway) == [gateway.default_port]
    assert all(from_ingress(unit) == [] for unit in backends)
    for unit in BACKENDS:
        assert allows(documents, "gateway", unit.name, unit.default_port)
        assert not allows(documents, unit.name, "gateway", 8000)


# --- event subscriptions --------------------------------------------------------------------------


def relay_settings_of(deployment: Document) -> RelaySettings:
    """The relay settings the pod would read, with each secret reference resolved."""
    env: list[Document] = container_of(deployment)["env"]
    names = [entry["name"] for entry in env]
    raw = env[names.index("FSM_RELAY_SUBSCRIBERS")]["value"]
    secrets: dict[str, str] = {}
    for match in SECRET_REFERENCE.finditer(raw):
        name = match["name"]
        # Defined before the variable that uses it (the kubelet expands earlier ones only)...
        assert name in names[: names.index("FSM_RELAY_SUBSCRIBERS")], name
        source = env[names.index(name)]
        # ...and from a Secret, never a literal.
        assert source["valueFrom"]["secretKeyRef"]["name"] == "fsm-event-secrets"
        secrets[name] = f"whsec-stand-in-{source['valueFrom']['secretKeyRef']['key']}-" + "x" * 24
    resolved = SECRET_REFERENCE.sub(lambda m: secrets[m["name"]], raw)
    settings = RelaySettings(subscribers=json.loads(resolved))
    settings.check_for("production")
    return settings


def test_subscriptions_come_from_the_configmap_and_hold_no_secret(
    documents: list[Document],
) -> None:
    subscriptions = find(documents, "ConfigMap", "fsm-subscriptions")["data"]
    assert set(subscriptions) == {unit.name for unit in UNITS}
    for unit in UNITS:
        raw = subscriptions[unit.name]
        deployment = find(documents, "Deployment", unit.name)
        env = {entry["name"]: entry for entry in container_of(deployment)["env"]}
        assert env["FSM_RELAY_SUBSCRIBERS"]["value"] == raw
        for subscriber in json.loads(raw):
            assert SECRET_REFERENCE.fullmatch(subscriber["secret"]), subscriber["name"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_relay_delivers_to_other_units_inboxes_through_the_network(
    documents: list[Document], unit: Unit
) -> None:
    settings = relay_settings_of(find(documents, "Deployment", unit.name))
    assert settings.subscribers, f"{unit.name} publishes to no one"
    by_name = {other.name: other for other in UNITS}
    for subscriber in settings.subscribers:
        receiver = by_name[subscriber.name]
        assert receiver is not unit
        assert receiver in BACKENDS
        assert subscriber.url.host == receiver.name
        assert subscriber.url.port == receiver.default_port
        assert subscriber.url.path == "/events"
        assert allows(documents, unit.name, receiver.name, receiver.default_port)
        # The receiver verifies with the key the publisher signs with.
        receiver_env = {
            entry["name"]: entry
            for entry in container_of(find(documents, "Deployment", receiver.name))["env"]
        }
        inbox_key = receiver_env["FSM_INBOX_SECRET"]["valueFrom"]["secretKeyRef"]["key"]
        assert inbox_key == receiver.name


def test_the_migration_job_reaches_only_dns_and_postgresql(documents: list[Document]) -> None:
    policy = find(documents, "NetworkPolicy", "fsm-migrate")
    assert "ingress" not in policy["spec"]
    opened: set[Any] = {
        port["port"] for rule in policy["spec"]["egress"] for port in rule.get("ports", [])
    }
    assert opened == {53, 5432}
