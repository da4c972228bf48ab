"""Helpers for tests: run the CLI, import the samples' sources."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from click.testing import CliRunner, Result

from aggregator.cli import main
from aggregator.samples_server import SOURCES_FILE


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def import_samples(base: str) -> None:
    result = cli("sources", "import", str(SOURCES_FILE), "--base", base)
    assert result.exit_code == 0, result.output


def events_json(*args: str) -> list[dict[str, Any]]:
    result = cli("events", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.output)
    return data


def ess_agenda(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed console script in a real process."""
    command = [sys.executable, "-m", "aggregator.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=300)


def save(recorder: Any, fields: Any) -> None:
    """What the store pipeline does with one listing, in the calling thread: classify it, and write
    the batch when it is ready."""
    if recorder.add(fields):
        recorder.write()
