"""Regressions from the session-4 adversarial review of the new constructs (#22): each policy in
tests/fixtures/review/ reproduced a defect on both engines, so the differential tests could not see it.
Each test fails on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from yeji_policy import check, interpreter, runtime
from yeji_policy.pipeline import engine

FIXTURES = Path(__file__).parent / "fixtures" / "review"


def _policy(name: str):
    policy, diagnostics = check.check_source((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert policy is not None, diagnostics
    return policy


def _both(policy, run):
    module = engine(policy)
    return run(lambda *a: interpreter.evaluate(policy, *a), lambda *a: interpreter.evaluate_all(policy, *a)), \
        run(module.evaluate, getattr(module, "evaluate_all", None))


def test_a_cap_counts_only_what_the_exclusions_leave_whatever_the_declaration_order():
    # 合计上限 declared before 不得重复享受 (就高): b (50.00, excluded by a's 60.00) must not eat a's room.
    source = (FIXTURES / "cap_before_exclusion.policy").read_text(encoding="utf-8")
    application = {"items": [{"x": runtime.D(3), "y": runtime.D(5)}], "shops": [{"v": runtime.D(1000)}],
                   "got": runtime.D(0)}
    for text in (source, _exclusion_first(source)):
        policy, diagnostics = check.check_source(text, "t.policy")
        assert policy is not None, diagnostics
        for result in _both(policy, lambda _, whole: whole(application, None)):
            by_id = result["results"]
            assert (by_id["a"]["status"], by_id["a"]["amount"]) == ("eligible", "60.00")
            assert (by_id["b"]["status"], by_id["b"]["amount"]) == ("ineligible", "0.00")
            assert result["total"] == "60.00"
            assert [r["kind"] for r in result["trace"]] == ["exclusion", "aggregate_cap"]


def _exclusion_first(source: str) -> str:
    """The same policy with the 合计上限 declared after the 不得重复享受."""
    cap = source[source.index("  合计上限 tot"):source.index("  不得重复享受 nd")]
    without = source.replace(cap, "", 1).rstrip()
    assert without.endswith("}")
    return without[:-1] + cap + "}\n"


def test_a_ratio_under_a_sum_cap_is_worded_not_a_traceback():
    policy = _policy("ratio_under_sum_cap.policy")
    application = {"items": [{"x": runtime.D(1), "y": runtime.D(3)}]}
    for result in _both(policy, lambda one, _: one("a", application)):
        assert (result["status"], result["amount"]) == ("eligible", "33.33")
        assert result["steps"][-1] == "各项合计 约 33.3333 元，未超过合计上限 100.00 元，按分四舍五入，取 33.33 元【第1条】"


@pytest.mark.parametrize("started, filed, status, amount", [
    ("9999-12-31", "9999-12-31", "eligible", "1.67"),
    ("2024-12-05", "9999-12-31", "ineligible", "0.00"),
    ("9997-12-01", "9999-06-01", "eligible", "0.83"),
])
def test_dates_at_the_end_of_the_calendar_are_decided(started, filed, status, amount):
    policy = _policy("dates_at_year_9999.policy")
    application = {"started": started, "application_date": filed, "x": runtime.D("3.33")}
    for result in _both(policy, lambda one, _: one("a", application)):
        assert (result["status"], result["amount"]) == (status, amount)

