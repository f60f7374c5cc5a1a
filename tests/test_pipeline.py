"""The driver (pipeline.py), `yeji-policy dump`, and the generic model walker (visitor.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from yeji_policy import model as M
from yeji_policy import pipeline, visitor
from yeji_policy.cli import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "minimal.policy"


def test_load_runs_every_front_end_stage():
    loaded = pipeline.load(FIXTURE)
    assert loaded.errors == 0
    assert loaded.policy is not None and loaded.policy.programme_ids == ("equipment",)
    assert loaded.source == FIXTURE.read_text(encoding="utf-8")


def test_engine_compiles_the_generated_module_in_memory(policy):
    module = pipeline.engine(policy)
    result = module.evaluate("art09_equipment", {"equipment_investment": 1000, "equipment_audit_passed": True})
    assert (result["status"], result["amount"]) == ("eligible", "800.00")


def test_dump_model_prints_nodes_spans_and_exact_numbers():
    out = CliRunner().invoke(main, ["dump", "--stage", "model", str(FIXTURE)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["节点"] == "Policy"
    (programme,) = data["programmes"]
    cap = programme["amount"]["cap"]["limit"]
    assert (cap["节点"], cap["value"], cap["text"]) == ("Const", "500000", "50万元")
    # an input reference names its field instead of repeating the declaration
    assert programme["amount"]["expr"]["left"]["field"] == {"引用": "investment"}
    assert programme["span"].count(":") == 2 and "-" in programme["span"]


def test_dump_each_stage(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["dump", "--stage", "source", str(FIXTURE)]).output == FIXTURE.read_text("utf-8") + "\n"
    assert runner.invoke(main, ["dump", "--stage", "parse", str(FIXTURE)]).output.startswith("start\n  document\n")
    ast = json.loads(runner.invoke(main, ["dump", "--stage", "ast", str(FIXTURE)]).output)
    assert ast["节点"] == "Module"


def test_dump_of_a_policy_with_errors_shows_them_and_exits_1(tmp_path):
    bad = tmp_path / "bad.policy"
    bad.write_text(FIXTURE.read_text("utf-8").replace("investment × 50%", "investmnt × 50%"), encoding="utf-8")
    out = CliRunner().invoke(main, ["dump", "--stage", "model", str(bad)])
    assert out.exit_code == 1
    assert "E0201" in out.output and "investmnt" in out.output
    assert out.output.rstrip().endswith("在“check”阶段有错误，无法输出“model”阶段")
    # the AST stage does not need the checker, so it still prints
    assert CliRunner().invoke(main, ["dump", "--stage", "ast", str(bad)]).exit_code == 0


# ---------------------------------------------------------------- the walker
def test_children_come_from_the_fields_in_order(policy):
    formula = policy.programme("art09_equipment").amount
    assert isinstance(formula, M.Formula)
    product = formula.expr
    assert visitor.children(product) == (product.left, product.right)
    assert formula.interpretation is None and formula.cap is not None
    assert visitor.children(formula) == (formula.expr, formula.cap)


def test_references_are_not_children(policy):
    """An input reference does not walk into the field's declaration, nor a step's name into its formula."""
    for node in visitor.walk(policy):
        if isinstance(node, (M.InputRef, M.ItemRef, M.LetRef)):
            assert visitor.children(node) == ()
        if isinstance(node, M.Lookup):
            assert node.field not in visitor.children(node)


def test_walk_reaches_every_kind_of_node_the_policy_uses(policy):
    kinds = {type(n).__name__ for n in visitor.walk(policy)}
    # every expression and amount kind the shipped policy writes is reached from the root
    assert {"Tiers", "Lookup", "Cond", "Call", "PerItem", "Cases", "Unique", "Let", "LetRef", "ItemRef",
            "Member", "Not", "Logic", "Compare", "Arith", "Const", "InputRef", "Constraint"} <= kinds


def test_walk_is_iterative_at_any_depth():
    t = M.Type("bool")
    node: M.Expr = M.Const(True, t, "是", M.Span(1, 1, 1, 2))
    for _ in range(5000):
        node = M.Not(node, t, M.Span(1, 1, 1, 2))
    assert sum(1 for _ in visitor.walk(node)) == 5001


@dataclass(frozen=True)
class Scratch(M.Arith):
    """A node type the passes have never seen (derived from one they know)."""


class _Printer(visitor.Visitor[str]):
    def visit_Arith(self, node):
        return f"({self.visit(node.left)} {node.op} {self.visit(node.right)})"

    def visit_Const(self, node):
        return node.text


def test_a_visitor_dispatches_by_class_and_refuses_an_unknown_node():
    span = M.Span(1, 1, 1, 2)
    num = M.Type("num")
    one = M.Const(Decimal(1), num, "1", span)
    assert _Printer().visit(M.Arith("+", one, one, num, span)) == "(1 + 1)"
    with pytest.raises(visitor.UnhandledNode, match="_Printer has no visit_Scratch"):
        _Printer().visit(M.Arith("+", one, Scratch("×", one, one, num, span), num, span))
