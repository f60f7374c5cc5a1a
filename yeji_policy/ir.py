"""The lowered form: what lower.py makes of the checked model, and what backends print.

A programme lowers to straight-line statements over named variables
(three-address code): each value is computed once into a `Var`, from
operands that are `Var`s or `Const`s.  Printing is then a walk with one
`visit_<Node>` per node type and no decisions about the policy: the Python
backend prints the statements as they are; a SQL backend folds the
variables back into one expression (`Var` → its definition; `If`/`Choose`
→ CASE), dropping every explanation node.

Two kinds of node, kept apart:

* **values** — `Read`, `Compute` and the pure expressions (`Const`, `Var`,
  `Arith`, `Compare`, `Logic`, `Not`, `Member`, `Call`, `TierSelect`), the
  control statements (`If`, `Choose`, `FirstOf`, `ForEach`, `Guard`) and the
  outcome statements (`Require`, `Review`, `Unique`, `Cap`, `Pay`,
  `SetOutcome`, `Stop`, `Return`, `Constraint`);
* **explanations** — `Explain` (a Chinese text built by a runtime `r_*`
  function, `Render`), `Step` (one line of the result's steps), `Reason`,
  `Note` (an interpretation entry).  They never feed a value: a printer that
  only wants the amount and the status drops them, and a structured trace
  (#17) can be printed from them.

Every node carries `at`, the article it belongs to and the policy source
line it lowers (an `Origin`, not a node: walking does not visit it).
Fields holding a model declaration (an input's `Field`) are references, as
in model.py, and are not walked.  Dispatch and walking: `visitor.Visitor`,
which refuses a node type it has no method for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Union

from . import model as M


class Origin(NamedTuple):
    """Where a node comes from: the article number and the policy source line."""

    article: int
    line: int


@dataclass(frozen=True)
class Node:
    """Base of every IR node: `at` is keyword-only, so node fields stay positional."""

    at: Origin = field(kw_only=True)


# ---------------------------------------------------------------- pure expressions (values)
@dataclass(frozen=True)
class Const(Node):
    """A constant: Decimal (in base units), bool, option id (str) or None."""

    value: Union[Decimal, bool, str, None]


@dataclass(frozen=True)
class Var(Node):
    """A variable defined earlier by Read, Compute or Explain (a Python identifier)."""

    name: str


@dataclass(frozen=True)
class Arith(Node):
    """Exact arithmetic: op is "+", "-" or "×" (Decimal, no rounding)."""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Compare(Node):
    """op: ">=", "<=", ">", "<", "=", "!="."""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Logic(Node):
    """op: "且" (and) or "或" (or)."""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Not(Node):
    operand: "Expr"


@dataclass(frozen=True)
class Member(Node):
    """Whether operand (an option id) is one of values."""

    operand: "Expr"
    values: tuple[str, ...]


@dataclass(frozen=True)
class Call(Node):
    """A built-in: min, max, months (calendar months from a to b inclusive),
    overlap_months (start, end, window start, window months), round_cents
    (half-up to 0.01), add (exact sum), sum_of (a ForEach outcome's certain amount: 令 x = 逐项 …)."""

    func: str
    args: tuple["Expr", ...]


@dataclass(frozen=True)
class TierRow(Node):
    threshold: Decimal
    award: Decimal
    threshold_text: str  # as written, for the explanation
    award_text: str


@dataclass(frozen=True)
class TierSelect(Node):
    """The award of the last row whose threshold subject reaches (≥); thresholds
    ascend; no row reached: 0.  `reached` names the variable that records the
    reached row's (threshold_text, award_text) for the explanation (None: none)."""

    subject: "Expr"
    rows: tuple[TierRow, ...]
    reached: str | None = None


Expr = Union[Const, Var, Arith, Compare, Logic, Not, Member, Call, TierSelect]


# ---------------------------------------------------------------- explanations
@dataclass(frozen=True)
class Lit(Node):
    """A literal for an explanation (str, tuple or list of str, None): presentation only."""

    value: object


@dataclass(frozen=True)
class Spread(Node):
    """A variable holding a tuple, passed as separate arguments (*name)."""

    name: str


@dataclass(frozen=True)
class RefText(Node):
    """An input shown with its label: "label value unit" (runtime.show_ref, specialised)."""

    field: M.Field = M.reference()
    value: Var


@dataclass(frozen=True)
class Shown(Node):
    """A value shown in Chinese: kind bool, date or num (with its display unit)."""

    value: Var
    kind: str
    unit: str | None


@dataclass(frozen=True)
class Items(Node):
    """A list of texts, passed as one argument ([a, b])."""

    items: tuple["TextArg", ...]


@dataclass(frozen=True)
class Render(Node):
    """A Chinese text built by runtime function func (an r_* function, or show_yuan)."""

    func: str
    args: tuple["TextArg", ...]


TextArg = Union[Const, Var, Lit, Spread, RefText, Shown, Items, Render]


@dataclass(frozen=True)
class Explain(Node):
    """var = a text explaining a value (never read by a value)."""

    var: str
    text: TextArg


@dataclass(frozen=True)
class Step(Node):
    """One step of the result: a trace record, runtime trace_<kind>(ref, …, *args), from
    which runtime.render_step words the step; prefixed: inside a list item (the
    record carries the item's position and prefix, "第2项…").  ref: the step's
    static record part (catalogue.step_refs: stable id, clause, inputs, interpretations)."""

    kind: str
    args: tuple[Union[TextArg, Call], ...]
    prefixed: bool
    ref: dict | None = None


@dataclass(frozen=True)
class Reason(Node):
    """One reason of the result: runtime reason_<kind>(*args), prefixed as Step."""

    kind: str
    args: tuple[TextArg, ...]
    prefixed: bool


@dataclass(frozen=True)
class Note(Node):
    """Record an interpretation entry (catalogue.interpretation_entry) in the result."""

    entry: dict


# ---------------------------------------------------------------- statements
@dataclass(frozen=True)
class Read(Node):
    """var = an input: source "values" (the application) or "item" (the current list item)."""

    var: str
    source: str
    field: M.Field = M.reference()
    explain: Explain | None = None


@dataclass(frozen=True)
class Compute(Node):
    """var = expr, with the explanation of the value beside it (None: none)."""

    var: str
    expr: Expr
    explain: Explain | None = None


@dataclass(frozen=True)
class If(Node):
    """Run then if cond holds, else otherwise.  A variable assigned in both
    branches takes the branch's value after the If (a phi, for SQL: CASE)."""

    cond: Expr
    then: tuple["Stmt", ...]
    otherwise: tuple["Stmt", ...] | None = None


@dataclass(frozen=True)
class Arm(Node):
    """One option of a Choose: its statements run when the subject is option."""

    option: str
    body: tuple["Stmt", ...]


@dataclass(frozen=True)
class Choose(Node):
    """Run the arm of the subject's option (the form admits exactly one)."""

    subject: Expr
    arms: tuple[Arm, ...]


@dataclass(frozen=True)
class Case(Node):
    """One case of a FirstOf: setup computes cond (run only while no earlier case
    held, so after every earlier case's setup: it may use what they defined);
    cond None: every other case; body (run after its own setup) sets the
    FirstOf's outcome."""

    setup: tuple["Stmt", ...]
    cond: Expr | None
    body: tuple["Stmt", ...]


@dataclass(frozen=True)
class FirstOf(Node):
    """var = the outcome of the first case whose condition holds (None: no case held)."""

    var: str
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Require(Node):
    """A requirement: if cond does not hold, reason goes to the failed list."""

    cond: Expr
    reason: Reason


@dataclass(frozen=True)
class Review(Node):
    """A review rule: if cond holds, note is recorded and reason goes to the review list."""

    cond: Expr
    reason: Reason
    note: Note | None = None


@dataclass(frozen=True)
class Unique(Node):
    """Inside a ForEach: only the first item per key counts; a later one is
    reviewed (its reason goes to the item's reviews).  number tells uniques apart."""

    number: int
    key: Expr
    key_text: TextArg
    reason: str
    note: Note | None = None
    ref: dict | None = None  # its trace record's static part, as Step.ref


@dataclass(frozen=True)
class Cap(Node):
    """var = min(amount, limit) (var already holds amount); limit None: no cap.
    Also defines capped (whether the limit applied) and cap_shown (the limit in
    Chinese: shown, a Lit when the limit is a constant), which the formula's
    Step reads."""

    var: str
    amount: Var
    limit: Expr | None
    shown: TextArg | None


@dataclass(frozen=True)
class Pay(Node):
    """var = the outcome "pay amount"."""

    var: str
    amount: Var


@dataclass(frozen=True)
class Outcome(Node):
    """A fixed outcome: kind "review" or "ineligible", with its reasons."""

    kind: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SetOutcome(Node):
    """var = an outcome computed earlier (a Var) or a fixed one."""

    var: str
    value: Union[Var, Outcome]


@dataclass(frozen=True)
class ForEach(Node):
    """The sum over a list's items: per item, rules (Read/Compute/Require/Review/…)
    then checks (the Unique rules, with the statements computing their keys)
    then the item's amount (into outcome var inner); var = the
    total outcome ("partial" when some item awaits review).  final: the total
    is the programme's amount (rounded once, for the step)."""

    var: str
    field: M.Field = M.reference()
    rules: tuple["Stmt", ...] = ()
    checks: tuple["Stmt", ...] = ()
    amount: tuple["Stmt", ...] = ()
    inner: str = ""
    final: bool = True
    ref: dict | None = None  # the total's trace record's static part, as Step.ref


@dataclass(frozen=True)
class Guard(Node):
    """Run body only once every input in inputs is known: known is "known"
    (the calculator's set of known inputs) or "values" (the form's values)."""

    inputs: tuple[str, ...]
    known: str
    body: tuple["Stmt", ...]


@dataclass(frozen=True)
class Constraint(Node):
    """A cross-field check of the form: if cond does not hold, the error (path, message)."""

    cond: Expr
    path: str
    message: str


@dataclass(frozen=True)
class Start(Node):
    """Begin a run: empty steps, failed and review lists; the programme's own interpretation notes."""

    notes: tuple[dict, ...]


@dataclass(frozen=True)
class RuleMark(Node):
    """A rule begins here (name: 条件, 审核, 令, 唯一): a comment for readers of the printed code."""

    name: str


@dataclass(frozen=True)
class Stop(Node):
    """If a requirement failed: the outcome is "ineligible" (no amount is computed)."""


@dataclass(frozen=True)
class Return(Node):
    """End the run with outcome (a Var holding an outcome; None: no outcome, the calculator)."""

    outcome: Var | None


Stmt = Union[Read, Compute, Explain, Step, Note, If, Choose, FirstOf, Require, Review, Unique, Cap, Pay, SetOutcome,
             ForEach, Guard, Constraint, Start, RuleMark, Stop, Return]


# ---------------------------------------------------------------- programmes
@dataclass(frozen=True)
class Programme(Node):
    """One programme lowered: rules (rules then amount, for evaluate); partial (the
    rules whose inputs are known, each under a Guard, for the calculator);
    constraints (the form's cross-field checks, each under a Guard on its inputs);
    ranges (rules then amount again, for the calculator's range reasoning: a printer
    evaluates them over abstract values, see ItemRange) and the sums they compute exactly."""

    id: str
    rules: tuple[Stmt, ...]
    partial: tuple[Stmt, ...]
    constraints: tuple[Stmt, ...]
    ranges: tuple[Stmt, ...] = ()  # the calculator's range reasoning (below)
    sums: tuple[tuple[Stmt, ...], ...] = ()  # each list sum of ranges alone, computed exactly (ItemRange.exact)


# ---------------------------------------------------------------- range reasoning (the calculator, #13)
# A programme's `ranges` are its rules and amount lowered as for evaluate, but
# printed over abstract values (runtime.range_*: an Interval for a number, the
# set of values a yes/no or option can still take): a value node computes the
# range of its value, a Require records whether it can fail, an If or Choose
# runs every branch its condition allows and joins what they assign, a FirstOf
# collects the outcomes of every case that can hold.  Only a list's sum needs
# a node of its own.
@dataclass(frozen=True)
class ItemRange(Node):
    """var = the outcomes (kind, range) a list's sum can have.  When every input in
    inputs is answered, the sum computed exactly by the programme's sums[exact]
    (inputs None: never, the sum reads a 令 value computed outside it); else from
    per_item, the statements giving into inner the outcomes of one item's amount,
    each item input any value its form allows (runtime.range_items_unknown).
    limit: the sum's own cap (合计最高不超过, a TotalCap in evaluate), clamping that
    range (runtime.range_items_capped).  total: the sum is a 令 value (令 x = 逐项 …,
    #22), so var is the range of its amount (runtime.range_items_value), not outcomes."""

    var: str
    inputs: tuple[str, ...] | None
    exact: int | None
    per_item: tuple[Stmt, ...]
    inner: str
    limit: Expr | None = None
    total: bool = False


# ---------------------------------------------------------------- caps on sums (#22, sums)
@dataclass(frozen=True)
class TotalCap(Node):
    """合计最高不超过: var = the outcome total (a ForEach's) with its sum capped at limit.

    The sum counts the items under review too (amount + pending): when it is above the
    limit, the certain amount becomes min(amount, limit) and pending the rest of the
    limit.  Defines whole, capped and cap_shown for the step (shown: the limit in
    Chinese); final: the amount is the programme's (the step rounds it once)."""

    var: str
    total: Var
    limit: Expr
    shown: TextArg
    final: bool = True
    note: Note | None = None
    ref: dict | None = None  # its trace record's static part, as Step.ref
