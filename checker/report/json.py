"""The findings document (schema contract-check/findings/1): byte-identical for the same input."""

from __future__ import annotations

from typing import Any

import orjson

from ..findings import CheckResult


def render(result: CheckResult, options: Any = None) -> str:
    return orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n"
