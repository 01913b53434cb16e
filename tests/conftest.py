from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONTRACT = ROOT / "contracts" / "openai-microsoft-2019.yaml"
EXAMPLE_EVENTS = ROOT / "examples" / "openai-microsoft-events.jsonl"


@pytest.fixture
def root() -> Path:
    return ROOT
