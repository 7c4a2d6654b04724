"""The Helm chart lints clean, renders the expected objects for a combined and a split
install, and every object it renders is valid for current Kubernetes releases."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import helm_python as helm
import pytest
from kubernetes_validate import utils as kubernetes_schemas

from tests.deploy.chart import (
    DASHBOARD,
    KUBERNETES_VERSIONS,
    PRODUCTION_VALUES,
    Manifest,
    container,
    env,
    kinds,
    lint,
    notes,
    of_kind,
    pod_spec,
    render,
    validate,
    values_file,
)

WARNING = 2
EVERY_OPTION: dict[str, Any] = {
    "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
    "dashboards": {"enabled": True},
    "mongodb": {"url": "mongodb://flowauto:pw@mongodb.db.svc:27017/flowauto"},
    "mysql": {"url": "mysql+aiomysql://flowauto:pw@mariadb.db.svc:3306/flowauto"},
    "redis": {"url": "redis://:pw@redis.db.svc:6379/0"},
    "kafka": {"bootstrapServers": "kafka.kafka.svc:9092"},
    "hydra": {
        "adminUrl": "http://hydra-admin.auth.svc:4445",
        "clientId": "flowauto",
        "clientSecret": "hydra-pw",
    },
    "otel": {"endpoint": "http://otel-collector.observability.svc:4318"},
    "secrets": {
        "webhookKey": "w" * 32,
        "keys": "k" * 44,
        "extra": {"FLOWAUTO_SMTP__PASSWORD": "p"},
    },
    "config": {"FLOWAUTO_PY3__ENABLED": "true"},
    "extraEnv": [{"name": "TZ", "value": "UTC"}],
    "podAnnotations": {"example.com/team": "automation"},
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "flowauto"}],
    "priorityClassName": "high",
    "imagePullSecrets": [{"name": "registry"}],
    "image": {"digest": "sha256:" + "a" * 64},
}


@pytest.fixture(scope="module")
def production_values() -> dict[str, Any]:
    return values_file(PRODUCTION_VALUES)


@pytest.fixture(scope="module")
def combined() -> list[Manifest]:
    return render()


@pytest.fixture(scope="module")
def split(production_values: dict[str, Any]) -> list[Manifest]:
    return render(production_values)


def every_values_set() -> list[Any]:
    production = values_file(PRODUCTION_VALUES)
    return [
        pytest.param(None, id="defaults"),
        pytest.param(production, id="production"),
        pytest.param(EVERY_OPTION, id="combined-every-option"),
        pytest.param({**EVERY_OPTION, "roles": {"split": True}}, id="split-every-option"),
    ]


def assert_lint_clean(report: dict[str, Any], capfd: pytest.CaptureFixture[str]) -> None:
    problems = [m for m in report["messages"] if m["severity"] >= WARNING]
    assert report["errors"] == [], report
    assert problems == [], problems
    # Lint mode turns the templates' `fail` into a log line on stderr instead of an error.
    assert "fail" not in capfd.readouterr().err


def test_lint_strict_passes_with_default_values(capfd: pytest.CaptureFixture[str]) -> None:
    assert_lint_clean(lint(), capfd)


def test_lint_strict_passes_with_production_values(
    production_values: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    assert_lint_clean(lint(production_values), capfd)


def test_default_values_render_one_combined_deployment(combined: list[Manifest]) -> None:
    assert kinds(combined) == Counter(
        {
            "Deployment": 1,
            "HorizontalPodAutoscaler": 1,
            "PodDisruptionBudget": 1,
            "Service": 2,
            "ConfigMap": 1,
            "Secret": 1,
            "ServiceAccount": 1,
        }
    )
    deployment = of_kind(combined, "Deployment")["flowauto-combined"]
    assert env(deployment)["FLOWAUTO_SERVER__ROLES"] == "api,worker,scheduler"
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    assert of_kind(combined, "HorizontalPodAutoscaler")["flowauto-combined"]["spec"][
        "scaleTargetRef"
    ] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "flowauto-combined"}


def test_production_values_render_split_roles(split: list[Manifest]) -> None:
    assert kinds(split) == Counter(
        {
            "Deployment": 3,
            "HorizontalPodAutoscaler": 2,
            "PodDisruptionBudget": 2,
            "Service": 2,
            "ConfigMap": 2,
            "ServiceMonitor": 1,
            "ServiceAccount": 1,
        }
    )
    deployments = of_kind(split, "Deployment")
    assert {name: env(d)["FLOWAUTO_SERVER__ROLES"] for name, d in deployments.items()} == {
        "flowauto-api": "api",
        "flowauto-worker": "worker",
        "flowauto-scheduler": "scheduler",
    }
    targets = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in of_kind(split, "HorizontalPodAutoscaler").values()
    }
    assert targets == {"flowauto-api", "flowauto-worker"}
    assert set(of_kind(split, "PodDisruptionBudget")) == {"flowauto-api", "flowauto-worker"}


def test_scheduler_runs_exactly_one_replica_without_autoscaler(split: list[Manifest]) -> None:
    scheduler = of_kind(split, "Deployment")["flowauto-scheduler"]

    assert scheduler["spec"]["replicas"] == 1
    with pytest.raises(helm.HelmValuesError, match="scheduler"):
        render({"roles": {"split": True, "scheduler": {"replicas": 3}}})
    with pytest.raises(helm.HelmValuesError, match="scheduler"):
        render({"roles": {"split": True, "scheduler": {"autoscaling": {"enabled": True}}}})


def test_public_service_selects_only_pods_with_the_api_role(split: list[Manifest]) -> None:
    services = of_kind(split, "Service")
    public, private = services["flowauto-public"], services["flowauto-private"]

    def selected(service: Manifest) -> set[str]:
        selector = service["spec"]["selector"].items()
        return {
            name
            for name, deployment in of_kind(split, "Deployment").items()
            if selector <= deployment["spec"]["template"]["metadata"]["labels"].items()
        }

    assert selected(public) == {"flowauto-api"}
    assert selected(private) == {"flowauto-api", "flowauto-worker", "flowauto-scheduler"}
    assert public["spec"]["ports"] == [
        {"name": "public", "port": 8082, "targetPort": "public", "protocol": "TCP"}
    ]
    assert private["spec"]["type"] == "ClusterIP"
    assert private["spec"]["ports"][0]["port"] == 8083


@pytest.mark.parametrize("values", every_values_set())
def test_probes_hit_the_private_port(values: dict[str, Any] | None) -> None:
    for deployment in of_kind(render(values), "Deployment").values():
        pod = container(deployment)
        ports = {port["name"]: port["containerPort"] for port in pod["ports"]}
        assert ports["private"] == 8083
        assert ("public" in ports) == ("api" in env(deployment)["FLOWAUTO_SERVER__ROLES"])
        assert pod["livenessProbe"]["httpGet"] == {"path": "/health/alive", "port": "private"}
        assert pod["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "private"}
        assert pod["startupProbe"]["httpGet"]["port"] == "private"


@pytest.mark.parametrize("values", every_values_set())
def test_pods_run_as_non_root_on_a_read_only_root_filesystem(
    values: dict[str, Any] | None,
) -> None:
    for deployment in of_kind(render(values), "Deployment").values():
        spec, pod = pod_spec(deployment), container(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        security = pod["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        mounts = {m["mountPath"]: m["name"] for m in pod["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert env(deployment)["FLOWAUTO_DATA_DIR"] == "/var/lib/flowauto"
        for path in ("/var/lib/flowauto", "/tmp"):
            assert "emptyDir" in volumes[mounts[path]]


@pytest.mark.parametrize("values", every_values_set())
def test_containers_have_requests_limits_and_a_grace_period_beyond_the_drain(
    values: dict[str, Any] | None,
) -> None:
    for deployment in of_kind(render(values), "Deployment").values():
        resources = container(deployment)["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"}
        assert set(resources["limits"]) == {"cpu", "memory"}
        drain_s = 10
        assert pod_spec(deployment)["terminationGracePeriodSeconds"] > drain_s


def test_pods_listen_on_every_address_and_use_hydra(combined: list[Manifest]) -> None:
    deployment = of_kind(combined, "Deployment")["flowauto-combined"]
    config = of_kind(combined, "ConfigMap")["flowauto-config"]["data"]

    assert env(deployment)["FLOWAUTO_SERVER__HOST"] == "0.0.0.0"
    assert env(deployment)["FLOWAUTO_SERVER__PRIVATE_HOST"] == "0.0.0.0"
    assert config["FLOWAUTO_AUTH__MODE"] == "hydra"
    assert config["FLOWAUTO_SERVER__PUBLIC_URL"] == "http://flowauto-public.automation.svc:8082"
    assert container(deployment)["envFrom"] == [
        {"configMapRef": {"name": "flowauto-config"}},
        {"secretRef": {"name": "flowauto-secret"}},
    ]


def test_store_urls_go_to_the_secret_and_plain_settings_to_the_config_map() -> None:
    manifests = render(EVERY_OPTION)
    config = of_kind(manifests, "ConfigMap")["flowauto-config"]["data"]
    secret = of_kind(manifests, "Secret")["flowauto-secret"]["stringData"]

    assert secret == {
        "FLOWAUTO_DOCUMENT_STORE__URL": EVERY_OPTION["mongodb"]["url"],
        "FLOWAUTO_SQL__URL": EVERY_OPTION["mysql"]["url"],
        "FLOWAUTO_REDIS__URL": EVERY_OPTION["redis"]["url"],
        "FLOWAUTO_WEBHOOK__KEY": "w" * 32,
        "FLOWAUTO_SECRETS__KEYS": "k" * 44,
        "FLOWAUTO_HYDRA__CLIENT_SECRET": "hydra-pw",
        "FLOWAUTO_SMTP__PASSWORD": "p",
    }
    assert config["FLOWAUTO_KAFKA__BOOTSTRAP_SERVERS"] == "kafka.kafka.svc:9092"
    assert config["FLOWAUTO_HYDRA__ADMIN_URL"] == "http://hydra-admin.auth.svc:4445"
    assert config["FLOWAUTO_OTEL__ENDPOINT"] == "http://otel-collector.observability.svc:4318"
    assert config["FLOWAUTO_PY3__ENABLED"] == "true"
    assert config["FLOWAUTO_HYDRA__CLIENT_ID"] == "flowauto"
    assert not any("pw" in value for value in config.values())


def test_generated_keys_are_random_and_kept_in_the_secret(combined: list[Manifest]) -> None:
    secret = of_kind(combined, "Secret")["flowauto-secret"]

    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert len(secret["stringData"]["FLOWAUTO_WEBHOOK__KEY"]) >= 32
    assert len(secret["stringData"]["FLOWAUTO_SECRETS__KEYS"]) >= 32


def test_existing_secret_replaces_the_charts_secret(split: list[Manifest]) -> None:
    assert of_kind(split, "Secret") == {}
    for deployment in of_kind(split, "Deployment").values():
        assert {"secretRef": {"name": "flowauto-credentials"}} in container(deployment)["envFrom"]
    with pytest.raises(helm.HelmRenderError, match="existingSecret"):
        render({"existingSecret": "mine", "mysql": {"url": "mysql+aiomysql://a:b@c/d"}})


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values", every_values_set())
def test_every_rendered_manifest_is_valid_kubernetes(
    values: dict[str, Any] | None, kubernetes_version: str
) -> None:
    checked = Counter(
        manifest["kind"] for manifest in render(values) if validate(manifest, kubernetes_version)
    )

    assert checked["Deployment"] >= 1
    assert checked["HorizontalPodAutoscaler"] >= 1
    assert checked["PodDisruptionBudget"] >= 1


def test_strict_validation_catches_a_misspelled_field(combined: list[Manifest]) -> None:
    deployment = copy.deepcopy(of_kind(combined, "Deployment")["flowauto-combined"])
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRot"] = 1

    with pytest.raises(kubernetes_schemas.ValidationError, match="runAsNonRot"):
        validate(deployment, KUBERNETES_VERSIONS[0])


def test_service_monitor_scrapes_metrics_on_every_pods_private_port(
    split: list[Manifest],
) -> None:
    (monitor,) = of_kind(split, "ServiceMonitor").values()
    private = of_kind(split, "Service")["flowauto-private"]

    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor["spec"]["selector"]["matchLabels"].items()
    assert selector <= private["metadata"]["labels"].items()
    assert (
        not selector <= of_kind(split, "Service")["flowauto-public"]["metadata"]["labels"].items()
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["automation"]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "private"
    assert endpoint["path"] == "/metrics"
    assert {"interval", "scrapeTimeout"} <= endpoint.keys()


def test_service_monitor_and_dashboard_are_off_by_default(combined: list[Manifest]) -> None:
    assert "ServiceMonitor" not in kinds(combined)
    assert set(of_kind(combined, "ConfigMap")) == {"flowauto-config"}


def test_dashboard_config_map_carries_the_dashboard_for_grafana(split: list[Manifest]) -> None:
    dashboard = of_kind(split, "ConfigMap")["flowauto-dashboard"]

    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["flowauto.json"]) == json.loads(DASHBOARD.read_text())


def test_schema_rejects_replicas_given_as_text() -> None:
    bad = {"roles": {"api": {"replicas": "two"}}}

    with pytest.raises(helm.HelmValuesError, match="/roles/api/replicas"):
        render(bad)
    report = lint(bad)
    assert any("/roles/api/replicas" in error for error in report["errors"])


def test_schema_rejects_unknown_keys() -> None:
    with pytest.raises(helm.HelmValuesError, match="replica"):
        render({"roles": {"worker": {"replica": 3}}})


def test_chart_refuses_a_grace_period_shorter_than_the_drain() -> None:
    with pytest.raises(helm.HelmRenderError, match="terminationGracePeriodSeconds"):
        render({"terminationGracePeriodSeconds": 15, "engine": {"drainSeconds": 30}})


def test_notes_warn_about_embedded_stores_and_missing_hydra(
    production_values: dict[str, Any],
) -> None:
    assert "embedded SQLite" in notes()
    assert "hydra.adminUrl is empty" in notes()
    assert "WARNING" not in notes(production_values)
