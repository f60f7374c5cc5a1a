"""Decision receipts (issue #17): make one for a decided application, verify one offline.

A receipt is the RFC 8785 canonical JSON (runtime.canonical_json) of

    {"format": "yeji-policy-receipt/1",
     "policy": {"id", "version", "sha256" (of the policy source), "text_sha256" (catalogue.text_hash)},
     "programme": id, "application": the application as given (numbers as exact decimal strings),
     "result": the result object, its trace included,
     "sha256": hex sha256 of the canonical bytes of everything above}

`verify` finds the policy of that sha256 (in policies/, or the file given),
recomputes the result with the reference interpreter and compares it with the
receipt, record by record; every difference is one Chinese line.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from . import catalogue, interpreter
from . import model as M
from . import runtime as R

# Exit codes of `yeji-policy verify`.
SAME = 0  # 一致
DIFFERS = 1  # the receipt does not match its own hash or the recomputation
UNREADABLE = 2  # not a receipt (or a usage mistake)
NO_POLICY = 3  # the policy version it names is not available


class NotAReceipt(Exception):
    """A document that is not a receipt of this format; the message says why, in Chinese."""


def make(policy: M.Policy, programme: str, application, result: dict) -> dict:
    """The receipt of one decided application (the result of evaluate on that application)."""
    return R.seal_receipt(R.receipt_body(catalogue.policy_meta(policy), programme, application, result))


def canonical(receipt: dict) -> bytes:
    return R.canonical_json(receipt)


def _shape(receipt) -> None:
    if type(receipt) is not dict:
        raise NotAReceipt("回执应为 JSON 对象")
    if receipt.get("format") != R.RECEIPT_FORMAT:
        raise NotAReceipt(f"回执格式应为“{R.RECEIPT_FORMAT}”")
    policy = receipt.get("policy")
    if type(policy) is not dict or type(policy.get("sha256")) is not str:
        raise NotAReceipt("回执缺少政策的 sha256")
    for key, kind, label in (("programme", str, "项目编号"), ("application", dict, "申请"), ("result", dict, "结果"),
                             ("sha256", str, "回执编号（sha256）")):
        if type(receipt.get(key)) is not kind:
            raise NotAReceipt(f"回执缺少{label}")
    if type(receipt["result"].get("trace")) is not list:
        raise NotAReceipt("回执的结果缺少计算记录（trace）")


def find_policy(sha256: str, candidates) -> M.Policy | None:
    """The first candidate policy file (checked cleanly) whose source hashes to sha256."""
    from . import check

    for path in candidates:
        policy, _, _ = check.load(Path(path))
        if policy is not None and policy.content_hash == sha256:
            return policy
    return None


def _revive(specs: list[dict], application: dict) -> dict:
    """The application as evaluate takes it: a number the receipt holds as a decimal string becomes a Decimal."""
    kinds = {s["name"]: s for s in specs}
    out = {}
    for name, value in application.items():
        spec = kinds.get(name)
        if spec is not None and spec["kind"] == "list" and type(value) is list:
            out[name] = [_revive(spec["items"], item) if type(item) is dict else item for item in value]
        elif spec is not None and spec["kind"] not in ("bool", "enum", "date", "text") and type(value) is str:
            try:
                out[name] = Decimal(value)
            except ArithmeticError:
                out[name] = value  # the form check refuses it, by its field
        else:
            out[name] = value
    return out


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _yuan(text) -> str:
    try:
        return R.show_yuan(Decimal(text))
    except (ArithmeticError, TypeError, ValueError):
        return _show(text)


def differences(receipt: dict, policy: M.Policy) -> list[str]:
    """Every way the receipt differs from its own hash and from the policy's recomputation (empty: 一致)."""
    found = []
    body = {k: v for k, v in receipt.items() if k != "sha256"}
    try:
        digest = hashlib.sha256(R.canonical_json(body)).hexdigest()
    except ValueError as exc:
        raise NotAReceipt(f"回执中有不能规范化的值：{exc}") from None
    if digest != receipt["sha256"]:
        found.append(f"回执编号不符：内容的 sha256 为 {digest}，回执记为 {receipt['sha256']}；回执签发后被改动过")
    text_hash = catalogue.text_hash(policy)
    if receipt["policy"].get("text_sha256") != text_hash:
        found.append(f"原文的 sha256 不符：政策中原文为 {text_hash}，回执记为 {_show(receipt['policy'].get('text_sha256'))}")
    programme = receipt["programme"]
    if programme not in policy.programme_ids:
        return found + [f"政策中没有回执所列的项目“{programme}”"]
    specs = [catalogue.field_spec(f) for f in policy.programme(programme).fields]
    try:
        result = R.plain_json(interpreter.evaluate(policy, programme, _revive(specs, receipt["application"])))
    except R.InvalidApplication as exc:
        problems = "；".join(f"{e['path']}：{e['message']}" for e in exc.errors[:5])
        return found + [f"回执中的申请不是有效的申请：{problems}"]
    old = receipt["result"]
    found += _trace_differences(old["trace"], result["trace"])
    labels = {"status": "结论", "amount": "金额", "amount_if_approved": "审核通过后金额"}
    for key, label in labels.items():
        if old.get(key) != result.get(key):
            shown = _yuan if key != "status" else (lambda s: M.STATUS_LABELS.get(s, _show(s)) if type(s) is str else _show(s))
            found.append(f"{label}不一致：回执为 {shown(old.get(key))}，按政策重新计算为 {shown(result.get(key))}")
    trace_differs = old["trace"] != result["trace"]
    for key in sorted(set(old) | set(result)):
        if key == "steps" and trace_differs:
            continue  # the steps are the trace's rendering: its differences are listed above
        if key not in labels and key != "trace" and old.get(key) != result.get(key):
            found.append(f"结果的“{key}”不一致：回执为 {_show(old.get(key))}，按政策重新计算为 {_show(result.get(key))}")
    return found


def _trace_differences(old: list, new: list) -> list[str]:
    found = []
    for number, (a, b) in enumerate(zip(old, new), start=1):
        if a == b:
            continue
        rid = b.get("id")
        if type(a) is not dict:
            found.append(f"第{number}步（{rid}）不是计算记录")
            continue
        a_inputs, b_inputs = a.get("inputs"), b.get("inputs")
        if a_inputs != b_inputs and type(a_inputs) is dict:
            for name in sorted(set(a_inputs) | set(b_inputs)):
                if a_inputs.get(name) != b_inputs.get(name):
                    found.append(f"申请与计算记录不符：第{number}步（{rid}）计算时“{name}”为 {_show(a_inputs.get(name))}，"
                                 f"回执中的申请为 {_show(b_inputs.get(name))}")
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if key == "inputs" or x == y:
                continue
            if type(x) is dict and type(y) is dict:  # say which part: explanation.exact, clause.start …
                for sub in sorted(set(x) | set(y)):
                    if x.get(sub) != y.get(sub):
                        found.append(f"第{number}步（{rid}）的“{key}.{sub}”不一致：回执为 {_show(x.get(sub))}，"
                                     f"按政策重新计算为 {_show(y.get(sub))}")
            else:
                found.append(f"第{number}步（{rid}）的“{key}”不一致：回执为 {_show(x)}，按政策重新计算为 {_show(y)}")
    if len(old) != len(new):
        found.append(f"计算步骤数不一致：回执有 {len(old)} 步，按政策重新计算有 {len(new)} 步")
    return found
