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
    checked, diagnostics, _ = check.load(POLICY_FILE)
    assert checked is not None, diagnostics
    return checked


@pytest.fixture(scope="session")
def generated_module(policy):
    return generated_engine(policy)
