"""Three programmes written by hand, as carefully as an engineer would without the compiler.

The baseline for the generated module's speed (issue 15: generated code within
1.3× of careful code with the same output).  Same contract as the generated
module: the same result dicts, key for key and character for character, and
the same rejections with the same errors, and the same trace (#17: every
record, its id, clause, inputs, exact values and explanation, and the
interpretations' ids).  tests/shipped/test_benchmarks.py holds it to that on a
broad population (every magnitude, every threshold ± 0.01 元, -0.00, NaN, huge
numbers, strings, lists, full-width digits, "1e3").

How it is fast without being wrong:
- money is held as integer 分 (the art09 product as integer 0.001 元, since
  × 80% adds a third decimal), training days as a count of half days, people
  and months as int; every comparison and sum is integer arithmetic;
- one exact amount formatter: thousands from int's own `,` format, the
  decimals from a lookup table;
- every constant string (each tier's text, each meal/computer combination) is
  built at import; the two decimal contexts are created once;
- a trace record is one dict display, fresh on every call (nothing a caller
  edits reaches the next result); only immutable strings are shared.  The
  trace's exact values keep the exponent Decimal arithmetic gives them
  ("1500.0" for 200 × 3 × 2.5, "9876.5360" for 12345.670 × 80%), so those few
  strings come from one exact Decimal operation, as the record states them;
- an input is decoded only when it is plainly valid (exact type, range
  checked, a bounded exact scaling that traps on any lost digit); anything else
  goes to the full form check, runtime.validate_object, which words every
  problem exactly as the generated module does (it is the same code).
Nothing is cached across calls: every result is built fresh.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from yeji_policy.runtime import EXACT, InvalidApplication, validate_object

# Scaling a plainly valid input by 100 (money) or 2 (days) is exact in 40
# digits; a value that would lose a digit raises (Inexact) and takes the full check.
# Only a value already compared within the form's range is scaled, so the int made of it is small.
_SCALE = decimal.Context(prec=40, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow])
_ZERO = Decimal(0)
MAX_NUMBER = Decimal("9999999999.99")
MAX_WHOLE = 9_999_999_999  # the largest whole number the form accepts

_DECIMALS2 = tuple(f"{n:02d}" for n in range(100))
_DECIMALS3 = tuple(f"{n:03d}" for n in range(1000))


def yuan(cents: int) -> str:
    """'1,234.50 元' for 123450 分: the one amount formatter (exact; a sign for a negative)."""
    if cents < 0:
        return "-" + yuan(-cents)
    whole, part = divmod(cents, 100)
    return f"{whole:,}.{_DECIMALS2[part]} 元"


def yuan_milli(milli: int) -> str:
    """An amount in 0.001 元 (non-negative): two decimals, or three when the third is not 0."""
    whole, part = divmod(milli, 1000)
    if part % 10:
        return f"{whole:,}.{_DECIMALS3[part]} 元"
    return f"{whole:,}.{_DECIMALS2[part // 10]} 元"


def cents_text(cents: int) -> str:
    """The result's "amount": '98765.42', no separators (cents >= 0)."""
    whole, part = divmod(cents, 100)
    return f"{whole}.{_DECIMALS2[part]}"


def _plain_units(value, scale: int, least: int = 0) -> int | None:
    """value × scale as an int, when value is plainly valid: an exact int or Decimal within the
    form's range, nothing lost in the scaling, at least `least`; else None (the full check decides)."""
    if type(value) is int:
        if 0 <= value <= MAX_WHOLE and value * scale >= least:
            return value * scale
    elif type(value) is Decimal and _ZERO <= value <= MAX_NUMBER:
        scaled = _SCALE.multiply(value, scale)
        whole = int(scaled)
        if whole == scaled and whole >= least:
            return whole
    return None


def _money_cents(value) -> int:
    """分 of a money value already checked by validate_object (at most two places, in range)."""
    return int(_SCALE.multiply(value, 100))


def _number_text(value) -> str:
    """A checked number as the trace states it (runtime.plain_json of the form's value): an int's
    digits, a Decimal's exact digits (exponent kept: "1.230"), -0 as "0"."""
    if type(value) is int:
        return str(value)
    return format(value, "f") if value else "0"


def _checked(fields: list, application) -> dict:
    """The full form check, for anything not plainly valid: its values, or InvalidApplication."""
    errors: list = []
    values = validate_object(fields, application, "", errors)
    if errors:
        raise InvalidApplication(errors)
    return values


def _result(head: tuple, notes: tuple, status: str, amount: str, steps: list, reasons: list, trace: list,
            extra=None) -> dict:
    """The result dict, built fresh: head is (id, name, article, funding source, payment condition);
    notes the programme's interpretations as (id, subject, note), extra one more that applied."""
    programme, name, article, funding, payment = head
    interpretations = [{"id": id_, "article": article, "subject": subject, "note": note}
                       for id_, subject, note in notes]
    if extra is not None:
        interpretations.append({"id": extra[0], "article": article, "subject": extra[1], "note": extra[2]})
    return {"programme": programme, "programme_name": name, "status": status, "amount": amount,
            "article": article, "funding_source": funding, "payment_condition": payment,
            "steps": steps, "reasons": reasons, "interpretations": interpretations, "trace": trace}


# ---------------------------------------------------------------- art09_equipment
EQUIPMENT_FIELDS = [
    {"name": "equipment_investment", "label": "新增软硬件设备设施购置投入", "kind": "money", "unit": "元"},
    {"name": "equipment_audit_passed", "label": "审计验收合格", "kind": "bool"},
]
_EQUIPMENT_KEYS = frozenset(("equipment_investment", "equipment_audit_passed"))
_EQUIPMENT_CAP_MILLI = 800_000_000  # 800,000 元
_EQUIPMENT = ("art09_equipment", "农村电商公共服务中心设备设施购置补助", 9, "区财政", "以奖代补；审计验收后")
_EQUIPMENT_NOTES = (("art09_equipment.applicant", "申请主体", "原文未写申请主体，按受补助的农村电子商务公共服务中心的建设者理解"),
                    ("art09_equipment.condition", "条件", "原文为“审计验收后给予80%补助”，未写“合格”；按审计验收合格理解"))
_EXCERPT9 = "对软硬件等设备设施购置新增投入部分，审计验收后给予80%补助，补助金额最高不超过80万元"
_AUDITED_TEXT = "审计验收合格（是）"
_NOT_AUDITED_TEXT = "审计验收合格（否）"
_EQUIPMENT_AUDITED = "满足条件：审计验收合格（是）【第9条】"
_EQUIPMENT_NOT_AUDITED = "不满足条件：审计验收合格（否）【第9条】"
_EQUIPMENT_REFUSED = "设备设施购置未通过审计验收（不满足条件：审计验收合格（否））【第9条】"
_EQUIPMENT_PRODUCT = "新增软硬件设备设施购置投入 "
_EQUIPMENT_RATE = " × 80%"
_EQUIPMENT_CAP = "800,000.00 元"
_EQUIPMENT_CAPPED = "，超过上限 800,000.00 元，按上限计，取 800,000.00 元【第9条】"
_EQUIPMENT_UNDER = "，未超过上限 800,000.00 元，取 "
_EQUIPMENT_ROUNDED = "，未超过上限 800,000.00 元，按分四舍五入，取 "
_RATE9 = Decimal("0.8")
_TAG9 = "【第9条】"


def _audit_record(audited: bool) -> dict:
    return {"id": "art09_equipment.condition.1", "kind": "condition", "article": 9,
            "clause": {"excerpt": _EXCERPT9, "start": 218, "end": 262},
            "inputs": {"equipment_audit_passed": audited}, "value": audited,
            "interpretations": ["art09_equipment.condition"],
            "explanation": {"text": _AUDITED_TEXT if audited else _NOT_AUDITED_TEXT}}


def art09_equipment(app) -> dict:
    cents = None
    try:
        if type(app) is dict and app.keys() == _EQUIPMENT_KEYS:
            audited = app["equipment_audit_passed"]
            investment = app["equipment_investment"]
            if type(audited) is bool:
                cents = _plain_units(investment, 100)
    except Exception:  # a value no plain path reads (NaN, a digit lost in scaling, an odd key)
        cents = None
    if cents is None:
        values = _checked(EQUIPMENT_FIELDS, app)
        audited = values["equipment_audit_passed"]
        investment = values["equipment_investment"]
        cents = _money_cents(investment)
    if not audited:
        return _result(_EQUIPMENT, _EQUIPMENT_NOTES, "ineligible", "0.00", [_EQUIPMENT_NOT_AUDITED],
                       [_EQUIPMENT_REFUSED], [_audit_record(False)])
    raw = cents * 8  # × 80%, in 0.001 元
    text = _EQUIPMENT_PRODUCT + yuan(cents) + _EQUIPMENT_RATE
    head = text + " = " + yuan_milli(raw)
    if type(investment) is int:  # the product has one decimal, as Decimal(int) × 0.8 has
        exact = f"{investment * 8 // 10}.{investment * 8 % 10}"
    else:  # as Decimal gives it (12345.670 × 0.8 = 9876.5360): one exact multiplication
        exact = format(EXACT.multiply(investment, _RATE9), "f") if investment else "0.0"
    formula = {"id": "art09_equipment.formula.1", "kind": "formula", "article": 9,
               "clause": {"excerpt": _EXCERPT9, "start": 218, "end": 262},
               "inputs": {"equipment_investment": _number_text(investment)}, "value": None,
               "interpretations": [], "explanation": {"text": text, "exact": exact, "cap": _EQUIPMENT_CAP,
                                                      "capped": raw > _EQUIPMENT_CAP_MILLI}}
    trace = [_audit_record(True), formula]
    if raw > _EQUIPMENT_CAP_MILLI:
        formula["value"] = "800000.00"
        return _result(_EQUIPMENT, _EQUIPMENT_NOTES, "eligible", "800000.00",
                       [_EQUIPMENT_AUDITED, head + _EQUIPMENT_CAPPED], [], trace)
    rounded = (raw + 5) // 10  # half up, to 分
    shown = yuan(rounded)
    formula["value"] = amount = cents_text(rounded)
    step = head + (_EQUIPMENT_ROUNDED if raw % 10 else _EQUIPMENT_UNDER) + shown + _TAG9
    if rounded <= 0:
        reason = (f"按规则计算的补助金额为 {yuan_milli(raw)}，四舍五入到分为 0.00 元{_TAG9}" if raw > 0
                  else f"按规则计算的补助金额为 {yuan_milli(raw)}，不大于0{_TAG9}")
        return _result(_EQUIPMENT, _EQUIPMENT_NOTES, "ineligible", "0.00", [_EQUIPMENT_AUDITED, step], [reason],
                       trace)
    return _result(_EQUIPMENT, _EQUIPMENT_NOTES, "eligible", amount, [_EQUIPMENT_AUDITED, step], [], trace)


# ---------------------------------------------------------------- art14_sales_award
SALES_FIELDS = [
    {"name": "sales_channel", "label": "电子商务形式", "kind": "enum",
     "options": [["B2B", "企业间电子商务"], ["B2C", "企业对消费者电子商务"], ["C2C", "个人与个人之间的电子商务"]]},
    {"name": "months_in_operation", "label": "实际运行月数", "kind": "int", "unit": "个月"},
    {"name": "annual_online_sales", "label": "年网上营业额", "kind": "money", "unit": "元"},
    {"name": "sales_awards_received", "label": "此前已获本项奖励金额", "kind": "money", "unit": "元", "default": "0"},
]
_SALES_KEYS = frozenset(f["name"] for f in SALES_FIELDS)
_SALES_REQUIRED = _SALES_KEYS - {"sales_awards_received"}
_SALES = ("art14_sales_award", "网商年销售额首次突破奖励", 14, "区财政", "一次性")
_SALES_NOTES = (("art14_sales_award.funding_source", "资金来源",
                 "原文本句未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解"),
                ("art14_sales_award.input.annual_online_sales", "输入项“年网上营业额”",
                 "“首次突破”按本句“达到以下标准”理解：年网上营业额等于某档门槛即达到该档"))
_SALES_FORMULA = ("art14_sales_award.formula", "金额计算",
                  "就高不重复，晋档补差：按已达到的最高档奖励，扣除此前已获本项奖励（不论此前按哪种电子商务形式获得）；"
                  "“首次突破”不核对以前年度的销售额，由审核人员按申报材料核对")
_EXCERPT14 = ("对实际运行满1年且年网上营业额达到以下标准的，给予一次性奖励：通过B2B（企业间的电子商务）、B2C（企业对消费者的电子商务）"
              "电子商务形式实现年销售额首次突破300万元、500万元、1000万元、5000万元的网商，分别按1万元、2万元、5万元、10万元给予一次性奖励；"
              "对通过C2C（个人与个人之间的电子商务）电子商务形式实现年销售额首次突破50万元、100万元、500万元、1000万元的网商，"
              "分别按0.5万元、1万元、5万元、10万元给予一次性奖励")
_MONTHS = "实际运行月数 "
_MONTHS_MET = " 个月 ≥ 1年（12 个月）"
_MONTHS_SHORT = " 个月 < 1年（12 个月）"
_SALES_TEXT = "年网上营业额 "
_RECEIVED_AND = " 扣除 此前已获本项奖励金额 "
_TAG14 = "【第14条】"
_NO_AWARD = Decimal(0)


def _sales_tiers(channel_label: str, tiers: list, lowest: str) -> tuple:
    """(threshold 分, award 分, the award as the policy states it in 元 (its exponent shows in the
    trace: 0.5万元 is 5000.0), text between the sales figure and the amount received), highest
    tier first, then the text for sales below every tier: each built once, here."""
    channel = f"（电子商务形式：{channel_label}）{_RECEIVED_AND}"
    built = tuple((threshold * 100, int(award * 100), award, f" 达到 {threshold_text} 档，奖励 {award_text}）{channel}")
                  for threshold, award, threshold_text, award_text in tiers)
    return built, f" 未达到最低档 {lowest}，奖励 0）{channel}"


_ENTERPRISE = [(50_000_000, Decimal(100_000), "5000万元", "10万元"), (10_000_000, Decimal(50_000), "1000万元", "5万元"),
               (5_000_000, Decimal(20_000), "500万元", "2万元"), (3_000_000, Decimal(10_000), "300万元", "1万元")]
SALES_TIERS = {
    "B2B": _sales_tiers("企业间电子商务", _ENTERPRISE, "300万元"),
    "B2C": _sales_tiers("企业对消费者电子商务", _ENTERPRISE, "300万元"),
    "C2C": _sales_tiers("个人与个人之间的电子商务",
                        [(10_000_000, Decimal(100_000), "1000万元", "10万元"), (5_000_000, Decimal(50_000), "500万元", "5万元"),
                         (1_000_000, Decimal(10_000), "100万元", "1万元"), (500_000, Decimal("5000.0"), "50万元", "0.5万元")],
                        "50万元"),
}


def _months_record(months: int, met: bool, text: str) -> dict:
    return {"id": "art14_sales_award.condition.1", "kind": "condition", "article": 14,
            "clause": {"excerpt": _EXCERPT14, "start": 48, "end": 274},
            "inputs": {"months_in_operation": str(months)}, "value": met, "interpretations": [],
            "explanation": {"text": text}}


def _signed_cents_text(cents: int) -> str:
    return cents_text(cents) if cents >= 0 else "-" + cents_text(-cents)


def art14_sales_award(app) -> dict:
    tiers = None
    try:
        if type(app) is dict and _SALES_KEYS >= app.keys() >= _SALES_REQUIRED:
            channel = app["sales_channel"]
            tiers = SALES_TIERS.get(channel) if type(channel) is str else None
            months = app["months_in_operation"]
            sales_value = app["annual_online_sales"]
            received_value = app.get("sales_awards_received", 0)
            sales = _plain_units(sales_value, 100)
            received = _plain_units(received_value, 100)
            if type(months) is not int or not 0 <= months <= MAX_WHOLE or sales is None or received is None:
                tiers = None
    except Exception:  # a value no plain path reads (NaN, a digit lost in scaling, an odd key)
        tiers = None
    if tiers is None:
        values = _checked(SALES_FIELDS, app)
        channel = values["sales_channel"]
        tiers = SALES_TIERS[channel]
        months = int(values["months_in_operation"])
        sales_value, received_value = values["annual_online_sales"], values["sales_awards_received"]
        sales = _money_cents(sales_value)
        received = _money_cents(received_value)
    if months < 12:
        text = f"{_MONTHS}{months:,}{_MONTHS_SHORT}"
        return _result(_SALES, _SALES_NOTES, "ineligible", "0.00", [f"不满足条件：{text}{_TAG14}"],
                       [f"实际运行未满1年（不满足条件：{text}）{_TAG14}"], [_months_record(months, False, text)])
    met = f"{_MONTHS}{months:,}{_MONTHS_MET}"
    award, award_yuan = 0, _NO_AWARD
    middle = tiers[1]
    for threshold, value, in_yuan, text in tiers[0]:
        if sales >= threshold:
            award, award_yuan, middle = value, in_yuan, text
            break
    amount = award - received
    shown = yuan(amount)
    formula_text = f"（{_SALES_TEXT}{yuan(sales)}{middle}{yuan(received)}"
    # The exact difference as the trace states it (Decimal's exponent: 5000.0 − 0 is "5000.0").
    exact = format(EXACT.subtract(award_yuan, received_value if received_value else _NO_AWARD), "f")
    trace = [_months_record(months, True, met),
             {"id": "art14_sales_award.formula.1", "kind": "formula", "article": 14,
              "clause": {"excerpt": _EXCERPT14, "start": 48, "end": 274},
              "inputs": {"annual_online_sales": _number_text(sales_value),
                         "sales_awards_received": _number_text(received_value), "sales_channel": channel},
              "value": _signed_cents_text(amount), "interpretations": ["art14_sales_award.formula"],
              "explanation": {"text": formula_text, "exact": exact, "cap": None, "capped": None}}]
    steps = [f"满足条件：{met}{_TAG14}", f"{formula_text} = {shown}，取 {shown}{_TAG14}"]
    if amount <= 0:
        return _result(_SALES, _SALES_NOTES, "ineligible", "0.00", steps,
                       [f"按规则计算的奖励金额为 {shown}，不大于0{_TAG14}"], trace, _SALES_FORMULA)
    return _result(_SALES, _SALES_NOTES, "eligible", cents_text(amount), steps, [], trace, _SALES_FORMULA)


# ---------------------------------------------------------------- art17_training
TRAINING_FIELDS = [
    {"name": "trainees", "label": "培训人数", "kind": "int", "unit": "人"},
    {"name": "training_days", "label": "培训天数", "kind": "number", "unit": "天", "minimum": "0.5", "step": "0.5"},
    {"name": "meals_provided", "label": "安排就餐", "kind": "bool"},
    {"name": "hands_on_computer", "label": "安排上机操作", "kind": "bool"},
    {"name": "lodging_provided", "label": "安排食宿", "kind": "bool"},
]
_TRAINING_KEYS = frozenset(f["name"] for f in TRAINING_FIELDS)
_TRAINING = ("art17_training", "电商培训定额补助", 17, "区财政", "定额补助")
_TRAINING_NOTES = (("art17_training.funding_source", "资金来源",
                    "原文本条未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解"),
                   ("art17_training.input.trainees", "输入项“培训人数”",
                    "受训人员是否属于本条所列培训对象，以培训主体的陈述为准，由审核人员按申报材料核对"))
_TRAINING_DAYS = ("art17_training.formula", "金额计算", "超过整天的半天按0.5天计；就餐和上机操作已含在200元/人/天内，不另行要求")
_EXCERPT17 = ("培训实行定额补助制度，培训时间在半天的，给予培训主体60元/人补助；安排就餐的，再给予30元/人补助；安排上机操作，"
              "再给予20元/人补助。培训时间在1天以上（含1天）且安排食宿（含上机操作），给予培训主体200元/人/天补助")
_TAG17 = "【第17条】"
_PEOPLE = "培训人数 "
_DAYS = "培训天数 "
# A half day: the rate per person and the formula's text after the number of people, by (meals, computer).
_HALF_DAY = {(meals, computer): (60 + 30 * meals + 20 * computer,
                                 f" 人 × (60元/人 + {'30元/人' if meals else '0元/人'}［安排就餐（{'是' if meals else '否'}）］"
                                 f" + {'20元/人' if computer else '0元/人'}［安排上机操作（{'是' if computer else '否'}）］)")
             for meals in (False, True) for computer in (False, True)}
_NO_STANDARD_CASE = "适用情形：以上情形均不成立【第17条】"
_NO_STANDARD = "培训1天以上但未安排食宿，原文未规定补助标准【第17条】"


def _trainees_record(trainees: int, met: bool, text: str) -> dict:
    return {"id": "art17_training.condition.1", "kind": "condition", "article": 17,
            "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
            "inputs": {"trainees": str(trainees)}, "value": met, "interpretations": [],
            "explanation": {"text": text}}


def art17_training(app) -> dict:
    halves = None
    try:
        if type(app) is dict and app.keys() == _TRAINING_KEYS:
            trainees = app["trainees"]
            days = app["training_days"]
            meals = app["meals_provided"]
            computer = app["hands_on_computer"]
            lodging = app["lodging_provided"]
            if type(trainees) is int and 0 <= trainees <= MAX_WHOLE and type(meals) is bool \
                    and type(computer) is bool and type(lodging) is bool:
                halves = _plain_units(days, 2, least=1)  # at least half a day
    except Exception:  # a value no plain path reads (NaN, a digit lost in scaling, an odd key)
        halves = None
    if halves is None:
        values = _checked(TRAINING_FIELDS, app)
        trainees = int(values["trainees"])
        days = values["training_days"]
        halves = int(_SCALE.multiply(days, 2))
        meals, computer, lodging = values["meals_provided"], values["hands_on_computer"], values["lodging_provided"]
    people = f"{_PEOPLE}{trainees:,}"
    if trainees <= 0:
        text = f"{people} 人 ≤ 0人"
        return _result(_TRAINING, _TRAINING_NOTES, "ineligible", "0.00", [f"不满足条件：{text}{_TAG17}"],
                       [f"培训人数为0（不满足条件：{text}）{_TAG17}"], [_trainees_record(trainees, False, text)])
    met_text = f"{people} 人 > 0人"
    met = f"满足条件：{met_text}{_TAG17}"
    days_text = f"{_DAYS}{halves >> 1:,}.5 天" if halves & 1 else f"{_DAYS}{halves >> 1:,} 天"
    days_json = _number_text(days)
    if halves == 1:
        rate, formula = _HALF_DAY[meals, computer]
        amount = trainees * rate
        shown = f"{amount:,}.00 元"
        case = f"{days_text} 等于 0.5天"
        text = people + formula
        trace = [_trainees_record(trainees, True, met_text),
                 {"id": "art17_training.case.1", "kind": "case", "article": 17,
                  "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
                  "inputs": {"training_days": days_json}, "value": True, "interpretations": [],
                  "explanation": {"text": case}},
                 {"id": "art17_training.formula.1", "kind": "formula", "article": 17,
                  "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
                  "inputs": {"hands_on_computer": computer, "meals_provided": meals, "trainees": str(trainees)},
                  "value": f"{amount}.00", "interpretations": [],
                  "explanation": {"text": text, "exact": str(amount), "cap": None, "capped": None}}]
        return _result(_TRAINING, _TRAINING_NOTES, "eligible", f"{amount}.00", [
            met, f"适用情形：{case}{_TAG17}", f"{text} = {shown}，取 {shown}{_TAG17}"], [], trace)
    if halves >= 2 and lodging:
        amount = 100 * trainees * halves  # 200 元 a person a day
        shown = f"{amount:,}.00 元"
        case = f"{days_text} ≥ 1天 且 安排食宿（是）"
        text = f"200元/人/天 × {people} 人 × {days_text}"
        # The exact product as the trace states it: Decimal keeps the days' exponent (2.50 days: "1500.00").
        exact = format(EXACT.multiply(200 * trainees, days), "f")
        trace = [_trainees_record(trainees, True, met_text),
                 {"id": "art17_training.case.2", "kind": "case", "article": 17,
                  "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
                  "inputs": {"lodging_provided": True, "training_days": days_json}, "value": True,
                  "interpretations": [], "explanation": {"text": case}},
                 {"id": "art17_training.formula.2", "kind": "formula", "article": 17,
                  "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
                  "inputs": {"trainees": str(trainees), "training_days": days_json},
                  "value": f"{amount}.00", "interpretations": ["art17_training.formula"],
                  "explanation": {"text": text, "exact": exact, "cap": None, "capped": None}}]
        return _result(_TRAINING, _TRAINING_NOTES, "eligible", f"{amount}.00", [
            met, f"适用情形：{case}{_TAG17}", f"{text} = {shown}，取 {shown}{_TAG17}"], [], trace, _TRAINING_DAYS)
    trace = [_trainees_record(trainees, True, met_text),
             {"id": "art17_training.case.3", "kind": "case", "article": 17,
              "clause": {"excerpt": _EXCERPT17, "start": 107, "end": 219},
              "inputs": {}, "value": True, "interpretations": [], "explanation": {"text": None}}]
    return _result(_TRAINING, _TRAINING_NOTES, "review", "0.00", [met, _NO_STANDARD_CASE], [_NO_STANDARD], trace)


PROGRAMMES = {"art09_equipment": art09_equipment, "art14_sales_award": art14_sales_award,
              "art17_training": art17_training}
