"""Running a policy's embedded test cases on an engine.

An engine is any callable (programme_id, application) -> result that raises
an InvalidApplication-like error with `.errors` for an invalid application.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model as M


@dataclass(frozen=True)
class Outcome:
    case: M.TestCase
    engine: str
    passed: bool
    problems: tuple[str, ...]
    result: dict | None


def run_case(case: M.TestCase, engine_name: str, engine) -> Outcome:
    expect = case.expect
    problems: list[str] = []
    try:
        result = engine(case.programme, case.application)
    except Exception as exc:  # an engine's InvalidApplication; the generated module has its own class
        errors = getattr(exc, "errors", None)
        if errors is None:
            raise
        if expect.status != "invalid":
            problems.append("预期" + M.STATUS_LABELS[expect.status] + "，实际为无效申请：" +
                            "；".join(f"{e['path']}：{e['message']}" for e in errors))
        else:
            paths = {e["path"] for e in errors}
            for path in expect.paths:
                if path not in paths:
                    problems.append(f"预期路径“{path}”有错误，实际出错的路径：{'、'.join(sorted(paths))}")
        return Outcome(case, engine_name, not problems, tuple(problems), None)
    if expect.status == "invalid":
        problems.append(f"预期无效申请，实际为{M.STATUS_LABELS[result['status']]}，金额 {result['amount']}")
        return Outcome(case, engine_name, False, tuple(problems), result)
    if result["status"] != expect.status:
        problems.append(f"状态：预期{M.STATUS_LABELS[expect.status]}，实际{M.STATUS_LABELS[result['status']]}")
    if expect.amount is not None and result["amount"] != f"{expect.amount:.2f}":
        problems.append(f"金额：预期 {expect.amount:.2f}，实际 {result['amount']}")
    if expect.amount_if_approved is not None and result.get("amount_if_approved") != f"{expect.amount_if_approved:.2f}":
        problems.append(f"批准后金额：预期 {expect.amount_if_approved:.2f}，实际 {result.get('amount_if_approved')}")
    for reason in expect.reasons:
        if not any(reason in r for r in result["reasons"]):
            problems.append(f"原因中没有“{reason}”")
    return Outcome(case, engine_name, not problems, tuple(problems), result)
