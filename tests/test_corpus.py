"""The corpus of small policies: tests/cases/<feature>/{good,bad}/*.policy.

Each policy has its expected output beside it:

- good/NAME.policy + NAME.expected.json: the diagnostics (warnings) it gets, rendered, and
  test applications with the exact result each must give. Every application runs on BOTH
  engines — the reference interpreter and the generated module built from that policy — and
  both must give the expected result, steps and reasons included; the policy's own embedded
  test cases must pass on both engines too.
- bad/NAME.policy + NAME.expected.txt: the exact diagnostics text, as `yeji-policy check` prints it.

To add a case, write the policy and (for good) an expected.json with its applications and
`"result": null`; then `python -m pytest tests/test_corpus.py --update-expected` (or
YEJI_UPDATE_EXPECTED=1) fills in what the tools now produce — read it with `git diff` before
committing. An update never writes a result on which the two engines disagree.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from yeji_policy import check, interpreter, testing
from yeji_policy.pipeline import engine as generated_engine
from yeji_policy.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
GOOD = sorted(CASES.glob("*/good/*.policy"))
BAD = sorted(CASES.glob("*/bad/*.policy"))


def case_id(path: Path) -> str:
    return path.relative_to(CASES).with_suffix("").as_posix()


def checked(path: Path):
    """(policy or None, the diagnostics text as `yeji-policy check` prints it) — named by the path from the root."""
    name = path.relative_to(ROOT).as_posix()
    source = path.read_text(encoding="utf-8")
    policy, diagnostics = check.check_source(source, name)
    return policy, "".join(render(d, name, source) + "\n" for d in diagnostics)


def load_exact(path: Path):
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def dump_exact(value) -> str:
    """Indented JSON with every Decimal written as its exact number (never through a float)."""
    def mark(x):
        if isinstance(x, Decimal):
            return f"@@{x}@@"
        if isinstance(x, dict):
            return {k: mark(v) for k, v in x.items()}
        if isinstance(x, list):
            return [mark(v) for v in x]
        return x
    text = re.sub(r'"@@([^@"]*)@@"', r"\1", json.dumps(mark(value), ensure_ascii=False, indent=2)) + "\n"
    # A lone surrogate (a test of bad text) stays a JSON escape: \ud800 is what backslashreplace writes.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def outcome(engine, programme: str, application) -> dict:
    """The result, or for an invalid application every error (path and message)."""
    try:
        return engine(programme, application)
    except Exception as exc:  # each engine has its own InvalidApplication class
        if getattr(exc, "errors", None) is None:
            raise
        return {"status": "invalid", "errors": list(exc.errors)}


def test_the_corpus_is_there():
    assert GOOD and BAD
    for path in GOOD + BAD:
        assert path.parent.name in ("good", "bad") and path.parent.parent.parent == CASES, path


@pytest.mark.parametrize("path", GOOD, ids=case_id)
def test_good(path, update_expected):
    policy, diagnostics = checked(path)
    assert policy is not None, diagnostics
    module = generated_engine(policy)
    engines = {"interpreter": lambda pid, app: interpreter.evaluate(policy, pid, app), "generated": module.evaluate}
    for case in policy.tests:
        for name, engine in engines.items():
            result = testing.run_case(case, name, engine)
            assert result.passed, (case.name, name, result.problems)

    expected_file = path.with_name(path.stem + ".expected.json")
    expected = load_exact(expected_file)
    assert expected["applications"], f"{expected_file}: no test applications"
    for item in expected["applications"]:
        by_engine = {name: outcome(engine, item["programme"], item["application"]) for name, engine in engines.items()}
        assert by_engine["interpreter"] == by_engine["generated"], item["application"]
        if update_expected:
            item["result"] = by_engine["interpreter"]
        else:
            assert item["result"] is not None, f"{expected_file}: run pytest --update-expected to fill in the result"
            assert by_engine["interpreter"] == item["result"], item["application"]
    # Whole applications (rules across programmes, #22): evaluate_all on both engines.
    for item in expected.get("whole_applications", ()):
        whole = {"interpreter": lambda app, ps: interpreter.evaluate_all(policy, app, ps),
                 "generated": module.evaluate_all}
        by_engine = {name: outcome(lambda _, app: run(app, item.get("programmes")), None, item["application"])
                     for name, run in whole.items()}
        assert by_engine["interpreter"] == by_engine["generated"], item["application"]
        if update_expected:
            item["result"] = by_engine["interpreter"]
        else:
            assert by_engine["interpreter"] == item["result"], item["application"]
    if update_expected:
        expected["diagnostics"] = diagnostics
        expected_file.write_text(dump_exact(expected), encoding="utf-8")
    assert diagnostics == expected["diagnostics"]


@pytest.mark.parametrize("path", BAD, ids=case_id)
def test_bad(path, update_expected):
    policy, diagnostics = checked(path)
    assert diagnostics, "a bad case must get a diagnostic"
    if "错误 E" in diagnostics:
        assert policy is None
    expected_file = path.with_name(path.stem + ".expected.txt")
    if update_expected:
        expected_file.write_text(diagnostics, encoding="utf-8")
    assert diagnostics == expected_file.read_text(encoding="utf-8")
