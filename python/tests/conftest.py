"""Shared helpers: the checkout root, the built `tokstat` binary, its JSON and its errors."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("TOKSTAT_BIN", ROOT / "target" / "release" / "tokstat"))
CODE = str(ROOT / "corpora" / "code")
MULTILINGUAL = str(ROOT / "corpora" / "multilingual")


def cli(*args: str) -> subprocess.CompletedProcess:
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `cargo build --release` first")
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, cwd=ROOT)


def cli_json(*args: str):
    out = cli(*args, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def cli_error(*args: str) -> str:
    """The message the command line prints for a failing command (without `Error: `)."""
    out = cli(*args)
    assert out.returncode != 0
    line = out.stderr.strip()
    assert line.startswith("Error: "), line
    return line[len("Error: "):]
