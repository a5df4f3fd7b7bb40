"""Render the Helm chart (deploy/helm/framewise) to Kubernetes manifests, as `helm template` would.

No `helm` binary is installable from the registries this project uses (PyPI, npm, Debian), so this
renders with Helm's own Go engine through helm-python-sdk (a PyPI wheel binding Helm v4's SDK, the
code behind `helm template`). `make -s k8s-manifests` prints the manifests of the default values.
"""

import sys
from pathlib import Path
from typing import Any

import helm_python
import yaml

CHART = Path(__file__).resolve().parent / "helm" / "framewise"
RELEASE = "framewise"
NAMESPACE = "framewise"


def render_text(values: dict[str, Any] | None = None) -> str:
    """Every manifest the chart renders (hooks included), as multi-document YAML in template order."""
    with helm_python.Chart.load(str(CHART)) as chart:
        rendered = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    documents = []
    for source in sorted(p for p in rendered if p.endswith((".yaml", ".yml"))):
        for doc in rendered[source].split("\n---"):
            body = doc.strip().removeprefix("---").strip()
            if body and yaml.safe_load(body) is not None:
                documents.append(f"---\n# Source: {source}\n{body}\n")
    return "".join(documents)


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rendered manifests, parsed."""
    return [doc for doc in yaml.safe_load_all(render_text(values)) if doc]


def main() -> None:
    sys.stdout.write(render_text())


if __name__ == "__main__":
    main()
