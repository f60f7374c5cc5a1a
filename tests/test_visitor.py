"""Every pass over the model refuses a node type it was not taught (issue #15, generic walking).

A scratch node type is derived from one every pass knows (so an `isinstance`
chain would silently treat it as its base) and put into a real checked
programme; each pass must raise `visitor.UnhandledNode` naming it, never skip
it or compute as if it were its base.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

import yeji_policy
from yeji_policy import catalogue, describe, diff, interpreter, lower, precision, ranges, visitor
from yeji_policy import model as M
from yeji_policy.backends import python as python_backend
from yeji_policy.backends import sheets

PROGRAMME = "art09_equipment"


@dataclass(frozen=True)
class Surcharge(M.Arith):
    """An expression no pass has been taught (derived from one they all know)."""


@dataclass(frozen=True)
class Bonus(M.Formula):
    """An amount no pass has been taught."""


@dataclass(frozen=True)
class Pledge(M.Require):
    """A rule no pass has been taught."""


def _scratch_expr(formula: M.Formula) -> Surcharge:
    e = formula.expr
    assert type(e) is M.Arith  # equipment_investment × 80%
    return Surcharge(e.op, e.left, e.right, e.type, e.span)


@pytest.fixture(scope="module")
def scratch(policy):
    """(the programme's formula, the formula with a scratch expression, the policy holding it)."""
    programme = policy.programme(PROGRAMME)
    formula = programme.amount
    changed = dataclasses.replace(formula, expr=_scratch_expr(formula))
    programmes = tuple(dataclasses.replace(p, amount=changed) if p.id == PROGRAMME else p for p in policy.programmes)
    return formula, changed, dataclasses.replace(policy, programmes=programmes)


def _eligible_application(policy: M.Policy) -> dict:
    # An application that reaches the amount (an ineligible one never computes it).
    return next(t.application for t in policy.tests if t.programme == PROGRAMME and t.expect.status == "eligible")


# Each pass, given s: s.old (the programme's formula), s.new (the same with the scratch expression),
# s.shipped (the policy) and s.scratch (the policy holding s.new).
PASSES = {
    "interpreter.evaluate": lambda s: interpreter.evaluate(s.scratch, PROGRAMME, _eligible_application(s.scratch)),
    "lower.lower": lambda s: lower.lower(s.scratch),
    "python backend generate": lambda s: python_backend.generate(s.scratch),
    "describe.expr": lambda s: describe.expr(s.new.expr),
    "describe.amount": lambda s: describe.amount(s.new, tables=True, words=True),
    "diff.changes": lambda s: diff.changes(s.shipped, s.scratch),
    # two different nodes of the scratch class (against another class, the shape changed: None)
    "diff.expr_changes": lambda s: diff.expr_changes(s.new.expr, dataclasses.replace(s.new.expr, op="+")),
    "catalogue.inputs_of": lambda s: catalogue.inputs_of(s.new.expr),
    "catalogue.amount_bound": lambda s: catalogue.amount_bound(
        dataclasses.replace(s.new, cap=None)),  # without the cap, the bound rests on the expression alone
    "precision.overflows": lambda s: precision.overflows(s.scratch.programme(PROGRAMME)),
    "sheets generate": lambda s: sheets.generate(s.scratch),
    "ranges.outlook": lambda s: ranges.outlook(s.scratch.programme(PROGRAMME), {}),
}


@pytest.mark.parametrize("name", PASSES)
def test_each_pass_refuses_a_new_node_type(name, scratch, policy):
    old, new, changed = scratch
    with pytest.raises(visitor.UnhandledNode) as raised:
        PASSES[name](SimpleNamespace(old=old, new=new, shipped=policy, scratch=changed))
    assert raised.value.node_type == "Surcharge"
    assert str(raised.value).endswith("has no visit_Surcharge")


def test_the_scratch_policy_differs_from_the_shipped_one_only_by_the_node_type(scratch, policy):
    # So the refusals above are about the node type, nothing else: with its base class back, every pass runs.
    old, new, changed = scratch
    assert new.expr.__dict__ == old.expr.__dict__ and type(new.expr) is not type(old.expr)
    restored = dataclasses.replace(changed, programmes=policy.programmes)
    assert diff.changes(policy, restored) == []
    assert interpreter.evaluate(restored, PROGRAMME, _eligible_application(policy))["status"] == "eligible"


def _all_visitors() -> list[type]:
    """Every Visitor subclass the package defines (all of its modules imported first)."""
    for info in pkgutil.walk_packages(yeji_policy.__path__, "yeji_policy."):
        importlib.import_module(info.name)
    found, stack = [], [visitor.Visitor]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("yeji_policy."):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def test_the_passes_over_the_model_are_visitors():
    names = {f"{c.__module__}.{c.__qualname__}" for c in _all_visitors()}
    assert {
        "yeji_policy.interpreter._Run",
        "yeji_policy.lower._Lowering",
        "yeji_policy.backends.python._Printer",
        "yeji_policy.backends.python._RangePrinter",
        "yeji_policy.lower._RangeLowering",
        "yeji_policy.ranges._Ranges",
        "yeji_policy.describe._Describer",
        "yeji_policy.diff._ExprChanges",
        "yeji_policy.diff._AmountChanges",
        "yeji_policy.catalogue._Inputs",
        "yeji_policy.catalogue._Bound",
        "yeji_policy.precision.Bounds",
        "yeji_policy.backends.sheets._TableWalk",
        "yeji_policy.backends.sheets._FormulaLines",
        "yeji_policy.backends.sheets._ReviewCases",
    } <= names


def _scratch_nodes(policy: M.Policy) -> dict[str, object]:
    formula = policy.programme(PROGRAMME).amount
    require = next(r for r in policy.programme(PROGRAMME).rules if type(r) is M.Require)
    return {
        "expression": _scratch_expr(formula),
        "amount": Bonus(formula.expr, formula.interpretation, formula.cap, formula.span),
        "rule": Pledge(require.cond, require.reason, require.interpretation, require.span),
    }


@pytest.mark.parametrize("kind", ["expression", "amount", "rule"])
@pytest.mark.parametrize("cls", _all_visitors(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_visitor_in_the_package_refuses_a_new_node_type(cls, kind, policy):
    # Found by walking Visitor's subclasses, so a pass added later is covered without editing this test.
    node = _scratch_nodes(policy)[kind]
    instance = cls.__new__(cls)  # no state needed: the refusal comes before any work
    with pytest.raises(visitor.UnhandledNode) as raised:
        instance.visit(node, None, None, None, None)
    assert raised.value.node_type == type(node).__name__
    assert raised.value.visitor == cls.__name__


def test_a_new_node_type_named_like_a_known_one_is_still_refused(policy):
    # Dispatch is by the model's own class, not by a matching name.
    @dataclass(frozen=True)
    class Arith(M.Arith):
        pass

    e = policy.programme(PROGRAMME).amount.expr
    refused = r"^_Describer has no visit_Arith for \S*test_visitor\.\S*<locals>\.Arith$"
    with pytest.raises(visitor.UnhandledNode, match=refused):
        describe.expr(Arith(e.op, e.left, e.right, e.type, e.span))
    assert describe.expr(e) == "新增软硬件设备设施购置投入 × 80%"


def _with_programme(policy: M.Policy, **changes) -> M.Policy:
    programmes = tuple(dataclasses.replace(p, **changes) if p.id == PROGRAMME else p for p in policy.programmes)
    return dataclasses.replace(policy, programmes=programmes)


WHOLE_PASSES = {
    "interpreter.evaluate": lambda shipped, scratch: interpreter.evaluate(
        scratch, PROGRAMME, _eligible_application(scratch)),
    "interpreter.match": lambda shipped, scratch: interpreter.match(scratch, _eligible_application(scratch)),
    "python backend generate": lambda shipped, scratch: python_backend.generate(scratch),
    "diff.changes": lambda shipped, scratch: diff.changes(shipped, scratch),
    "precision.overflows": lambda shipped, scratch: precision.overflows(scratch.programme(PROGRAMME)),
    "sheets generate": lambda shipped, scratch: sheets.generate(scratch),
}


@pytest.mark.parametrize("name", WHOLE_PASSES)
@pytest.mark.parametrize("kind", ["amount", "rule"])
def test_a_new_amount_or_rule_type_is_refused_by_each_pass(kind, name, policy):
    node = _scratch_nodes(policy)[kind]
    programme = policy.programme(PROGRAMME)
    if kind == "amount":
        scratch = _with_programme(policy, amount=node)
    else:
        scratch = _with_programme(policy, rules=tuple(node if type(r) is M.Require else r for r in programme.rules))
    with pytest.raises(visitor.UnhandledNode) as raised:
        WHOLE_PASSES[name](policy, scratch)
    assert raised.value.node_type == type(node).__name__
