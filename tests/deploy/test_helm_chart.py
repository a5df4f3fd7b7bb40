"""The Helm chart (deploy/helm/framewise), rendered with Helm's engine and checked offline: the
Kubernetes schemas (kubernetes-validate), KEDA's vendored CRD schema, and the services themselves
(their settings classes, console scripts, ports and health routes)."""

import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from tests.tools import requires

requires("helm_python", package="helm-python-sdk")
kubernetes_validate = requires("kubernetes_validate", package="kubernetes-validate")
jsonschema = requires("jsonschema")

from deploy.k8s_manifests import render  # noqa: E402 - after the guard that names the missing package
from framewise.domain.routing import QueueName  # noqa: E402
from framewise_api.migrate import MigrateSettings  # noqa: E402
from framewise_api.routers import health as api_health  # noqa: E402
from framewise_api.settings import ApiSettings  # noqa: E402
from framewise_ml.routers import health as ml_health  # noqa: E402
from framewise_ml.settings import MlSettings  # noqa: E402
from framewise_worker.settings import WorkerSettings  # noqa: E402

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
KEDA_CRD = ROOT / "deploy" / "keda" / "keda.sh_scaledobjects.yaml"
KUBERNETES_VERSIONS = ["1.29", "1.33", kubernetes_validate.latest_version()]  # Chart.yaml: kubeVersion >=1.27

# Each component's container: the settings class its program reads, and the pyproject that names it.
SETTINGS: dict[str, type[BaseSettings] | None] = {
    "api": ApiSettings,
    "worker-cpu": WorkerSettings,
    "worker-gpu": WorkerSettings,
    "ml": MlSettings,
    "migrate": MigrateSettings,
    "models": None,  # framewise-ml-models takes the cache folder as its argument
}
PYPROJECT = {
    "api": "api-service",
    "worker-cpu": "worker-service",
    "worker-gpu": "worker-service",
    "ml": "ml-service",
    "migrate": "api-service",
    "models": "ml-service",
}
PROGRAM = {
    "api": "framewise-api",
    "worker-cpu": "framewise-worker",
    "worker-gpu": "framewise-worker",
    "ml": "framewise-ml",
    "migrate": "framewise-migrate",
    "models": "framewise-ml-models",
}
# What the Secret's entries look like, to build each settings class from the chart's environment.
SECRET_SAMPLES = {
    "DATABASE_URL": "postgresql://framewise:pw@postgresql:5432/framewise",
    "VALKEY_URL": "redis://:pw@valkey:6379/0",
    "API_TOKENS": "test-only-token-0123456789",
    "ML_TOKEN": "test-only-ml-token-0123456789",
}
SECRET_SETTINGS = set(SECRET_SAMPLES) | {"MEDIA_SIGNING_KEY"}


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return render()


def of_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def pod_specs(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(component, pod spec) of every Deployment and Job."""
    for m in manifests:
        if m["kind"] in {"Deployment", "Job"}:
            yield (
                m["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"],
                m["spec"]["template"]["spec"],
            )


def container(manifests: list[dict[str, Any]], component: str) -> dict[str, Any]:
    (spec,) = [spec for c, spec in pod_specs(manifests) if c == component]
    (only,) = spec["containers"]
    return dict(only)


def env_of(c: dict[str, Any]) -> dict[str, str]:
    """The container's environment, each Secret reference replaced by a sample of what it holds."""
    env = {}
    for var in c.get("env", []):
        if "valueFrom" in var:
            ref = var["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "framewise"
            env[var["name"]] = SECRET_SAMPLES[ref["key"]]
        else:
            env[var["name"]] = var["value"]
    return env


def read_names(cls: type[BaseSettings]) -> set[str]:
    """Every environment variable the settings class reads: its fields and their aliases, upper case."""
    names = set()
    for name, field in cls.model_fields.items():
        names.add(name.upper())
        alias = field.validation_alias
        if alias is not None and hasattr(alias, "choices"):
            names |= {str(choice).upper() for choice in alias.choices}
    return names


def test_make_k8s_manifests_prints_every_manifest_as_multi_document_yaml(manifests: list[dict[str, Any]]) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "k8s-manifests:" in makefile and "deploy/k8s_manifests.py" in makefile
    out = subprocess.run(
        [sys.executable, "deploy/k8s_manifests.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert [d for d in yaml.safe_load_all(out) if d] == manifests
    kinds = {m["kind"] for m in manifests}
    assert kinds == {
        "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ScaledObject",
        "NetworkPolicy", "Job", "PersistentVolumeClaim",
    }  # fmt: skip
    assert "Secret" not in kinds


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_core_object_passes_the_kubernetes_schemas(manifests: list[dict[str, Any]], version: str) -> None:
    core = [m for m in manifests if not m["apiVersion"].startswith("keda.sh/")]
    for m in core:
        kubernetes_validate.validate(m, version, strict=True)  # raises on any error, unknown fields too
    assert len(core) == len(manifests) - 2


def test_a_misspelt_field_fails_the_kubernetes_schemas(manifests: list[dict[str, Any]]) -> None:
    deployment = of_kind(manifests, "Deployment")["framewise-api"]
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def keda_schema() -> dict[str, Any]:
    """ScaledObject's schema from KEDA's CRD, strict as the API server's pruning is: a field the CRD does
    not declare would be dropped without a word, so here it is an error."""
    crd = yaml.safe_load(KEDA_CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]

    def close(node: object) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def test_keda_scaled_objects_pass_kedas_crd_schema(manifests: list[dict[str, Any]]) -> None:
    schema = keda_schema()
    scaled = of_kind(manifests, "ScaledObject")
    assert set(scaled) == {"framewise-worker-cpu", "framewise-worker-gpu"}
    for m in scaled.values():
        assert m["apiVersion"] == "keda.sh/v1alpha1"
        jsonschema.validate(m, schema)
    broken = {**scaled["framewise-worker-cpu"], "spec": {**scaled["framewise-worker-cpu"]["spec"], "maxReplicas": 3}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_each_worker_pool_scales_on_its_own_queue(manifests: list[dict[str, Any]]) -> None:
    deployments = of_kind(manifests, "Deployment")
    for name, m in of_kind(manifests, "ScaledObject").items():
        pool = name.removeprefix("framewise-worker-")
        assert m["spec"]["scaleTargetRef"]["name"] == name and name in deployments
        assert env_of(container(manifests, f"worker-{pool}"))["GPU_MODE"] == pool
        (trigger,) = m["spec"]["triggers"]
        assert trigger["type"] == "prometheus"
        assert trigger["metadata"]["query"] == f'max(framewise_queue_ready_jobs{{queue="{QueueName(f"{pool}_jobs")}"}})'
        assert 1 <= m["spec"]["minReplicaCount"] <= m["spec"]["maxReplicaCount"]
        assert "replicas" not in deployments[name]["spec"]  # KEDA owns the count


def test_the_api_scales_on_cpu(manifests: list[dict[str, Any]]) -> None:
    (hpa,) = of_kind(manifests, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "framewise-api"}
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert "cpu" in container(manifests, "api")["resources"]["requests"]  # utilisation needs a request


@pytest.mark.parametrize("component", [c for c, cls in SETTINGS.items() if cls is not None])
def test_the_chart_sets_every_setting_the_service_needs_and_none_it_does_not_read(
    manifests: list[dict[str, Any]], component: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = SETTINGS[component]
    assert cls is not None
    env = env_of(container(manifests, component))
    read = read_names(cls)
    assert set(env) <= read, f"{component} does not read {sorted(set(env) - read)}"
    required = {name.upper() for name, field in cls.model_fields.items() if field.is_required()}
    assert required <= set(env), f"{component} needs {sorted(required - set(env))}"
    for name in read:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cls(_env_file=None)  # type: ignore[call-arg]  # the service starts on this environment (validators too)


def test_credentials_come_from_the_secret_by_reference_only(manifests: list[dict[str, Any]]) -> None:
    for component, spec in pod_specs(manifests):
        for var in spec["containers"][0].get("env", []):
            if var["name"] in SECRET_SETTINGS:
                assert "value" not in var and "secretKeyRef" in var["valueFrom"], (component, var["name"])


def test_commands_are_the_services_console_scripts(manifests: list[dict[str, Any]]) -> None:
    for component, project in PYPROJECT.items():
        scripts = tomllib.loads((ROOT / project / "pyproject.toml").read_text())["project"]["scripts"]
        command = container(manifests, component)["command"]
        assert command[0] == PROGRAM[component] and command[0] in scripts, component
    assert container(manifests, "migrate")["command"] == ["framewise-migrate", "upgrade"]
    models = container(manifests, "models")
    assert models["command"] == ["framewise-ml-models", models["volumeMounts"][0]["mountPath"]]
    assert models["command"][1] == env_of(container(manifests, "ml"))["MODEL_CACHE_DIR"]


def served(router: Any) -> set[str]:
    return {route.path for route in router.routes}


def probe_port(c: dict[str, Any], probe: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    return int(port) if isinstance(port, int) else {p["name"]: p["containerPort"] for p in c["ports"]}[port]


def test_ports_and_probes_are_what_the_services_serve(manifests: list[dict[str, Any]]) -> None:
    api, ml = container(manifests, "api"), container(manifests, "ml")
    api_env, ml_env = env_of(api), env_of(ml)
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz" and "/healthz" in served(api_health.router)
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz" and "/readyz" in served(api_health.router)
    for probe in ("livenessProbe", "readinessProbe"):
        assert probe_port(api, api[probe]) == int(api_env["API_PORT"])
    assert ml["livenessProbe"]["httpGet"]["path"] == "/livez" and "/livez" in served(ml_health.router)
    assert ml["startupProbe"]["httpGet"]["path"] == "/livez"
    assert ml["readinessProbe"]["httpGet"]["path"] == "/readyz" and "/readyz" in served(ml_health.router)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert probe_port(ml, ml[probe]) == int(ml_env["ML_PORT"])
    assert api_env["API_HOST"] == ml_env["ML_HOST"] == "0.0.0.0"  # reachable from other pods
    for pool in ("cpu", "gpu"):
        worker = container(manifests, f"worker-{pool}")
        env = env_of(worker)
        # The worker serves only Prometheus's exporter, on WORKER_METRICS_PORT (any path answers /metrics).
        assert worker["livenessProbe"]["httpGet"]["path"] == "/metrics"
        assert probe_port(worker, worker["livenessProbe"]) == int(env["WORKER_METRICS_PORT"])
        assert env["WORKER_METRICS_HOST"] == "0.0.0.0"
    services = of_kind(manifests, "Service")
    assert services["framewise-ml"]["spec"]["type"] == "ClusterIP"
    (ml_port,) = services["framewise-ml"]["spec"]["ports"]
    assert ml_port["port"] == int(ml_env["ML_PORT"])
    for caller in ("api", "worker-cpu", "worker-gpu"):
        assert env_of(container(manifests, caller))["ML_SERVICE_URL"] == f"http://framewise-ml:{ml_port['port']}"


def test_termination_grace_covers_the_workers_drain(manifests: list[dict[str, Any]]) -> None:
    for pool in ("cpu", "gpu"):
        (spec,) = [s for c, s in pod_specs(manifests) if c == f"worker-{pool}"]
        drain = int(env_of(spec["containers"][0])["SHUTDOWN_GRACE_S"])
        assert drain < spec["terminationGracePeriodSeconds"] <= drain + 30


def test_every_service_has_a_disruption_budget(manifests: list[dict[str, Any]]) -> None:
    deployments = of_kind(manifests, "Deployment")
    budgets = of_kind(manifests, "PodDisruptionBudget")
    assert set(budgets) == set(deployments)
    for name, pdb in budgets.items():
        assert pdb["spec"]["selector"]["matchLabels"] == deployments[name]["spec"]["selector"]["matchLabels"]


def test_the_ml_service_asks_for_a_gpu_on_the_nodes_the_values_name(manifests: list[dict[str, Any]]) -> None:
    (spec,) = [s for c, s in pod_specs(manifests) if c == "ml"]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    # Helm merges a map given with the default one: null drops a default key.
    selector = {"nvidia.com/gpu.present": None, "pool": "a100"}
    custom = render({"ml": {"gpus": 2, "nodeSelector": selector, "tolerations": []}})
    (spec,) = [s for c, s in pod_specs(custom) if c == "ml"]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert spec["nodeSelector"] == {"pool": "a100"} and "tolerations" not in spec


def components_allowed(policy: dict[str, Any]) -> set[str]:
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    (instance, component) = source["podSelector"]["matchExpressions"]
    assert instance == {"key": "app.kubernetes.io/instance", "operator": "In", "values": ["framewise"]}
    assert component["key"] == "app.kubernetes.io/component"
    return set(component["values"])


def test_network_policies_let_only_the_services_reach_the_ml_service_and_the_stores(
    manifests: list[dict[str, Any]],
) -> None:
    policies = of_kind(manifests, "NetworkPolicy")
    ml = policies["framewise-ml"]
    assert ml["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "ml"
    assert components_allowed(ml) == {"api", "worker-cpu", "worker-gpu"}
    assert components_allowed(policies["framewise-postgresql"]) == {"api", "worker-cpu", "worker-gpu", "migrate"}
    assert components_allowed(policies["framewise-valkey"]) == {"api", "worker-cpu", "worker-gpu", "ml"}
    assert policies["framewise-postgresql"]["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "postgresql"
    }
    # Every component a policy admits is one the chart runs.
    components = {c for c, _ in pod_specs(manifests)}
    for policy in policies.values():
        assert components_allowed(policy) <= components


def test_migrations_run_as_a_hook_before_the_new_version_serves(manifests: list[dict[str, Any]]) -> None:
    jobs = of_kind(manifests, "Job")
    assert jobs["framewise-migrate"]["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The model cache fills once its claim exists: after install and upgrade.
    assert jobs["framewise-models"]["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"


def test_media_is_shared_read_write_many_or_an_existing_claim(manifests: list[dict[str, Any]]) -> None:
    claims = of_kind(manifests, "PersistentVolumeClaim")
    assert claims["framewise-media"]["spec"]["accessModes"] == ["ReadWriteMany"]
    custom = render({"media": {"existingClaim": "library"}})
    assert "framewise-media" not in of_kind(custom, "PersistentVolumeClaim")
    for _, spec in pod_specs(custom):
        for volume in spec.get("volumes", []):
            if volume["name"] == "media":
                assert volume["persistentVolumeClaim"]["claimName"] == "library"


def test_helm_lint_finds_nothing_above_information() -> None:
    helm_python = requires("helm_python", package="helm-python-sdk")
    report = helm_python.lint(str(ROOT / "deploy" / "helm" / "framewise"), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] > 1] == []  # 1: information (the chart has no icon)


OTHER_SHAPES = {
    "without KEDA or the HPA": {"keda": {"enabled": False}, "api": {"autoscaling": {"enabled": False}}},
    "existing claims, no model job": {
        "media": {"existingClaim": "library"},
        "modelCache": {"existingClaim": "models", "fill": False},
    },
    "stores elsewhere": {"postgresql": {"podSelector": None}, "valkey": {"podSelector": None}},
    "prometheus scrapes the ML service": {
        "ml": {"metricsFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}
    },
}


@pytest.mark.parametrize("values", OTHER_SHAPES.values(), ids=OTHER_SHAPES.keys())
def test_other_shapes_of_the_values_render_valid_manifests(values: dict[str, Any]) -> None:
    rendered = render(values)
    schema = keda_schema()
    for m in rendered:
        if m["apiVersion"].startswith("keda.sh/"):
            jsonschema.validate(m, schema)
        else:
            kubernetes_validate.validate(m, KUBERNETES_VERSIONS[-1], strict=True)
    kinds = [m["kind"] for m in rendered]
    if values.get("keda"):
        assert "ScaledObject" not in kinds and "HorizontalPodAutoscaler" not in kinds
        deployments = of_kind(rendered, "Deployment")
        assert deployments["framewise-worker-cpu"]["spec"]["replicas"] == 1
        assert deployments["framewise-api"]["spec"]["replicas"] == 2
    if "modelCache" in values:
        assert "PersistentVolumeClaim" not in kinds and set(of_kind(rendered, "Job")) == {"framewise-migrate"}
    if "valkey" in values:
        assert set(of_kind(rendered, "NetworkPolicy")) == {"framewise-ml"}
    if "ml" in values:
        ml = of_kind(rendered, "NetworkPolicy")["framewise-ml"]
        assert [rule["from"] for rule in ml["spec"]["ingress"]][1] == values["ml"]["metricsFrom"]
