"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit package.

`pre-commit try-repo` clones the hook repository's HEAD commit, so the test commits a copy of
this working tree to a temporary repository and points try-repo at it; pre-commit then builds
the hook environment from it (`language: python`: pip installs this project, fetching its
dependencies from the package index). These tests run in CI (CI=true): there a missing
pre-commit is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
GOOD = """\
proposal:
  id: no-agi
  title: Strike the AGI clause, settle the equity stake
  amends: openai-microsoft-2019
  changes:
    - remove: {clause: agi-clause}
    - equity: {holder: microsoft, percent: 30}
"""
BAD = """\
proposal:
  id: shorter-rofr-freedom
  title: A declined ROFR offer frees OpenAI for 10 days only, equity still open
  amends: openai-microsoft-2019
  changes:
    - set: {clause: cloud-rofr, parameters: {free_for: {days: 10}}}
    - equity: {holder: microsoft, percent: {min: 20, max: 49}}
"""


def _require_pre_commit() -> None:
    if importlib.util.find_spec("pre_commit") is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed: it belongs to the test extra")
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    # pre-commit builds the hook's environment, compiling durable-rules again: on Python 3.13 it
    # needs the README's flag (harmless before 3.13).
    env.setdefault("CPPFLAGS", "-DPyEval_CallObject=PyObject_CallObject")
    env.pop("PRE_COMMIT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1200, check=False)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def test_manifest_is_valid(tmp_path: Path) -> None:
    _require_pre_commit()
    done = pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT, home=tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["contract-terms", "contract-impact"]
    assert hooks[0]["entry"] == "contract-check lint --skip-non-contracts"
    assert hooks[1]["entry"] == "contract-check diff --against HEAD --skip-non-contracts"
    # Every YAML file, wherever the team keeps its contracts; the command skips the others.
    assert all(h["types"] == ["yaml"] and "files" not in h for h in hooks)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (tracked and untracked files, not ignored ones) committed to a new repository."""
    _require_pre_commit()
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                                capture_output=True, check=True).stdout.decode().split("\0")
    except (subprocess.CalledProcessError, OSError):
        pytest.skip("the project is not a git checkout")
    target = tmp_path_factory.mktemp("hooks")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "snapshot of the working tree")
    return target


CONFIG = """\
[contract-check]
contracts = ["{folder}"]
policies = ["policies"]
events = ["examples/openai-microsoft-events.jsonl"]
"""


def make_user_repo(repo: Path, folder: str = "contracts") -> Path:
    """A workspace with the example contract, its log and its red lines committed, two proposals staged."""
    (repo / folder / "proposals").mkdir(parents=True)
    (repo / "examples").mkdir()
    shutil.copy(EXAMPLE_CONTRACT, repo / folder / EXAMPLE_CONTRACT.name)
    shutil.copy(EXAMPLE_EVENTS, repo / "examples" / EXAMPLE_EVENTS.name)
    shutil.copytree(ROOT / "examples" / "policies", repo / "policies")
    (repo / "contract-check.toml").write_text(CONFIG.format(folder=folder), encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the 2019 contract and its events")
    (repo / folder / "proposals" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (repo / folder / "proposals" / "bad.yaml").write_text(BAD, encoding="utf-8")
    git(repo, "add", "-A")
    return repo


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    return make_user_repo(tmp_path / "work")


def test_try_repo_passes_a_good_proposal(hook_repo: Path, user_repo: Path, tmp_path: Path) -> None:
    done = pre_commit("try-repo", str(hook_repo), "--files", "contracts/proposals/good.yaml", "--verbose",
                      cwd=user_repo, home=tmp_path / "home")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "contract terms (term policies)" in output and "contract impact on recorded events" in output
    assert "Failed" not in output
    assert "0 errors, 1 warning in 1 file" in output  # ip-access's unstated deadline, from the base contract
    assert "disappeared agi-clause" in output


def test_try_repo_fails_a_bad_proposal(hook_repo: Path, user_repo: Path, tmp_path: Path) -> None:
    done = pre_commit("try-repo", str(hook_repo), "--files", "contracts/proposals/bad.yaml",
                      cwd=user_repo, home=tmp_path / "home")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "- hook id: contract-terms" in output and "- hook id: contract-impact" in output
    assert "contracts/proposals/bad.yaml:7:" in output
    assert "[error] unresolved-range: definition microsoft_equity_percent is still a range (20 to 49)" in output
    assert "ok declined → breach offer-stale" in output and "(new breach)" in output


def test_contracts_kept_elsewhere_are_checked_and_other_yaml_is_skipped(hook_repo: Path, tmp_path: Path) -> None:
    """A team keeping its contracts in legal/ gets them checked, not "no files to check"; a
    workflow file (YAML, neither contract nor proposal) is passed to the hooks and skipped."""
    repo = make_user_repo(tmp_path / "work", folder="legal")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    git(repo, "add", "-A")
    done = pre_commit("try-repo", str(hook_repo), "--files", "legal/proposals/bad.yaml", ".github/workflows/ci.yml",
                      cwd=repo, home=tmp_path / "home")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "no files to check" not in output.lower()
    assert "legal/proposals/bad.yaml:7:" in output
    assert "ci.yml" not in output.replace("--files", "")
    done = pre_commit("try-repo", str(hook_repo), "--files", ".github/workflows/ci.yml",
                      cwd=repo, home=tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
