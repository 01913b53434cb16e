"""`contract-check rules` and the generated docs/rules.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.authoring.ruledocs import REGENERATE, generate, render_condition, render_measure, render_operand
from checker.cli import main
from checker.language.templates import load_templates
from checker.models import MeasureSpec

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    fresh = generate("md")
    current = DOCS.read_text(encoding="utf-8") if DOCS.is_file() else ""
    assert current == fresh, (
        f"docs/rules.md is stale (a rule template or policy changed). Regenerate it from the "
        f"repository root with:\n    {REGENERATE}"
    )


@pytest.mark.parametrize("fmt", ["text", "md"])
def test_every_template_row_and_parameter_is_documented(fmt: str) -> None:
    text = generate(fmt)
    for tid, loaded in load_templates().items():
        t = loaded.template
        assert tid in text and t.title in text
        for name, spec in t.parameters.items():
            assert name in text and " ".join(spec.doc.split())[:40] in " ".join(text.split())
        for ob in t.obligations:
            for row in ob.verdicts:
                assert row.reason in text


def test_md_verdict_table_keeps_row_order_and_finality() -> None:
    text = generate("md")
    section = text.split("## percentage-payment", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and line[2].isdigit()]
    reasons = [line.split("|")[3].strip().strip("`") for line in rows]
    assert reasons == ["cap-reached", "paid", "paid", "within-window", "late", "underpaid", "overdue"]
    assert rows[0].split("|")[4].strip() == "yes" and rows[3].split("|")[4].strip() == "no"
    assert "`paid_in_window ≥ due`" in rows[2]
    assert rows[-1].split("|")[5].strip() == "`otherwise`"


def test_rules_command_text_and_md(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("answer-within — Answer within a period")
    assert "\ncontract-term — Contract term" in out
    assert "most-favoured-pricing — Most-favoured-customer pricing" in out
    assert main(["--no-config", "rules", "--format", "md"]) == 0
    assert capsys.readouterr().out == generate("md")
    # This repository's workspace config layers the example's red lines over the bundled policies.
    assert main(["--config", str(ROOT / "contract-check.toml"), "rules", "--format", "md"]) == 0
    assert "### `red-line-revenue-share`" in capsys.readouterr().out and "red-line" not in generate("md")


def test_policies_are_listed_when_present(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("policies"))
    (rules / "policies").mkdir()
    (rules / "policies" / "caps.yaml").write_text(
        "id: payment-has-cap\nseverity: high\nmessage: A percentage payment must name a cumulative cap.\n"
        "doc: >\n  Uncapped revenue shares | are refused.\n",
        encoding="utf-8",
    )
    (rules / "policies" / "more.yaml").write_text(
        "policies:\n"
        "  - id: assumption-documented\n"
        "    title: Assumptions give a reason\n"
        "    severity: warning\n"
        "    doc: Assumptions need a reason.\n"
        "    checks:\n"
        "      - {subject: {kind: parameter}, message: 'clause ${subject.clause}: say why'}\n"
        "      - {subject: {kind: definition}, message: 'definition ${subject.name}: say why'}\n",
        encoding="utf-8",
    )
    assert main(["rules", "--rules", str(rules), "--format", "md"]) == 0
    md = capsys.readouterr().out
    policies = md.split("## Term policies", 1)[1]
    assert "### `assumption-documented` — Assumptions give a reason" in policies
    assert f"Severity: warning (`{rules / 'policies' / 'more.yaml'}`)" in policies
    assert "- `clause ${subject.clause}: say why`\n- `definition ${subject.name}: say why`" in policies
    assert "Uncapped revenue shares | are refused." in policies
    assert "- `A percentage payment must name a cumulative cap.`" in policies
    assert policies.index("assumption-documented") < policies.index("payment-has-cap")
    assert main(["rules", "--rules", str(rules)]) == 0
    text = capsys.readouterr().out
    assert "  payment-has-cap (high)" in text and "reports “clause ${subject.clause}: say why”" in text


def test_a_layer_without_policies_lists_the_bundled_ones_once(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("policies"))
    md = generate("md", rules)
    assert md.split("## Term policies", 1)[1] == generate("md").split("## Term policies", 1)[1]
    assert md.count("### `deadline-defined`") == 1


def test_a_workspace_template_overrides_a_bundled_one_and_says_so(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (ROOT / "rules" / "notice-before.yaml").read_text(encoding="utf-8")
    (rules / "notice-before.yaml").write_text(text.replace("title: ", "title: Our ", 1), encoding="utf-8")
    assert main(["--no-config", "rules", "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "notice-before — Our " in out and f"(from {rules / 'notice-before.yaml'})" in out
    assert "perform-within — " in out and out.count("(bundled)") == len(list((ROOT / "rules").glob("*.yaml"))) - 1


def test_bad_policy_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("policies"))
    (rules / "policies").mkdir()
    (rules / "policies" / "bad.yaml").write_text("- just a string\n", encoding="utf-8")
    assert main(["rules", "--rules", str(rules)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cond", "text"),
    [
        (["paid_in_window", ">=", "due"], "paid_in_window ≥ due"),
        (["provider", "!=", "$holder"], "provider ≠ $holder"),
        (["obligation.kind", "not in", "$in_scope"], "obligation.kind not in $in_scope"),
        (["answer.decision", "in", ["accept", "decline"]], "answer.decision in [accept, decline]"),
        (["now", ">=", {"plus": ["latest_offer.time", {"days": "$window_days"}]}],
         "now ≥ latest_offer.time + $window_days days"),
        ({"exists": "prior"}, "prior exists"),
        ({"missing": "latest_offer"}, "no latest_offer"),
        ({"nonempty": "prior.conditions"}, "prior.conditions is not empty"),
    ],
)
def test_render_condition(cond: object, text: str) -> None:
    assert render_condition(cond) == text


def test_render_measure_and_operand() -> None:
    assert render_measure(MeasureSpec(sum="payment", of="{amount_field}", where=[["time", "<=", "deadline"]])) == (
        "sum of {amount_field} over payment where time ≤ deadline"
    )
    assert render_measure(MeasureSpec(minus=["due", "paid"])) == "due − paid"
    assert render_measure(MeasureSpec(last="offer")) == "last offer"
    assert render_operand({"minus": ["deadline", {"days": 3}]}) == "deadline − 3 days"


def test_the_rules_command_offers_the_formats_ruledocs_renders() -> None:
    from checker.authoring import ruledocs
    from checker.commands import rules

    assert rules.FORMATS == ruledocs.FORMATS and rules.REGENERATE == ruledocs.REGENERATE
