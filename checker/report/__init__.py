"""Renderers of a CheckResult, one module per format, chosen by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..findings import CheckResult

# format name → module in checker/report/ exposing render(result, options) -> str
RENDERERS = {"text": "text", "json": "json", "html": "html", "md": "markdown", "sarif": "sarif", "junit": "junit"}
FORMATS = tuple(RENDERERS)


@dataclass(frozen=True)
class RenderOptions:
    colour: bool = False
    fail_on: str = "breach"
    verbose: bool = False


def render(fmt: str, result: CheckResult, options: RenderOptions) -> str:
    module = importlib.import_module(f"checker.report.{RENDERERS[fmt]}")
    text: str = module.render(result, options)
    return text
