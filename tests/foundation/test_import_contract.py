"""The import contract in pyproject.toml catches what it is for: a forbidden import planted in
a copy of the tree (a service reaching for Flask, the fairness engine reaching for a model)
makes ``lint-imports`` fail, and the untouched copy passes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and of the contract, where imports can be planted."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("broker", "providers"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(tree: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first: the copy, not the installed (editable) tree, is what gets analysed.
    env = os.environ | {"PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=120)


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # planted by the test\n")


def test_the_untouched_tree_keeps_every_contract(tree):
    out = lint(tree)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("broker.services.orders", "from flask import current_app",
     "broker.services is not allowed to import flask"),
    ("broker.fairness.engine", "from broker.models import Order",
     "broker.fairness is not allowed to import broker.models"),
    ("broker.services.orders", "from broker.web import requests",
     "broker.services is not allowed to import broker.web"),
    ("broker.services.eligibility", "from broker.services import requests",
     "No cycles are allowed in broker.services"),
    ("broker.scheduler.jobs", "from broker.services import broker_jobs",
     "broker.scheduler is not allowed to import broker.services"),
])
def test_a_planted_forbidden_import_breaks_the_contract(tree, module, line, broken):
    plant(tree, module, line)
    out = lint(tree)
    assert out.returncode != 0
    assert broken in out.stdout, out.stdout
