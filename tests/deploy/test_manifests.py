"""The Kubernetes manifests and the Dockerfile agree with the app's settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from app import create_app
from app.config import SETTINGS, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    kinds = {d["kind"] for d in documents()}
    assert {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ConfigMap",
        "Secret",
    } <= kinds


def test_settings_in_configmap_are_real_and_valid() -> None:
    data = one("ConfigMap", "propdesk")["data"]
    known = {s.name for s in SETTINGS} | {"WEB_CONCURRENCY"}
    assert set(data) <= known, set(data) - known
    secret = one("Secret", "propdesk")["stringData"]
    env = {k: v for k, v in data.items() if k.startswith("PROPDESK_")}
    env.update({k: v for k, v in secret.items() if k.startswith("PROPDESK_")})
    env.pop("PROPDESK_CA_BUNDLE")  # a file mounted in the pod
    settings = Settings.from_env(env)
    deployment = one("Deployment", "propdesk")
    assert settings.replicas == deployment["spec"]["replicas"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    from_secret = {e["name"] for e in env if "secretKeyRef" in e.get("valueFrom", {})}
    assert {k for k in secret if k.startswith("PROPDESK_")} == from_secret
    if deployment["spec"]["replicas"] > 1:
        assert settings.database.startswith("postgresql+psycopg://")
        assert settings.session_backend == "redis"
        assert settings.redis_url.startswith("redis://propdesk-redis:")
        one("Service", "propdesk-redis")


def test_probes_ports_and_security_context() -> None:
    deployment = one("Deployment", "propdesk")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    data = one("ConfigMap", "propdesk")["data"]
    port = int(data["PROPDESK_BIND"].rsplit(":", 1)[1])
    assert container["ports"][0] == {"name": "http", "containerPort": port}
    app = create_app(Settings.from_env({"PROPDESK_DEMO": "1"}))
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz" in rules
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" in rules
    service = one("Service", "propdesk")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    useradd = re.search(r"--uid (\d+)", (ROOT / "Dockerfile").read_text())
    assert useradd, "the Dockerfile creates no user with --uid"
    uid = int(useradd.group(1))
    assert pod["securityContext"]["runAsUser"] == uid and pod["securityContext"]["runAsNonRoot"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert pod["automountServiceAccountToken"] is False
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/tmp", "/var/lib/propdesk/sessions"} <= mounts  # the only writable places
    assert container["resources"]["limits"]["memory"]


def test_network_policy_admits_only_the_proxy() -> None:
    policy = one("NetworkPolicy", "propdesk")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "propdesk"}
    sources = policy["spec"]["ingress"]
    assert len(sources) == 1 and sources[0]["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "sso-proxy"}}}
    ]


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.12-slim$", text, re.M)
    assert text.count("FROM ${BASE}") == 2  # multi-stage on the same base
    assert "USER 10001:10001" in text and "PYTHONUNBUFFERED=1" in text
    assert re.search(
        r'^CMD \["python3", "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"', text, re.M
    )
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "--mount=type=secret,id=pip_ca" in text
