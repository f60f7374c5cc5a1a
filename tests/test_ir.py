"""The lowered form (ir.py, lower.py) and the Python backend that prints it.

The IR of the shipped policy and of every good corpus policy is well formed
(each variable defined before it is used, each node placed at its
programme's article and a real source line); the listing that
`yeji-policy dump --stage ir` prints is pinned for one small case; a node type
the printers were not written for makes them raise; and the generated module
hands runtime.decide an Outcome, not a tuple.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from yeji_policy import ir, lower, pipeline, visitor
from yeji_policy import runtime as R
from yeji_policy.backends import python as python_backend
from yeji_policy.cli import main
from yeji_policy.parser import deep_call

import hostile_policies

CASES = Path(__file__).resolve().parent / "cases"
GOOD = sorted(CASES.glob("*/good/*.policy"))
PINNED = CASES / "minmax" / "good" / "min_and_max.policy"
PINNED_LISTING = Path(__file__).resolve().parent / "fixtures" / "ir" / "min_and_max.ir.txt"


def _policies(policy):
    yield "shipped", policy, Path(__file__).resolve().parents[1] / "policies" / f"{policy.id}.policy"
    for path in GOOD:
        loaded = pipeline.load(path)
        assert loaded.policy is not None, path
        yield path.name, loaded.policy, path


# ---------------------------------------------------------------- well formed
class _Defined:
    """Walks statements in order: every variable used must be defined on every path
    that reaches the use.  What a block defines is not visible after it, except
    what every branch of an If (both) or a Choose (all arms) defines, and what a
    Guard defines to a later Guard on the same inputs or more."""

    def __init__(self) -> None:
        self.defined: set[str] = set()
        self.problems: list[str] = []
        self.guarded: list[tuple[frozenset, set[str]]] = []  # (a Guard's inputs, what it defined)

    def use(self, node) -> None:
        for n in visitor.walk(node):
            name = n.name if isinstance(n, (ir.Var, ir.Spread)) else None
            if name is not None and name not in self.defined:
                self.problems.append(f"{name} used before it is defined (第{n.at.article}条 行{n.at.line})")

    def define(self, *names: str) -> None:
        self.defined.update(names)

    def body(self, statements) -> None:
        for s in statements:
            self.statement(s)

    def block(self, statements, start: set[str] | None = None) -> set[str]:
        """What is defined at the end of a nested block (which leaves self.defined as it was)."""
        outer = self.defined
        self.defined = set(outer if start is None else start)
        self.body(statements)
        inner, self.defined = self.defined, outer
        return inner

    def statement(self, s) -> None:  # noqa: C901 - one branch per statement kind, as the printer has
        if isinstance(s, (ir.Read, ir.Compute)):
            if isinstance(s, ir.Compute):
                self.use(s.expr)
                if isinstance(s.expr, ir.TierSelect) and s.expr.reached:
                    self.define(s.expr.reached)
            self.define(s.var)
            if s.explain is not None:
                self.statement(s.explain)
        elif isinstance(s, ir.Explain):
            self.use(s.text)
            self.define(s.var)
        elif isinstance(s, (ir.Step, ir.Require, ir.Review, ir.Unique, ir.Constraint, ir.Return, ir.Note)):
            self.use(s)
        elif isinstance(s, ir.Cap):
            self.use(s)
            self.define(s.var, "cap_shown", "capped")
        elif isinstance(s, ir.TotalCap):  # 合计最高不超过 (#22)
            self.use(s)
            self.define(s.var, "cap_shown", "capped", "whole")
        elif isinstance(s, (ir.Pay, ir.SetOutcome)):
            self.use(s)
            self.define(s.var)
        elif isinstance(s, ir.If):
            self.use(s.cond)
            both = self.block(s.then) & self.block(s.otherwise or ())
            self.define(*both)
        elif isinstance(s, ir.Choose):
            self.use(s.subject)
            self.define(*set.intersection(*(self.block(arm.body) for arm in s.arms)))
        elif isinstance(s, ir.FirstOf):
            self.define(s.var)
            setup = self.defined  # a case's setup runs after every earlier case's setup
            for case in s.cases:
                setup = self.block(case.setup, setup)
                if case.cond is not None:
                    outer, self.defined = self.defined, setup
                    self.use(case.cond)  # computed by the setup just before
                    self.defined = outer
                self.block(case.body, setup)
        elif isinstance(s, ir.ForEach):
            item = self.block(s.rules + s.checks + s.amount)
            assert s.inner in item
            self.define(s.var)
        elif isinstance(s, ir.ItemRange):
            if s.limit is not None:
                self.use(s.limit)
            item = self.block(s.per_item)
            assert s.inner in item
            self.define(s.var)
        elif isinstance(s, ir.Guard):
            inputs = frozenset(s.inputs)
            start = self.defined.union(*(d for known, d in self.guarded if known <= inputs))
            self.guarded.append((inputs, self.block(s.body, start)))
        elif isinstance(s, (ir.Start, ir.RuleMark, ir.Stop)):
            pass
        else:
            raise AssertionError(f"unknown statement {type(s).__name__}")


def test_every_variable_is_defined_before_use_and_every_node_is_placed(policy):
    checked = 0
    for name, p, path in _policies(policy):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        for model_programme, programme in zip(p.programmes, lower.lower(p)):
            for statements in (programme.rules, programme.partial, programme.constraints, programme.ranges,
                               *programme.sums):
                check = _Defined()
                check.body(statements)
                assert check.problems == [], (name, programme.id)
            for node in visitor.walk(programme):
                assert node.at.article == model_programme.article, (name, node)
                assert 1 <= node.at.line <= lines, (name, node)
                checked += 1
    assert checked > 1000  # the walk reached the statements, not just the programmes


def test_the_checker_above_can_fail():
    at = ir.Origin(1, 1)
    check = _Defined()
    check.body((ir.Compute("v2", ir.Arith("+", ir.Var("v1", at=at), ir.Const(1, at=at), at=at), at=at),))
    assert check.problems == ["v1 used before it is defined (第1条 行1)"]
    # read in one branch only, used after the If
    check = _Defined()
    check.body((ir.If(ir.Const(True, at=at), (ir.Read("v1", "values", None, at=at),), (), at=at),
                ir.Compute("v2", ir.Var("v1", at=at), at=at)))
    assert check.problems == ["v1 used before it is defined (第1条 行1)"]


def test_the_partial_variant_guards_each_rule_on_its_inputs(policy):
    programme = next(p for p in lower.lower(policy) if p.id == "art09_equipment")
    guards = [s for s in programme.partial if isinstance(s, ir.Guard)]
    assert guards and all(g.known == "known" and g.inputs for g in guards)
    # the calculator's variant computes no amount
    assert not any(isinstance(n, (ir.Pay, ir.FirstOf, ir.ForEach)) for n in visitor.walk(
        dataclasses.replace(programme, rules=(), constraints=(), ranges=(), sums=())))
    assert programme.partial[-1] == ir.Return(None, at=programme.at)


# ---------------------------------------------------------------- the listing
def test_dump_stage_ir_is_pinned(update_expected):
    out = CliRunner().invoke(main, ["dump", "--stage", "ir", str(PINNED)])
    assert out.exit_code == 0, out.output
    if update_expected:
        PINNED_LISTING.parent.mkdir(parents=True, exist_ok=True)
        PINNED_LISTING.write_text(out.output, encoding="utf-8")
    assert out.output == PINNED_LISTING.read_text(encoding="utf-8")


def test_dump_stage_ir_shows_the_rules_line_by_line():
    text = CliRunner().invoke(main, ["dump", "--stage", "ir", str(PINNED)]).output
    assert "第2条 行38         require v2 else reason_require('培训人数为0', t2)" in text
    assert "第2条 行38         when known has trainees:" in text  # the calculator's guard


# ---------------------------------------------------------------- unhandled nodes
@dataclass(frozen=True)
class Scratch(ir.Node):
    """A statement no printer has been taught."""

    var: str


@dataclass(frozen=True)
class Compute(ir.Compute):
    """A look-alike of ir.Compute: refused too, not printed as its base."""


def _with_statement(policy, stmt):
    programme = lower.lower(policy)[0]
    return dataclasses.replace(programme, rules=programme.rules[:1] + (stmt,) + programme.rules[1:])


@pytest.mark.parametrize("make", [lambda at: Scratch("v99", at=at),
                                  lambda at: Compute("v99", ir.Const(1, at=at), at=at),
                                  lambda at: ir.Compute("v99", Scratch("x", at=at), at=at)],
                         ids=["new statement", "look-alike statement", "new expression"])
@pytest.mark.parametrize("printer", ["python", "listing", "ranges"])
def test_a_node_type_the_printer_does_not_know_makes_it_raise(policy, make, printer):
    programme = _with_statement(policy, make(ir.Origin(9, 1)))
    with pytest.raises(visitor.UnhandledNode) as raised:
        if printer == "python":
            python_backend._programme_bodies(programme, python_backend._Constants())
        elif printer == "ranges":
            programme = dataclasses.replace(programme, ranges=programme.rules)
            python_backend._range_bodies(programme, python_backend._Constants())
        else:
            lower.listing((programme,))
    assert raised.value.node_type in ("Scratch", "Compute")


def test_unchanged_the_same_programme_prints(policy):
    # so the refusals above are about the node type: the programme itself prints
    programme = lower.lower(policy)[0]
    rules, _, _ = python_backend._programme_bodies(programme, python_backend._Constants())
    assert "return steps, failed, reviews, outcome_" in rules


# ---------------------------------------------------------------- the outcome
def test_the_generated_module_hands_decide_an_outcome(policy, monkeypatch):
    module = pipeline.engine(policy)
    seen = []
    decide = module.decide

    def spy(meta, steps, failed, reviews, outcome, notes, texts):  # texts: the steps already worded
        seen.append(outcome)
        return decide(meta, steps, failed, reviews, outcome, notes, texts)

    monkeypatch.setitem(module.__dict__, "decide", spy)
    result = module.evaluate("art09_equipment", {"equipment_investment": 1000, "equipment_audit_passed": True})
    assert result["amount"] == "800.00"
    (outcome,) = seen
    assert type(outcome) is module.Outcome
    assert (outcome.kind, outcome.amount, outcome.pending, outcome.reasons) == ("pay", R.D("800.0"), 0, [])


def test_outcome_equality_and_repr():
    a = R.Outcome("pay", R.D("1.5"), R.ZERO, [])
    assert a == R.Outcome("pay", R.D("1.50"), R.ZERO, [])
    assert a != R.Outcome("review", None, None, [])
    assert a != ("pay", R.D("1.5"), R.ZERO, [])  # no longer a tuple
    assert repr(a) == "Outcome('pay', Decimal('1.5'), Decimal('0'), [])"


# ---------------------------------------------------------------- unused explanations
def test_prune_drops_texts_nothing_shows_and_the_texts_only_they_used():
    at = ir.Origin(1, 1)
    v, lit = (lambda name: ir.Var(name, at=at)), (lambda text: ir.Lit(text, at=at))
    shown = ir.Explain("t1", ir.Render("r_not", (lit("甲"),), at=at), at=at)
    statements = (
        ir.Read("v1", "values", None, ir.Explain("t1", ir.Render("r_not", (lit("甲"),), at=at), at=at), at=at),
        ir.Read("v2", "values", None, ir.Explain("t2", ir.Render("r_not", (lit("乙"),), at=at), at=at), at=at),
        # t3 is shown by nothing, so t2 (used only by t3) goes too; t1 stays for the step
        ir.Compute("v3", ir.Compare(">", v("v1"), v("v2"), at=at),
                   ir.Explain("t3", ir.Render("r_compare", (lit(">"), v("t1"), v("t2"), v("v3")), at=at), at=at),
                   at=at),
        ir.Explain("t3", ir.Render("r_cond", (v("t3"), v("t1")), at=at), at=at),  # rebuilt from itself: still unused
        ir.Compute("v4", ir.TierSelect(v("v1"), (), "t5", at=at),
                   ir.Explain("t4", ir.Render("r_tiers", (v("t1"), ir.Spread("t5", at=at), lit("1")), at=at), at=at),
                   at=at),
        ir.Step("require", (v("v3"), v("t1")), False, at=at),
    )
    pruned = lower.prune(statements)
    assert pruned[0].explain == shown  # t1: the step shows it
    assert pruned[1].explain is None and pruned[2].explain is None
    assert len(pruned) == 5  # the standalone Explain of t3 is gone
    assert pruned[3].explain is None and pruned[3].expr.reached is None  # no text, no record of the row reached
    assert pruned[4] == statements[-1]


def test_form_checks_compute_no_texts(policy):
    for programme in lower.lower(policy):
        assert not any(isinstance(n, ir.Explain) for n in visitor.walk(
            dataclasses.replace(programme, rules=(), partial=(), ranges=(), sums=())))


# ---------------------------------------------------------------- size
def test_a_long_unused_chain_of_texts_is_pruned_in_one_pass(tmp_path):
    """A form check over a 3,000-term sum: every text of the sum is unused; the
    pruning is linear (one layer per pass would be 3,000 passes over 3,000 nodes)."""
    terms = 3000
    text = hostile_policies._replace("    要求 accepted", "    校验 " + " + ".join(["investment"] * terms)
                                     + " ≥ 0元 于 investment 否则 \"设备投入有误\"\n    要求 accepted")
    path = tmp_path / "long_check.policy"
    path.write_text(text, encoding="utf-8")
    loaded = pipeline.load(path)
    assert loaded.policy is not None, [d.message for d in loaded.diagnostics]
    start = time.perf_counter()
    (programme,) = deep_call(lower.lower, loaded.policy)  # lowering recurses once per level of the sum
    elapsed = time.perf_counter() - start
    nodes = list(visitor.walk(dataclasses.replace(programme, rules=(), partial=(), ranges=(), sums=())))
    assert not any(isinstance(n, ir.Explain) for n in nodes)
    assert sum(isinstance(n, ir.Compute) for n in nodes) == terms  # the values stay: 2,999 sums and the comparison
    assert elapsed < 30  # quadratic pruning takes minutes here; linear, about a second


def test_dump_stage_ir_at_the_deepest_nesting_the_parser_accepts(tmp_path):
    path = tmp_path / "deep.policy"
    path.write_text(hostile_policies.deep_not(4900), encoding="utf-8")
    out = CliRunner().invoke(main, ["dump", "--stage", "ir", str(path)])
    assert out.exit_code == 0, out.output[-500:]
    assert out.output.count(" = 非 ") == 2 * 4900  # in the rules and in the calculator's variant
