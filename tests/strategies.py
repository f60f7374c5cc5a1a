"""Hypothesis strategies for applications, derived from a programme's form.

Values favour the boundaries the rules care about: every constant of the
programme (caps, thresholds, rates), the input that exactly reaches a cap
(cap / rate), one 分 either side, and 0.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import strategies as st

from yeji_policy import catalogue
from yeji_policy import model as M

CENT = Decimal("0.01")

PROGRAMME_IDS = [
    "art09_venue_fitout", "art09_equipment", "art10_park_rent", "art10_rural_logistics",
    "art11_service_center_operation", "art11_pavilion", "art12_supply_chain", "art13_rural_stations",
    "art14_sales_award", "art14_poverty_employment", "art14_cross_border", "art15_demonstration", "art17_training",
]


def constants(programme: M.Programme) -> set[Decimal]:
    found: set[Decimal] = set()

    def walk(e):
        if isinstance(e, M.Const) and isinstance(e.value, Decimal):
            found.add(e.value)
        if isinstance(e, M.Tiers):
            for row in e.rows:
                found.update({row.threshold, row.award})
        for child in catalogue.children(e):
            walk(child)

    def walk_amount(a):
        if isinstance(a, M.Formula):
            walk(a.expr)
            if a.cap:
                walk(a.cap.limit)
        elif isinstance(a, M.Cases):
            for case in a.cases:
                if case.cond is not None:
                    walk(case.cond)
                if not isinstance(case.outcome, (M.ReviewOutcome, M.IneligibleOutcome)):
                    walk_amount(case.outcome)
        else:
            for rule in a.rules:
                walk(catalogue.rule_expr(rule))
            walk_amount(a.amount)
            if a.cap:  # 合计最高不超过
                walk(a.cap.limit)

    for rule in programme.rules:
        walk(catalogue.rule_expr(rule))
    walk_amount(programme.amount)
    return found


def boundary_values(programme: M.Programme) -> list[Decimal]:
    consts = constants(programme)
    rates = [c for c in consts if 0 < c <= 1]
    points = {Decimal(0), CENT}
    for c in consts:
        points.add(c)
        for r in rates:
            points.add((c / r).quantize(CENT))
    result = set()
    for p in points:
        for q in (p - CENT, p, p + CENT):
            if q >= 0:
                result.add(q.quantize(CENT))
    return sorted(result)


def money(boundaries: list[Decimal]):
    cents = st.integers(0, 10**10).map(lambda n: Decimal(n) / 100)
    return st.one_of(st.sampled_from(boundaries), cents, st.integers(0, 10**7).map(Decimal))


def field_value(spec: dict, boundaries: list[Decimal]):
    kind = spec["kind"]
    if kind == "money":
        return money(boundaries)
    if kind == "number":
        if spec.get("step"):
            step = Decimal(spec["step"])
            low = Decimal(spec.get("minimum") or "0")
            return st.integers(int(low / step), int(low / step) + 20).map(lambda n: n * step)
        return st.one_of(st.integers(0, 100000).map(lambda n: Decimal(n) / 100), st.sampled_from(boundaries))
    if kind == "int":
        small = [int(b) for b in boundaries if b == b.to_integral_value() and b < 10**6]
        return st.one_of(st.integers(0, 50), st.sampled_from(small or [0]), st.integers(2015, 2019))
    if kind == "bool":
        return st.booleans()
    if kind == "date":
        return st.dates(datetime.date(2016, 1, 1), datetime.date(2022, 12, 31)).map(lambda d: d.isoformat())
    if kind == "text":
        return st.sampled_from(["平岗村", "三元村", "孙岗村"])
    if kind == "enum":
        return st.sampled_from([o for o, _ in spec["options"]])
    item = application(spec["items"], boundaries)
    return st.lists(item, min_size=1, max_size=5)


def application(specs: list[dict], boundaries: list[Decimal]):
    fields = {}
    optional = {}
    for spec in specs:
        target = optional if spec.get("default") is not None else fields
        target[spec["name"]] = field_value(spec, boundaries)
    return st.fixed_dictionaries(fields, optional=optional)


def for_programme(programme: M.Programme):
    specs = [catalogue.field_spec(f) for f in programme.fields]
    return application(specs, boundary_values(programme))
