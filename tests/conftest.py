"""Shared fixtures: the shipped policy, checked once, and its generated module."""

from __future__ import annotations

from pathlib import Path

import pytest

from yeji_policy import check
from yeji_policy.pipeline import engine as generated_engine

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"
SOURCE_TEXT = ROOT / "policies" / "source" / "yeji_ecommerce_opinions.txt"


@pytest.fixture(scope="session")
def policy_source() -> str:
    return POLICY_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def policy():
    """The shipped policy as `build` sees it: linked with every other policy in policies/ (a newer
    version there names itself on this one's sheet and ends its period; tests/test_versions.py)."""
    return linked(POLICY_FILE)


def linked(path: Path):
    """A policy file checked, and linked (versions.link) with the other policies beside it."""
    from yeji_policy import versions

    policies = []
    for other in sorted(path.parent.glob("*.policy")):
        checked, diagnostics, _ = check.load(other)
        assert checked is not None or other != path, diagnostics
        if checked is not None:
            policies.append(checked)
    return next(p for p in versions.link(policies) if p.id == path.stem)


@pytest.fixture(scope="session")
def generated_module(policy):
    return generated_engine(policy)


def pytest_addoption(parser):
    parser.addoption("--update-expected", action="store_true", default=False,
                     help="rewrite the expected files of tests/cases/ from what the tools now produce "
                          "(also: YEJI_UPDATE_EXPECTED=1); review the change with git diff")


@pytest.fixture(scope="session")
def update_expected(request) -> bool:
    import os

    return request.config.getoption("--update-expected") or os.environ.get("YEJI_UPDATE_EXPECTED") == "1"


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory):
    """The shipped policy built in two separate processes (different hash seeds and working directories)."""
    from cli_process import build_in_two_processes

    return build_in_two_processes(POLICY_FILE, tmp_path_factory.mktemp("two-builds"))
