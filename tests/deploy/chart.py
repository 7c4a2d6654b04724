"""The Helm chart, rendered and linted offline through helm-python-sdk (Helm's Go SDK; no helm
binary and no cluster), and rendered manifests checked against Kubernetes' API schemas."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml
from kubernetes_validate import utils as kubernetes_schemas

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "flowauto"
PRODUCTION_VALUES = CHART / "values-production.yaml"
DASHBOARD = CHART / "dashboards" / "flowauto.json"
RELEASE = "flowauto"
NAMESPACE = "automation"

# A widely deployed release and the newest one kubernetes-validate bundles.
KUBERNETES_VERSIONS = ("1.33.0", kubernetes_schemas.latest_version())
# Custom resources: kubernetes-validate has API schemas for built-in kinds only.
CUSTOM_RESOURCE_KINDS = frozenset({"ServiceMonitor"})

Manifest = dict[str, Any]


def values_file(path: Path) -> dict[str, Any]:
    """A values file parsed the way `helm -f` parses it."""
    return helm.values_from_yaml(path.read_text())


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    """Every object `helm template` would produce, in template order (NOTES.txt left out)."""
    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    return [
        document
        for template, text in sorted(rendered.items())
        if template.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]


def notes(values: dict[str, Any] | None = None) -> str:
    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    return next(text for template, text in rendered.items() if template.endswith("NOTES.txt"))


def lint(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """`helm lint --strict`: {"messages": [{"severity", "path", "error"}], "errors": [...]}."""
    return helm.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES_VERSIONS[0]}")


def kinds(manifests: list[Manifest]) -> Counter[str]:
    return Counter(manifest["kind"] for manifest in manifests)


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    """The manifests of one kind by name."""
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def validate(manifest: Manifest, kubernetes_version: str) -> bool:
    """Checks a manifest against the strict API schema (unknown fields are errors); False when
    it is a custom resource the package has no schema for. Raises ValidationError."""
    try:
        kubernetes_schemas.validate(manifest, kubernetes_version, strict=True)
    except kubernetes_schemas.SchemaNotFoundError:
        if manifest["kind"] in CUSTOM_RESOURCE_KINDS:
            return False
        raise
    return True


def pod_spec(deployment: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def container(deployment: Manifest) -> dict[str, Any]:
    (only,) = pod_spec(deployment)["containers"]
    return dict(only)


def env(deployment: Manifest) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container(deployment)["env"]}
