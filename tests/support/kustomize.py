"""Render `k8s/kustomization.yaml` in Python, as `kubectl kustomize` does, for what it uses.

CI machines need not have kubectl. This renders the fields our kustomization uses (resources,
namespace, labels, images, replacements) and refuses any other, so a new kustomize feature
cannot be silently ignored; a test compares it with `kubectl kustomize` wherever kubectl exists.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]

SUPPORTED = frozenset(
    {"apiVersion", "kind", "namespace", "labels", "resources", "images", "replacements"}
)
CLUSTER_SCOPED = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
)
# Kinds whose pod template `labels: includeTemplates` reaches, and where the template lives.
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_SELECTOR = re.compile(r"^\[(?P<key>[^=\]]+)=(?P<value>[^\]]*)\]$")


class UnsupportedKustomization(Exception):
    """The kustomization uses something this renderer does not implement."""


def render(directory: Path) -> list[Document]:
    """Every document the kustomization in `directory` produces."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"not implemented: {sorted(unknown)}")
    documents: list[Document] = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        if path.is_dir():
            raise UnsupportedKustomization(f"nested kustomization {resource}")
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for replacement in kustomization.get("replacements", []):
        _replace(documents, replacement)
    for entry in kustomization.get("labels", []):
        _label(documents, entry)
    namespace = kustomization.get("namespace")
    if namespace:
        for doc in documents:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    for image in kustomization.get("images", []):
        _set_image(documents, image)
    return documents


def _label(documents: list[Document], entry: dict[str, Any]) -> None:
    if set(entry) - {"pairs", "includeSelectors", "includeTemplates"}:
        raise UnsupportedKustomization(f"labels options {sorted(entry)}")
    if entry.get("includeSelectors"):
        raise UnsupportedKustomization("labels with includeSelectors")
    pairs: dict[str, str] = entry["pairs"]
    for doc in documents:
        doc["metadata"].setdefault("labels", {}).update(pairs)
        path = TEMPLATE_PATHS.get(doc["kind"])
        if entry.get("includeTemplates") and path is not None:
            template = _walk(doc, path)
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def _set_image(documents: list[Document], image: dict[str, str]) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise UnsupportedKustomization(f"images options {sorted(image)}")
    for doc in documents:
        path = TEMPLATE_PATHS.get(doc["kind"])
        if path is None:
            continue
        spec = _walk(doc, path)["spec"]
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            name, _, tag = container["image"].partition(":")
            if name != image["name"]:
                continue
            new_name = image.get("newName", name)
            new_tag = image.get("newTag", tag)
            container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def _replace(documents: list[Document], replacement: dict[str, Any]) -> None:
    source = replacement["source"]
    if set(source) - {"kind", "name", "fieldPath"}:
        raise UnsupportedKustomization(f"replacement source options {sorted(source)}")
    (origin,) = [doc for doc in documents if _selected(doc, source)]
    value = copy.deepcopy(_walk(origin, _path(source["fieldPath"])))
    for target in replacement["targets"]:
        if set(target) - {"select", "fieldPaths"} or set(target["select"]) - {"kind", "name"}:
            raise UnsupportedKustomization(f"replacement target options {sorted(target)}")
        matched = [doc for doc in documents if _selected(doc, target["select"])]
        if not matched:
            raise UnsupportedKustomization(f"replacement target {target['select']} not found")
        for doc in matched:
            for field_path in target["fieldPaths"]:
                *parents, last = _path(field_path)
                holder = _walk(doc, parents)
                if last not in holder:
                    raise UnsupportedKustomization(f"{field_path} does not exist (no create)")
                holder[last] = value


def _selected(doc: Document, select: dict[str, str]) -> bool:
    return bool(doc["kind"] == select["kind"] and doc["metadata"]["name"] == select["name"])


def _path(field_path: str) -> list[str]:
    return field_path.split(".")


def _walk(node: Any, path: Any) -> Any:
    for step in path:
        match = _SELECTOR.match(step)
        if match is not None:
            key, value = match["key"], match["value"]
            (node,) = [item for item in node if item.get(key) == value]
        else:
            node = node[step]
    return node
