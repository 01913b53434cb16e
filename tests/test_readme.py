"""The README stays true to the repository: every bundled template is listed, and the set-up
commands it gives are the ones CI runs."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_bundled_template_is_listed() -> None:
    listed = README.split("### Bundled templates", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"^- `([a-z0-9-]+)`", listed, re.MULTILINE))
    bundled = {p.stem for p in (ROOT / "rules").glob("*.yaml")}
    assert names == bundled, f"listed but not bundled: {names - bundled}; bundled but not listed: {bundled - names}"


def test_ci_runs_the_readme_test_command() -> None:
    assert "python -m pytest" in README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
