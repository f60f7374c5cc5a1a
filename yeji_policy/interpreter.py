"""The reference interpreter: evaluates the checked model directly.

It is the second of two independent engines (the first is the generated
module, backends/python.py).  Both validate with runtime.validate_object and
word their explanations with runtime's r_*/step_* helpers, but each computes
every value on its own, so a test that compares them checks the compiler.
"""

from __future__ import annotations

from . import catalogue, versions, visitor
from . import cross_runtime as X
from . import model as M
from . import runtime as R
from .units import display_unit


class _Run(visitor.Visitor):
    """One evaluation: expressions give (value, text), rules append steps, an
    amount gives its outcome.  One visit_ method per node kind."""

    def __init__(self, programme: M.Programme, values: dict, known: frozenset[str] | None = None):
        self.p = programme
        self.values = values
        self.known = known  # None: every input is known
        self.lets: dict[str, object] = {}
        self.item: dict | None = None
        self.index: int | None = None
        self.refs = catalogue.step_refs(programme)
        self.steps: list[str] = []
        self.reasons: list[str] = []
        self.interps: list[dict] = []
        self.article = programme.article

    def record(self, trace, node, prefix: str, *args):
        """One trace record (runtime.trace_<kind>) for a model node, at the current item if any."""
        return trace(self.refs[id(node)], self.values, self.item, self.index, prefix, *args, self.article)

    def note(self, interp: M.Interpretation | None) -> None:
        if interp is not None:
            entry = catalogue.interpretation_entry(interp)
            if entry not in self.interps:
                self.interps.append(entry)

    # ------------------------------------------------------------ expressions: (value, text)
    def visit_Const(self, e: M.Const) -> tuple[object, str]:
        return e.value, catalogue.const_text(e)

    def visit_InputRef(self, e: M.InputRef) -> tuple[object, str]:
        f = e.field
        value = self.values[f.name]
        return value, R.show_ref(f.label, value, f.kind, f.unit, f.options)

    def visit_ItemRef(self, e: M.ItemRef) -> tuple[object, str]:
        f = e.field
        value = self.item[f.name]
        return value, R.show_ref(f.label, value, f.kind, f.unit, f.options)

    def visit_LetRef(self, e: M.LetRef) -> tuple[object, str]:
        value = self.lets[e.let.name]
        return value, R.r_let(e.let.label, _show(value, e.type))

    def visit_Arith(self, e: M.Arith) -> tuple[object, str]:
        lv, lt = self.visit(e.left)
        rv, rt = self.visit(e.right)
        if catalogue.parenthesised(e.left, e.op, "left"):
            lt = R.r_paren(lt)
        if catalogue.parenthesised(e.right, e.op, "right"):
            rt = R.r_paren(rt)
        if e.op == "÷" and not isinstance(e.right, M.Const):  # a ratio (check/ratio.py): exact, only compared
            value = R.ratio(lv, rv)
            if e.type.dim:
                return value, R.r_quotient(lt, rt, value, display_unit(e.type.dim))
            return value, R.r_ratio(lt, rt, value)
        value = {"+": R.add, "-": R.sub, "×": R.mul, "÷": R.div}[e.op](lv, rv)
        return value, R.r_arith(e.op, lt, rt)

    def visit_Logic(self, e: M.Logic) -> tuple[object, str]:
        lv, lt = self.visit(e.left)
        rv, rt = self.visit(e.right)
        value = (lv and rv) if e.op == "且" else (lv or rv)
        return value, R.r_arith(e.op, lt, rt)

    def visit_Not(self, e: M.Not) -> tuple[object, str]:
        v, t = self.visit(e.operand)
        return (not v), R.r_not(t)

    def visit_Compare(self, e: M.Compare) -> tuple[object, str]:
        lv, lt = self.visit(e.left)
        rv, rt = self.visit(e.right)
        holds = R.compare(e.op, lv, rv)
        return holds, R.r_compare(e.op, lt, rt, holds)

    def visit_Member(self, e: M.Member) -> tuple[object, str]:
        v, t = self.visit(e.operand)
        labels = [e.operand.field.option_label(o) for o in e.values]
        holds = v in e.values
        return holds, R.r_member(t, labels, holds)

    def visit_Cond(self, e: M.Cond) -> tuple[object, str]:
        cv, ct = self.visit(e.cond)
        bv, bt = self.visit(e.then if cv else e.otherwise)
        return bv, R.r_cond(bt, ct)

    def visit_Call(self, e: M.Call) -> tuple[object, str]:
        args = [self.visit(a) for a in e.args]
        values = [a[0] for a in args]
        texts = [a[1] for a in args]
        if e.func == "min":
            value = min(values)
        elif e.func == "max":
            value = max(values)
        elif e.func == "months":
            value = R.months_between(values[0], values[1])
        elif e.func in _DATE_CALLS:  # dates in rules (#22)
            value = _DATE_CALLS[e.func](*values)
        else:
            value = R.overlap_months(*values)
        return value, R.r_call(e.func, texts)

    def visit_Tiers(self, e: M.Tiers) -> tuple[object, str]:
        sv, st = self.visit(e.subject)
        reached = None
        for row in e.rows:
            if sv >= row.threshold:
                reached = row
        if reached is None:
            return R.ZERO, R.r_tiers(st, None, None, e.rows[0].threshold_text)
        return reached.award, R.r_tiers(st, reached.threshold_text, reached.award_text, e.rows[0].threshold_text)

    def visit_ItemSum(self, e: M.ItemSum) -> tuple[object, str]:
        """令 x = 逐项 … (#22): each item's rules, then its amount if they hold; the sum, unrounded."""
        label = e.list_field.label
        counted = R.ZERO
        for index, item in enumerate(self.values[e.list_field.name]):
            self.item, self.index = item, index
            prefix = R.item_prefix(label, index)
            failed, _ = self.rules(e.rules, prefix)
            if not failed:
                counted = R.add(counted, self.visit(e.amount, False, prefix).amount)
        self.item = self.index = None
        self.steps.append(self.record(R.trace_item_total, e, "", counted, R.ZERO, counted))
        return counted, R.r_item_sum(label)
    # --- 除法、比例与累进 (#22 ratio)
    def visit_Bands(self, e: M.Bands) -> tuple[object, str]:
        sv, st = self.visit(e.subject)
        parts = [R.band_part(sv, row.lower, row.upper) for row in e.rows]
        value = R.ZERO
        for part, row in zip(parts, e.rows):
            value = R.add(value, R.mul(part, row.rate))
        for row in e.rows:
            self.note(row.interpretation)
        return value, R.r_bands(st, [row.label for row in e.rows], parts, [row.rate_text for row in e.rows],
                                display_unit(e.subject.type.dim))

    def visit_Lookup(self, e: M.Lookup) -> tuple[object, str]:
        sv, _ = self.visit(e.subject)
        branch = dict(e.choices)[sv]
        bv, bt = self.visit(branch)
        return bv, R.r_lookup(bt, e.field.label, e.field.option_label(sv))

    # ------------------------------------------------------------ rules
    def rules(self, rules, prefix: str = "") -> tuple[list[str], list[str]]:
        """Run Require/Review/Let rules; return (failed reasons, review reasons)."""
        failed: list[str] = []
        reviews: list[str] = []
        for rule in rules:
            if self.known is not None and not catalogue.inputs_of(catalogue.rule_expr(rule)) <= self.known:
                continue  # the calculator decides a rule only once all its inputs are known
            self.visit(rule, prefix, failed, reviews)
        return failed, reviews

    def visit_Let(self, rule: M.Let, prefix: str, failed: list[str], reviews: list[str]) -> None:
        value, text = self.visit(rule.expr)
        self.lets[rule.name] = value
        self.note(rule.interpretation)
        self.steps.append(self.record(R.trace_let, rule, prefix, rule.label, text, _show(value, rule.expr.type), value))

    def visit_Require(self, rule: M.Require, prefix: str, failed: list[str], reviews: list[str]) -> None:
        ok, text = self.visit(rule.cond)
        self.note(rule.interpretation)
        self.steps.append(self.record(R.trace_require, rule, prefix, ok, text))
        if not ok:
            failed.append(prefix + R.reason_require(rule.reason, text, self.article))

    def visit_Review(self, rule: M.Review, prefix: str, failed: list[str], reviews: list[str]) -> None:
        hit, text = self.visit(rule.cond)
        self.steps.append(self.record(R.trace_review, rule, prefix, hit, text))
        if hit:
            self.note(rule.interpretation)
            reviews.append(prefix + R.reason_review(rule.reason, text, self.article))

    # ------------------------------------------------------------ amounts
    # visit(amount, final, prefix) -> (kind, certain, pending, reasons): kind is
    # pay, partial (items under review), review (silent text) or ineligible.
    def visit_Formula(self, amount: M.Formula, final: bool, prefix: str):
        raw, text = self.visit(amount.expr)
        self.note(amount.interpretation)
        value = raw
        cap_shown = capped = None
        if amount.cap is not None:
            limit, _ = self.visit(amount.cap.limit)
            self.note(amount.cap.interpretation)
            cap_shown = R.show_yuan(limit)
            capped = raw > limit
            if capped:
                value = limit
        taken = R.round_cents(value) if final else value
        self.steps.append(self.record(R.trace_formula, amount, prefix, text, raw, cap_shown, capped, taken))
        return R.Outcome("pay", value, R.ZERO, [])

    def visit_Cases(self, amount: M.Cases, final: bool, prefix: str):
        for case in amount.cases:
            if case.cond is None:
                self.steps.append(self.record(R.trace_case, case, prefix, None))
            else:
                hit, text = self.visit(case.cond)
                if not hit:
                    continue
                self.steps.append(self.record(R.trace_case, case, prefix, text))
            return self.visit(case.outcome, final, prefix)
        raise AssertionError("the checker requires 其他")  # pragma: no cover

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome, final: bool, prefix: str):
        self.note(outcome.interpretation)
        return R.Outcome("review", None, None, [prefix + R.reason_plain(outcome.reason, self.article)])

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome, final: bool, prefix: str):
        return R.Outcome("ineligible", None, None, [prefix + R.reason_plain(outcome.reason, self.article)])

    def visit_PerItem(self, amount: M.PerItem, final: bool, prefix: str):
        items = self.values[amount.list_field.name]
        label = amount.list_field.label
        counted = R.ZERO
        pending = R.ZERO
        excluded: list[str] = []
        reviews: list[str] = []
        first_by_key: dict[tuple[int, object], int] = {}  # (rule, key) -> first item
        for index, item in enumerate(items):
            self.item, self.index = item, index
            prefix = R.item_prefix(label, index)
            failed, item_reviews = self.rules([r for r in amount.rules if not isinstance(r, M.Unique)], prefix)
            if failed:
                excluded.extend(failed)
                continue
            for number, rule in enumerate(amount.rules):
                if isinstance(rule, M.Unique):
                    key, key_text = self.visit(rule.key)
                    if (number, key) in first_by_key:
                        self.note(rule.interpretation)
                        first = first_by_key[number, key]
                        self.steps.append(self.record(R.trace_unique, rule, prefix, rule.reason, key_text, first))
                        item_reviews.append(prefix + R.reason_review(rule.reason, key_text, self.article))
                    else:
                        first_by_key[number, key] = index
            inner = self.visit(amount.amount, False, prefix)
            kind, value, reasons = inner.kind, inner.amount, inner.reasons
            if kind != "pay":  # pragma: no cover - the shipped policy has no nested cases
                item_reviews.extend(reasons)
                continue
            if item_reviews:
                reviews.extend(item_reviews)
                pending = R.add(pending, value)
            else:
                counted = R.add(counted, value)
        self.item = self.index = None
        last = final and amount.cap is None  # with a 合计最高不超过, its step takes the amount
        total = R.round_cents(counted) if last else counted
        self.steps.append(self.record(R.trace_item_total, amount, "", counted, pending, total))
        if amount.cap is not None:
            counted, pending = self.total_cap(amount.cap, counted, pending, final)
        if reviews:
            return R.Outcome("partial", counted, pending, reviews)
        return R.Outcome("pay", counted, R.ZERO, excluded)


    def total_cap(self, cap: M.Cap, counted, pending, final: bool):
        """合计最高不超过: the sum of the items, those under review included, is at most the limit;
        what is counted is capped first, what awaits review gets the rest of the limit."""
        limit, _ = self.visit(cap.limit)
        self.note(cap.interpretation)
        whole = R.add(counted, pending)
        capped = whole > limit
        if capped:
            counted = min(counted, limit)
            pending = R.sub(limit, counted)
        taken = R.round_cents(counted) if final else counted
        self.steps.append(self.record(R.trace_total_cap, cap, "", whole, R.show_yuan(limit), capped, pending, taken))
        return counted, pending


# dates in rules (#22): the model's built-in -> runtime's function
_DATE_CALLS = {"days": R.days_between, "year": R.year_of, "full_months": R.full_months, "full_days": R.full_days,
               "year_index": R.year_index}


def _show(value, t: M.Type) -> str:
    if t.kind == "bool":
        return R.show_bool(value)
    if t.kind == "date":
        return value.isoformat()
    return R.show_number(value, display_unit(t.dim))


# ---------------------------------------------------------------- public API
def _programme(policy: M.Policy, pid) -> M.Programme:
    # Only a plain str names a programme, as in the generated module: a subclass's
    # own __eq__ never runs (it may raise).
    if type(pid) is str:
        for p in policy.programmes:
            if p.id == pid:
                return p
    raise R.unknown_programme(policy.programme_ids, pid)


def _once(compute):
    """compute(node), worked out once per model object (not per evaluation): keyed by identity,
    and holding the object so that its id cannot be reused while cached."""
    cache: dict[int, tuple[object, dict]] = {}

    def cached(node) -> dict:
        hit = cache.get(id(node))
        if hit is None or hit[0] is not node:
            hit = cache[id(node)] = (node, compute(node))
        return hit[1]
    return cached


_meta = _once(catalogue.programme_meta)  # a programme's metadata and form
_period = _once(versions.period_data)  # a policy version's period


def check_constraints(programme: M.Programme, values: dict, errors: list) -> None:
    """The form's cross-field rules (校验) whose inputs are all present."""
    run = _Run(programme, values)
    for constraint in programme.constraints:
        if catalogue.inputs_of(constraint.cond) <= set(values):
            ok, _ = run.visit(constraint.cond)
            if not ok:
                errors.append({"path": constraint.path, "message": constraint.message})


def _validated(programme: M.Programme, application, in_force: dict | None = None) -> dict:
    errors: list[dict] = []
    application = R.take_date(application, in_force, _meta(programme), errors)
    specs = _meta(programme)["inputs"]
    values = R.validate_object(specs, application, "", errors)
    if values is not None:
        check_constraints(programme, values, errors)
    if errors:
        raise R.InvalidApplication(errors)
    return values


def run_programme(programme: M.Programme, values: dict, known: frozenset[str] | None = None, make_run=_Run):
    """Run a programme's rules; with `known`, only those whose inputs are known, and no amount.

    Returns (steps, failed, reviews, outcome, notes) for runtime.decide.  `make_run`
    builds the evaluation: coverage.py passes an observing subclass of _Run.
    """
    run = make_run(programme, values, known)
    for interp in (programme.applicant.interpretation, programme.funding_source.interpretation,
                   programme.payment_condition.interpretation):
        run.note(interp)
    for f in programme.fields:
        run.note(f.interpretation)
    failed, reviews = run.rules(programme.rules)
    if known is not None:
        return run.steps, failed, reviews, None, run.interps
    outcome = R.Outcome("ineligible", None, None, []) if failed else run.visit(programme.amount, True, "")
    return run.steps, failed, reviews, outcome, run.interps


def amount_outcome(programme: M.Programme, values: dict, amount) -> R.Outcome:
    """One amount of a programme (its own, or a part of it: a list's sum), computed alone
    from validated values and not rounded: the calculator's range reasoning (ranges.py)
    works a list's sum out exactly once every input it reads is answered."""
    return _Run(programme, values).visit(amount, False, "")


def expression_value(programme: M.Programme, values: dict, expr):
    """One expression of a programme (e.g. a 令 list sum) computed alone from validated values:
    the calculator's range reasoning works it out exactly once every input it reads is answered."""
    value, _ = _Run(programme, values).visit(expr)
    return value


def evaluate(policy: M.Policy, pid: str, application, make_run=_Run) -> dict:
    """Decide one application; raises runtime.InvalidApplication when it does not fit the form."""
    programme = _programme(policy, pid)
    values = _validated(programme, application, _period(policy))
    return R.decide(_meta(programme), *run_programme(programme, values, None, make_run))


def match(policy: M.Policy, profile) -> list[dict]:
    """The policy calculator over the model; see runtime.match_profile (and, for a policy with rules
    across programmes, cross_runtime.match_across)."""
    programmes = {p.id: _meta(p) for p in policy.programmes}
    if policy.cross:
        profile, answers = X.split_answers(_received(policy), profile)
        entries = _match(policy, programmes, profile)
        X.match_across(_cross_table(policy), entries, answers)
        return entries
    return _match(policy, programmes, profile)


def _match(policy: M.Policy, programmes: dict, profile) -> list[dict]:
    return R.match_profile(
        programmes,
        lambda pid, application: evaluate(policy, pid, application),
        lambda pid, values, known: run_programme(policy.programme(pid), values, known),
        lambda pid, values, errors: check_constraints(policy.programme(pid), values, errors),
        profile,
        versions.period_data(policy),
    )


# ---------------------------------------------------------------- rules across programmes (#22)
# The reference engine's own decisions over the model's Exclusion / AggregateCap, in whole 分
# (every amount here is a programme's final amount, already two places): the generated module
# decides the same from its CROSS table in Decimal; the wording is runtime's (cross_runtime).
def evaluate_all(policy: M.Policy, application, programmes=None) -> dict:
    """One applicant's whole application: each programme claimed decided here, then the policy's
    rules across programmes, in source order."""
    metas = {p.id: _meta(p) for p in policy.programmes}
    order, answers = X.read_whole(metas, _received(policy), application, programmes)
    results = X.decide_each(lambda pid, app: evaluate(policy, pid, app), metas, order, application)
    records = []
    # exclusions first, then caps, each in source order: a cap counts only what the exclusions leave
    for rule in sorted(policy.cross, key=lambda r: not isinstance(r, M.Exclusion)):
        if isinstance(rule, M.Exclusion):
            records.append(_exclusion(policy, rule, results))
        elif rule.received.name in answers:
            records.append(_aggregate_cap(policy, rule, results, answers[rule.received.name]))
    return X.whole_result(order, results, records)


def _received(policy: M.Policy) -> list:
    """Each aggregate cap's programmes and its question (the amount already received)."""
    return [(rule.programmes, catalogue.field_spec(rule.received)) for rule in policy.cross
            if isinstance(rule, M.AggregateCap)]


_cross_table = _once(X.table)


def _fen(text: str) -> int:
    return int(R.D(text).scaleb(2))


def _yuan(fen: int) -> R.D:
    return R.D(fen).scaleb(-2)


def _payable_fen(result: dict) -> int | None:
    if result["status"] == "eligible":
        return _fen(result["amount"])
    if result["status"] == "review":
        return _fen(result["amount_if_approved"] if "amount_if_approved" in result else result["amount"])
    return None


def _clause(policy: M.Policy, rule) -> dict | None:
    if rule.excerpt is None:
        return None
    text = policy.article(rule.article).text
    start = text.find(rule.excerpt)
    return {"excerpt": rule.excerpt, "start": start, "end": start + len(rule.excerpt)}


def _entries(*interps) -> list[dict]:
    return [catalogue.interpretation_entry(i) for i in interps if i is not None]


def _exclusion(policy: M.Policy, rule: M.Exclusion, results: dict) -> dict:
    payable = {p: _payable_fen(results[p]) for p in rule.programmes if p in results}
    claimed = [p for p in rule.programmes if payable.get(p) is not None]
    name = {p: policy.programme(p).name for p in claimed}
    own = _entries(rule.interpretation)
    if len(claimed) < 2:
        return X.cross_record(rule.id, "exclusion", rule.article, _clause(policy, rule), claimed, False, None, [i["id"] for i in own],
                              X.cross_text_exclusion(rule.title, [name[p] for p in claimed], "none", rule.article))
    if rule.highest:
        best = max(claimed, key=lambda p: (payable[p], -claimed.index(p)))  # ties: the first in policy order
        notes = own + _entries(rule.choice_interpretation)
        for p in claimed:
            if p == best:
                X.cross_note(results[p], notes)
            else:
                X.cross_change(results[p], "ineligible", R.ZERO, X.cross_reason_highest(rule.title, name[best], rule.article),
                               notes)
        return X.cross_record(rule.id, "exclusion", rule.article, _clause(policy, rule), claimed, True, best, [i["id"] for i in notes],
                              X.cross_text_exclusion(rule.title, [name[p] for p in claimed], "highest", rule.article,
                                                     name[best], _yuan(payable[best]),
                                                     [name[p] for p in claimed if p != best]))
    for p in claimed:
        X.cross_change(results[p], "review", R.ZERO,
                       X.cross_reason_excluded(rule.title, [name[q] for q in claimed if q != p], rule.article),
                       own, _yuan(payable[p]))
    return X.cross_record(rule.id, "exclusion", rule.article, _clause(policy, rule), claimed, True, None, [i["id"] for i in own],
                          X.cross_text_exclusion(rule.title, [name[p] for p in claimed], "review", rule.article))


def _aggregate_cap(policy: M.Policy, rule: M.AggregateCap, results: dict, received) -> dict:
    payable = {p: _payable_fen(results[p]) for p in rule.programmes if p in results}
    members = [p for p in rule.programmes if payable.get(p) is not None]
    limit, got = _fen(str(rule.limit)), int(received.scaleb(2).to_integral_value())
    room = max(limit - got, 0)
    total = sum(payable[p] for p in members)
    own = _entries(rule.interpretation)
    notes = own + _entries(rule.share_interpretation)
    label = rule.received.label
    if total <= room:
        outcome = "within"
    elif room == 0:
        outcome = "exhausted"
        reason = X.cross_reason_exhausted(rule.title, label, received, _yuan(limit), rule.article)
        for p in members:
            X.cross_change(results[p], "ineligible", R.ZERO, reason, own)
    elif len(members) == 1:  # nothing to share: the text forces the room
        outcome = "alone"
        (p,) = members
        reason = X.cross_reason_room(rule.title, _yuan(room), rule.article)
        if results[p]["status"] == "eligible":
            X.cross_change(results[p], "eligible", _yuan(room), reason, own)
        else:
            X.cross_change(results[p], "review", R.ZERO, reason, own, _yuan(room))
    elif rule.in_order:
        outcome = "in_order"
        used = 0
        for p in members:
            take = min(payable[p], room - used)
            used += take
            if take == payable[p]:
                X.cross_note(results[p], notes)
                continue
            reason = X.cross_reason_share(rule.title, _yuan(take), rule.article)
            if take == 0:
                X.cross_change(results[p], "ineligible", R.ZERO, reason, notes)
            elif results[p]["status"] == "eligible":
                X.cross_change(results[p], "eligible", _yuan(take), reason, notes)
            else:
                X.cross_change(results[p], "review", R.ZERO, reason, notes, _yuan(take))
    else:
        outcome = "review"
        reason = X.cross_reason_review(rule.title, _yuan(total), _yuan(room), rule.article)
        for p in members:
            X.cross_change(results[p], "review", R.ZERO, reason, own, _yuan(payable[p]))
    paid = sum(_fen(results[p]["amount"]) for p in members if results[p]["status"] == "eligible")
    return X.cross_record(rule.id, "aggregate_cap", rule.article, _clause(policy, rule), members, outcome != "within",
                          R.cents_string(_yuan(paid)), [i["id"] for i in (notes if outcome == "in_order" else own)],
                          X.cross_text_cap(rule.title, _yuan(limit), label, received, _yuan(room),
                                           [policy.programme(p).name for p in members], _yuan(total), outcome,
                                           rule.article),
                          {rule.received.name: R.plain_json(received)},
                          limit=R.cents_string(_yuan(limit)), room=R.cents_string(_yuan(room)),
                          total=R.cents_string(_yuan(total)))
