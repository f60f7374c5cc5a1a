"""Three programmes written by hand, as a careful engineer would without the compiler.

The baseline for the generated module's speed: same contract (validates every
field, computes exactly with Decimal, explains each step, returns the same
result dict), straight-line code, standard library only.  A test checks that
it returns exactly what the generated module returns.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

CENT = Decimal("0.01")
MAX = Decimal(10) ** 15
HALF_UP = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
EXACT = decimal.Context(prec=100, traps=[decimal.Inexact, decimal.InvalidOperation])


class InvalidApplication(ValueError):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)


def _yuan(value: Decimal) -> str:
    if value == value.quantize(CENT):
        return format(value, ",.2f") + " 元"
    whole, _, frac = format(value, ",f").partition(".")
    return f"{whole}.{frac.rstrip('0')} 元"


def _money(app: dict, name: str, label: str, errors: list):
    value = app.get(name)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        errors.append({"path": name, "message": f"“{label}”无效"})
        return None
    value = Decimal(value) if not isinstance(value, Decimal) else value
    if not value.is_finite() or value < 0 or value > MAX or value != value.quantize(CENT, context=HALF_UP):
        errors.append({"path": name, "message": f"“{label}”无效"})
        return None
    return value


def _bool(app: dict, name: str, label: str, errors: list):
    value = app.get(name)
    if not isinstance(value, bool):
        errors.append({"path": name, "message": f"“{label}”无效"})
    return value


def _count(app: dict, name: str, label: str, errors: list):
    value = app.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0 or value > MAX \
            or value != int(value):
        errors.append({"path": name, "message": f"“{label}”无效"})
        return None
    return Decimal(value).quantize(Decimal(1))


def _check_keys(app, allowed: set, errors: list):
    if not isinstance(app, dict):
        raise InvalidApplication([{"path": "", "message": "应为对象"}])
    for key in app:
        if key not in allowed:
            errors.append({"path": str(key), "message": f"未知的输入项“{key}”"})


def _result(pid, name, article, funding, payment, status, amount, steps, reasons, notes):
    rounded = amount.quantize(CENT, context=HALF_UP) if status != "ineligible" else Decimal("0.00")
    return {"programme": pid, "programme_name": name, "status": status, "amount": f"{abs(rounded) if rounded == 0 else rounded:f}",
            "article": article, "funding_source": funding, "payment_condition": payment,
            "steps": steps, "reasons": reasons, "interpretations": notes}


EQUIPMENT_NOTES = [{"article": 9, "subject": "申请主体",
                    "note": "原文未写申请主体，按受补助的农村电子商务公共服务中心的建设者理解"},
                   {"article": 9, "subject": "条件", "note": "原文为“审计验收后给予80%补助”，未写“合格”；按审计验收合格理解"}]


def _taken(amount, rounded, capped=False) -> str:
    """The end of an amount step: rounding said in words when it changes the amount."""
    return f"取 {_yuan(rounded)}" if capped or rounded == amount else f"按分四舍五入，取 {_yuan(rounded)}"


def art09_equipment(app: dict) -> dict:
    errors: list = []
    _check_keys(app, {"equipment_investment", "equipment_audit_passed"}, errors)
    investment = _money(app, "equipment_investment", "新增软硬件设备设施购置投入", errors)
    audited = _bool(app, "equipment_audit_passed", "审计验收合格", errors)
    if errors:
        raise InvalidApplication(errors)
    audit_text = f"审计验收合格（{'是' if audited else '否'}）"
    steps = [f"{'满足条件' if audited else '不满足条件'}：{audit_text}【第9条】"]
    head = ("art09_equipment", "农村电商公共服务中心设备设施购置补助", 9, "区财政", "以奖代补；审计验收后")
    if not audited:
        reason = f"设备设施购置未通过审计验收（不满足条件：{audit_text}）【第9条】"
        return _result(*head, "ineligible", Decimal(0), steps, [reason], list(EQUIPMENT_NOTES))
    raw = EXACT.multiply(investment, Decimal("0.8"))
    cap = Decimal(800000)
    amount = min(raw, cap)
    rounded = amount.quantize(CENT, context=HALF_UP)
    clause = f"超过上限 {_yuan(cap)}，按上限计" if raw > cap else f"未超过上限 {_yuan(cap)}"
    steps.append(f"新增软硬件设备设施购置投入 {_yuan(investment)} × 80% = {_yuan(raw)}，{clause}，"
                 f"{_taken(raw, rounded, raw > cap)}【第9条】")
    if rounded <= 0:
        zero = (f"按规则计算的补助金额为 {_yuan(amount)}，四舍五入到分为 0.00 元【第9条】" if amount > 0
                else f"按规则计算的补助金额为 {_yuan(amount)}，不大于0【第9条】")
        return _result(*head, "ineligible", Decimal(0), steps, [zero], list(EQUIPMENT_NOTES))
    return _result(*head, "eligible", amount, steps, [], list(EQUIPMENT_NOTES))


SALES_TIERS = {
    "B2B": ((Decimal(50000000), Decimal(100000), "5000万元", "10万元"), (Decimal(10000000), Decimal(50000), "1000万元", "5万元"),
            (Decimal(5000000), Decimal(20000), "500万元", "2万元"), (Decimal(3000000), Decimal(10000), "300万元", "1万元")),
    "C2C": ((Decimal(10000000), Decimal(100000), "1000万元", "10万元"), (Decimal(5000000), Decimal(50000), "500万元", "5万元"),
            (Decimal(1000000), Decimal(10000), "100万元", "1万元"), (Decimal(500000), Decimal(5000), "50万元", "0.5万元")),
}
SALES_TIERS["B2C"] = SALES_TIERS["B2B"]
CHANNELS = {"B2B": "企业间电子商务", "B2C": "企业对消费者电子商务", "C2C": "个人与个人之间的电子商务"}
SALES_NOTES = [
    {"article": 14, "subject": "资金来源",
     "note": "原文本句未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解"},
    {"article": 14, "subject": "输入项“年网上营业额”",
     "note": "“首次突破”按本句“达到以下标准”理解：年网上营业额等于某档门槛即达到该档"},
]
SALES_FORMULA_NOTE = {"article": 14, "subject": "金额计算",
                      "note": "就高不重复，晋档补差：按已达到的最高档奖励，扣除此前已获本项奖励（不论此前按哪种电子商务形式获得）；"
                              "“首次突破”不核对以前年度的销售额，由审核人员按申报材料核对"}


def art14_sales_award(app: dict) -> dict:
    errors: list = []
    _check_keys(app, {"sales_channel", "months_in_operation", "annual_online_sales", "sales_awards_received"}, errors)
    channel = app.get("sales_channel")
    if channel not in CHANNELS:
        errors.append({"path": "sales_channel", "message": "“电子商务形式”无效"})
    months = _count(app, "months_in_operation", "实际运行月数", errors)
    sales = _money(app, "annual_online_sales", "年网上营业额", errors)
    received = _money(app, "sales_awards_received", "此前已获本项奖励金额", errors) \
        if "sales_awards_received" in app else Decimal(0)
    if errors:
        raise InvalidApplication(errors)
    head = ("art14_sales_award", "网商年销售额首次突破奖励", 14, "区财政", "一次性")
    notes = list(SALES_NOTES)
    months_text = f"实际运行月数 {months:,f} 个月 {'≥' if months >= 12 else '<'} 1年（12 个月）"
    steps = [f"{'满足条件' if months >= 12 else '不满足条件'}：{months_text}【第14条】"]
    if months < 12:
        return _result(*head, "ineligible", Decimal(0), steps,
                       [f"实际运行未满1年（不满足条件：{months_text}）【第14条】"], notes)
    tiers = SALES_TIERS[channel]
    lowest = tiers[-1][2]
    award = Decimal(0)
    tier_text = f"（年网上营业额 {_yuan(sales)} 未达到最低档 {lowest}，奖励 0）"
    for threshold, value, threshold_text, award_text in tiers:
        if sales >= threshold:
            award = value
            tier_text = f"（年网上营业额 {_yuan(sales)} 达到 {threshold_text} 档，奖励 {award_text}）"
            break
    amount = EXACT.subtract(award, received)
    notes.append(SALES_FORMULA_NOTE)
    rounded = amount.quantize(CENT, context=HALF_UP)
    steps.append(f"{tier_text}（电子商务形式：{CHANNELS[channel]}） 扣除 此前已获本项奖励金额 {_yuan(received)} = "
                 f"{_yuan(amount)}，{_taken(amount, rounded)}【第14条】")
    if rounded <= 0:
        zero = (f"按规则计算的奖励金额为 {_yuan(amount)}，四舍五入到分为 0.00 元【第14条】" if amount > 0
                else f"按规则计算的奖励金额为 {_yuan(amount)}，不大于0【第14条】")
        return _result(*head, "ineligible", Decimal(0), steps, [zero], notes)
    return _result(*head, "eligible", amount, steps, [], notes)


TRAINING_NOTES = [{"article": 17, "subject": "资金来源",
                   "note": "原文本条未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解"},
                  {"article": 17, "subject": "输入项“培训人数”",
                   "note": "受训人员是否属于本条所列培训对象，以培训主体的陈述为准，由审核人员按申报材料核对"}]
TRAINING_DAYS_NOTE = {"article": 17, "subject": "金额计算",
                      "note": "超过整天的半天按0.5天计；就餐和上机操作已含在200元/人/天内，不另行要求"}


def art17_training(app: dict) -> dict:
    errors: list = []
    _check_keys(app, {"trainees", "training_days", "meals_provided", "hands_on_computer", "lodging_provided"}, errors)
    trainees = _count(app, "trainees", "培训人数", errors)
    days = app.get("training_days")
    if isinstance(days, bool) or not isinstance(days, (int, Decimal)) or days < Decimal("0.5") or days > MAX \
            or days % Decimal("0.5") != 0:
        errors.append({"path": "training_days", "message": "“培训天数”无效"})
    meals = _bool(app, "meals_provided", "安排就餐", errors)
    hands_on = _bool(app, "hands_on_computer", "安排上机操作", errors)
    lodging = _bool(app, "lodging_provided", "安排食宿", errors)
    if errors:
        raise InvalidApplication(errors)
    days = Decimal(days)
    head = ("art17_training", "电商培训定额补助", 17, "区财政", "定额补助")
    notes = list(TRAINING_NOTES)
    people = f"培训人数 {trainees:,f} 人"
    steps = [f"{'满足条件' if trainees > 0 else '不满足条件'}：{people} {'>' if trainees > 0 else '≤'} 0人【第17条】"]
    if trainees <= 0:
        return _result(*head, "ineligible", Decimal(0), steps,
                       [f"培训人数为0（不满足条件：{people} ≤ 0人）【第17条】"], notes)
    days_text = f"培训天数 {days.normalize():f} 天"
    if days == Decimal("0.5"):
        steps.append(f"适用情形：{days_text} 等于 0.5天【第17条】")
        meal_rate = Decimal(30) if meals else Decimal(0)
        computer_rate = Decimal(20) if hands_on else Decimal(0)
        amount = trainees * (Decimal(60) + meal_rate + computer_rate)
        text = (f"{people} × (60元/人 + {'30元/人' if meals else '0元/人'}［安排就餐（{'是' if meals else '否'}）］ + "
                f"{'20元/人' if hands_on else '0元/人'}［安排上机操作（{'是' if hands_on else '否'}）］)")
    elif days >= 1 and lodging:
        steps.append(f"适用情形：{days_text} ≥ 1天 且 安排食宿（是）【第17条】")
        amount = EXACT.multiply(EXACT.multiply(Decimal(200), trainees), days)
        notes.append(TRAINING_DAYS_NOTE)
        text = f"200元/人/天 × {people} × {days_text}"
    else:
        steps.append("适用情形：以上情形均不成立【第17条】")
        return _result(*head, "review", Decimal(0), steps, ["培训1天以上但未安排食宿，原文未规定补助标准【第17条】"],
                       notes)
    rounded = amount.quantize(CENT, context=HALF_UP)
    steps.append(f"{text} = {_yuan(amount)}，{_taken(amount, rounded)}【第17条】")
    return _result(*head, "eligible", amount, steps, [], notes)


PROGRAMMES = {"art09_equipment": art09_equipment, "art14_sales_award": art14_sales_award,
              "art17_training": art17_training}
