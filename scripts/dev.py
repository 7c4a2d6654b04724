#!/usr/bin/env python3
"""Set-up and entry points for a machine that has only python3.

    python3 scripts/dev.py serve [serve options]   install, then run the server on embedded defaults
    python3 scripts/dev.py test [pytest options]   install, then lint, type-check and run every test

Both create ./.venv on first use and reinstall only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LINTED = ["flowauto", "tests", "scripts", "bench", "mock_server"]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "serve":
        install(extra="")
        return run([str(BIN / "flowauto"), "serve", *rest])
    install(extra="[dev]")
    return test(rest)


def install(extra: str) -> None:
    """Creates the virtualenv and installs the project when pyproject.toml changed."""
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / f".installed{extra or '[run]'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    check([*pip, "--upgrade", "pip"])
    check([*pip, "-e", f"{ROOT}{extra}"])
    stamp.write_text(digest)


def test(pytest_args: list[str]) -> int:
    steps = [
        [str(BIN / "ruff"), "check", *LINTED],
        [str(BIN / "ruff"), "format", "--check", *LINTED],
        [str(BIN / "mypy"), "--strict", "flowauto"],
        [str(BIN / "lint-imports")],
    ]
    for step in steps:
        if run(step) != 0:
            print(f"FAILED: {Path(step[0]).name} {' '.join(step[1:])}", file=sys.stderr)
            return 1
    return run([str(BIN / "python"), "-m", "pytest", *pytest_args])


def run(command: list[str]) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT)


def check(command: list[str]) -> None:
    if run(command) != 0:
        sys.exit(f"failed: {' '.join(command)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
