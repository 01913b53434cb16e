"""`contract-check lint`: contract and proposal files checked against declarative term policies.

Files → the contract each stands for (a proposal: the amended contract) → facts → policies
evaluated by the engine → findings placed at file:line:col.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ...errors import CheckError
from ...language.contracts import check_contract
from ...language.proposals import WORKING_TREE, Source, load_document
from ...language.templates import LoadedTemplate
from .evaluate import LintFinding, run_policies
from .facts import make_facts
from .policies import SEVERITY_ORDER, Policy, default_policy_dirs, load_policies

__all__ = ["LOADER_POLICY", "LintFinding", "Policy", "SEVERITY_ORDER", "default_policy_dirs", "lint_file", "load_policies"]

# The loader's own check (the one `check` runs on a contract), reported like a policy.
LOADER_POLICY = "contract-valid"
LOADER_TITLE = "The contract loads: every clause names a rule template and fills its parameters correctly"
LOADER_DOC = (
    "The checks `contract-check check` makes when it loads a contract: each clause names a known rule "
    "template, gives each parameter the template needs with a value of the right type, and refers to "
    "existing definitions, parties and clauses. A problem a policy already reports on the same line is "
    "not reported twice."
)


def lint_file(
    path: Path, templates: Mapping[str, LoadedTemplate], policies: list[Policy], source: Source = WORKING_TREE
) -> list[LintFinding]:
    """The findings of one contract or proposal file, sorted by place; CheckError if it cannot be read."""
    doc = load_document(path, templates, source, validate=False)
    findings = run_policies(policies, doc, make_facts(doc, templates))
    try:
        check_contract(doc.loaded, templates)
    except CheckError as exc:
        file = exc.file or doc.path
        line = exc.line or 1
        if not any(f.severity == "error" and f.file == file and f.line == line for f in findings):
            findings.append(LintFinding(file, line, exc.col or 1, "error", LOADER_POLICY, exc.message))
    return sorted(set(findings), key=LintFinding.sort_key)
