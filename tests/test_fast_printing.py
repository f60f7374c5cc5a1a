"""The generated module prints each trace record as a dict display and its Chinese step beside
it (#15, speed).  What that must not change: a result is the caller's own — editing any part of
it (a record, its clause, its inputs, its interpretations, the steps, the notes) never reaches
the next result; and the printed wording is runtime's, step for step."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from yeji_policy import runtime
from yeji_policy.backends import python as python_backend

import strategies


def _vandalise(value) -> None:
    """Change every dict and list inside value, in place."""
    if type(value) is dict:
        for key in list(value):
            _vandalise(value[key])
        value["vandalised"] = True
    elif type(value) is list:
        for item in value:
            _vandalise(item)
        value.append("vandalised")


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_editing_a_result_never_reaches_the_next_one(policy, generated_module, pid):
    cases = [c for c in policy.tests if c.programme == pid and c.expect.status != "invalid"]
    assert cases, pid
    for case in cases:
        application = case.application
        first = generated_module.evaluate(pid, application)
        pristine = copy.deepcopy(first)
        _vandalise(first)
        again = generated_module.evaluate(pid, application)
        assert again == pristine
        assert again["trace"], "every embedded case explains at least one step"


def test_the_formula_wording_is_runtimes_at_every_branch():
    # The printer splices runtime.step_formula's pieces; rebuilt, they give its text exactly.
    for article in (1, 9, 17, 123):
        for with_cap in (False, True):
            wording = python_backend._formula_wording(article, with_cap)
            assert wording is not None
            value, taken, cap = Decimal("299999.9985"), Decimal("300000.00"), "500,000.00 元"
            fill = {"\ue000": "新增投入 299,999.9985 元 × 100%", "\ue001": runtime.show_yuan(value),
                    "\ue002": cap, "\ue003": runtime.show_yuan(taken)}
            rebuilt = "".join(fill.get(p, p) for p in wording["rounded"])
            assert rebuilt == runtime.step_formula(fill["\ue000"], value, cap if with_cap else None,
                                                   False if with_cap else None, taken, article)


def test_a_text_function_that_reads_its_texts_keeps_its_call():
    # r_not looks at how its text ends: it cannot be spliced from pieces, and is not.
    assert "r_not" not in python_backend._SPLICED_RENDERS
    assert python_backend._pieces(runtime.r_not("\ue000"), 1) == ["并非“", "”"]  # pieces would miss （是）
    assert runtime.r_not("安排就餐（是）") == "“安排就餐”为是"
