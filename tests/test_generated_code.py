"""The generated Python module never holds a drafter's text outside a string literal:
for the shipped policy and every good case of tests/cases/, each text of the model
occurs in the generated source only inside literals, and no non-ASCII code is outside one."""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from pathlib import Path

import pytest

from yeji_policy import check, units
from yeji_policy.backends import python as python_backend


def _policy_strings(node, seen=None) -> set[str]:
    """Every text of the checked model that a drafter wrote (labels, reasons, notes, article text…)."""
    seen = set() if seen is None else seen
    if isinstance(node, str):
        seen.add(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            _policy_strings(key, seen)
            _policy_strings(value, seen)
    elif isinstance(node, (tuple, list, frozenset, set)):
        for item in node:
            _policy_strings(item, seen)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type) and id(node) not in seen:
        seen.add(id(node))
        for f in dataclasses.fields(node):
            _policy_strings(getattr(node, f.name), seen)
    return seen


def _literal_spans(source: str) -> list[tuple[int, int]]:
    """Character offsets of every string-literal token (f-string parts included on Python ≥ 3.12)."""
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    literal = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                   if hasattr(tokenize, n)}
    return [(starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1])
            for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type in literal]


ROOT = Path(__file__).resolve().parent.parent
GOOD_CORPUS = sorted((ROOT / "tests" / "cases").glob("*/good/*.policy"))


@pytest.mark.parametrize("path", [ROOT / "policies" / "yeji_ecommerce.policy", *GOOD_CORPUS], ids=lambda p: p.stem)
def test_generated_code_never_contains_policy_text_unquoted(path):
    policy, diagnostics, _ = check.load(path)
    assert policy is not None, diagnostics
    (text,) = python_backend.generate(policy).values()
    source = text.decode("utf-8")
    spans = _literal_spans(source)
    # Unit names are the language's, not the drafter's: the module's own comments may say 元 or 个月.
    texts = sorted(s for s in _policy_strings(policy)
                   if isinstance(s, str) and not s.isascii() and s not in units.UNITS and s not in units.BASE_NAMES.values())
    assert len(texts) > 5
    for policy_text in texts:
        for match in re.finditer(re.escape(policy_text), source):
            assert any(s <= match.start() and match.end() <= e for s, e in spans), \
                f"policy text {policy_text!r} outside a string literal at offset {match.start()}"
    # Outside literals, the only non-ASCII text is the module's own comments (第N条 要求（源文件第N行）…).
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.STRING, tokenize.COMMENT) and not token.string.isascii():
            pytest.fail(f"non-ASCII code outside a literal: {token.string!r} at {token.start}")
