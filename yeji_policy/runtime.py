"""Runtime support shared by the reference interpreter and the generated module.

This file imports only the standard library: the Python backend copies it,
verbatim, into every generated module, so that module stands alone.  It holds
what both engines must do identically — validate an application against its
form, round, and show numbers to a Chinese reader — while the rules
themselves are evaluated independently by each engine.

Money is exact: `decimal.Decimal` throughout, with an arithmetic context that
traps any inexact operation.  The one rounding rule: the final amount is
rounded once, to 0.01 元, half up.
"""

import calendar
import datetime
import decimal
import fractions
import heapq
import re

D = decimal.Decimal

# Every operation is exact or it raises: 100 digits hold any product of the
# bounded inputs below with the policy's rates.
EXACT = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
CENT = D("0.01")
ZERO = D(0)

# Limits an application must keep; beyond them a value is refused, not computed.
# Below 10^10 a browser's binary double still tells every amount of two decimals
# apart, so a form (ajv, <input type="number">) and this check agree on what is valid.
MAX_NUMBER = D("9999999999.99")  # just under 100 亿 — no real amount, area or count comes close
MAX_ITEMS = 10000
MAX_TEXT = 200
MAX_ERRORS = 100  # problems listed one by one; the rest are counted

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_STRING = re.compile(r"[0-9]+(\.[0-9]+)?")  # always fullmatch: "$" would allow a final newline


class InvalidApplication(ValueError):
    """The application does not fit the form; `.errors` lists every problem — the
    first MAX_ERRORS of them, then one entry counting the rest; `.count` is the total."""

    def __init__(self, errors):
        errors = list(errors)
        self.count = sum(getattr(e, "unlisted", 1) for e in errors)
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS]
            errors.append({"path": "", "message": f"另有 {self.count - MAX_ERRORS} 个问题未列出"})
        self.errors = errors
        lines = [f"{e['path'] or '（申请整体）'}：{e['message']}" for e in self.errors]
        super().__init__("申请无效：\n" + "\n".join(lines))


class _Unlisted(dict):
    """An error entry standing for `unlisted` problems that were counted, not worded
    (it comes after MAX_ERRORS entries, so InvalidApplication counts it and drops it)."""

    def __init__(self, count):
        super().__init__(path="", message=f"另有 {count} 个问题未列出")
        self.unlisted = count


# ---------------------------------------------------------------- reading JSON numbers
# json.loads(text, parse_float=json_number, parse_int=json_int) reads every
# number exactly and never raises: a number beyond what Decimal can hold (an
# exponent of 19 digits or more) becomes NUMBER_OUT_OF_RANGE, which the form
# check refuses, naming the field.
NUMBER_OUT_OF_RANGE = D("NaN1")  # a NaN with payload 1: JSON itself has no NaN
_READ = decimal.Context(traps=[decimal.InvalidOperation])
_INT_DIGITS = 640  # int() of a longer text may raise (sys.set_int_max_str_digits); Decimal never does


def json_number(text):
    """A JSON number with a fraction or an exponent, as an exact Decimal."""
    try:
        return D(text, _READ)
    except decimal.InvalidOperation:  # the exponent is beyond Decimal's range
        mantissa = text.lower().partition("e")[0]
        return ZERO if not mantissa.strip("+-0.") else NUMBER_OUT_OF_RANGE


def json_int(text):
    """A JSON integer: an int, or an exact Decimal when too long for int()."""
    return int(text) if len(text) <= _INT_DIGITS else D(text)


# ---------------------------------------------------------------- arithmetic
# The generated module calls these bound methods of EXACT: a call on a name costs less than
# looking the method up on the context at every operation (about 70 ns against 110, CPU time).
exact_add, exact_sub, exact_mul = EXACT.add, EXACT.subtract, EXACT.multiply


# An amount computed from a ratio (divided by an input, #22) is an exact Fraction until the one
# final rounding; Decimal arithmetic refuses a Fraction with TypeError, which sends the
# operation (and only then: the common path pays nothing) to exact fractions.
def add(a, b):
    try:
        return EXACT.add(a, b)
    except TypeError:
        return settle(_q(a) + _q(b))


def sub(a, b):
    try:
        return EXACT.subtract(a, b)
    except TypeError:
        return settle(_q(a) - _q(b))


def mul(a, b):
    try:
        return EXACT.multiply(a, b)
    except TypeError:
        return settle(_q(a) * _q(b))


# Every operation names its context: the caller's decimal context (precision 3,
# say) never changes a result.
_ROUNDING = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
# Exact remainders whatever the exponent: 0.5000…0001 (a million digits) is not a multiple of 0.5.
_REMAINDER = decimal.Context(prec=200, Emin=decimal.MIN_EMIN, Emax=decimal.MAX_EMAX)
_WIDE = decimal.Context(prec=200)


# The context is passed by position: Decimal's keyword parsing costs more than the
# rounding itself (about 180 ns against 70 here, measured in CPU time).
def round_cents(value):
    """The one rounding rule: to 0.01 元, half up (an exact fraction too: half up, away from zero)."""
    if type(value) is fractions.Fraction:
        cents = abs(value) * 100
        whole = (cents.numerator * 2 + cents.denominator) // (2 * cents.denominator)
        return _scaled(whole if value >= 0 else -whole, 2)
    return value.quantize(CENT, None, _ROUNDING)


def cents_string(value):
    """'98765.42' — exactly two places, no exponent, no thousands separator."""
    rounded = round_cents(value) if type(value) is fractions.Fraction else value.quantize(CENT, None, _ROUNDING)
    if rounded == 0:
        rounded = rounded.copy_abs()  # never "-0.00"
    return str(rounded)  # exponent -2: str() never uses an exponent there, and costs less than format()


def month_index(day):
    return day.year * 12 + day.month - 1


def months_between(start, end):
    """Calendar months from the month of start to the month of end, inclusive."""
    return D(max(0, month_index(end) - month_index(start) + 1))


def overlap_months(start, end, window_start, window_months):
    """Months of [start, end] inside the window of window_months months beginning
    with the month of window_start; a partly covered month counts in full."""
    first = max(month_index(start), month_index(window_start))
    last = min(month_index(end), month_index(window_start) + int(window_months) - 1)
    return D(max(0, last - first + 1))


# ---------------------------------------------------------------- dates in rules (#22)
# The calendar reading of "N个月/N年 after a day": the same day of the month N months on, or
# the month's last day where it has no such day (2024-02-29 + 12个月 = 2025-02-28).  The sheets
# show this reading as an interpretation wherever a rule counts full years or months.
def add_months(day, months):
    index = month_index(day) + int(months)
    year, month = divmod(index, 12)
    month += 1
    # the month's own length (building the next month's first day fails for December 9999)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_between(start, end):
    """Days from start to end, both days counted; 0 when end is before start."""
    return D(max(0, (end - start).days + 1))


def year_of(day):
    return D(day.year)


def full_months(start, end, length):
    """Whether, from start, `length` calendar months are complete on end (end ≥ start + length)."""
    if month_index(start) + int(length) > month_index(datetime.date.max):
        return False
    return end >= add_months(start, length)


def full_days(start, end, length):
    """Whether, from start, `length` days are complete on end (end ≥ start + length days)."""
    try:
        return end >= start + datetime.timedelta(days=int(length))
    except OverflowError:
        return False


def year_index(start, day):
    """Which year, counted from start (第1年 = start up to the day before its first anniversary),
    day falls in; 0 when day is before start."""
    if day < start:
        return D(0)
    years = day.year - start.year
    if month_index(start) + 12 * years > month_index(datetime.date.max) or add_months(start, 12 * years) > day:
        years -= 1
    return D(years + 1)


# ---------------------------------------------------------------- showing numbers
_PLACES = {0: D(1), 2: CENT}
_STRICT = decimal.Context(prec=200, traps=[decimal.Inexact])


def _has_at_most(value, places):
    """Whether value has no digit beyond `places` decimals (1.230 has two)."""
    try:
        value.quantize(_PLACES[places], None, _STRICT)  # the context by position: see round_cents
    except decimal.Inexact:
        return False
    return True


def group(value, places=0):
    """1234567.891 -> '1,234,567.891': exact, thousands separated, at least `places` decimals;
    a fraction with no finite decimal (an amount from a ratio): 约, to four decimals, for the reader."""
    if type(value) is fractions.Fraction:
        return "约 " + group(_about(value), places)
    text = format(value, ",f")  # every digit the value holds
    # The common shapes need no change: exactly two decimals, or for places=0 a whole number or
    # decimals not ending in 0 (2.5 days).
    if places == 2 and text[-3:-2] == "." or places == 0 and ("." not in text or text[-1] != "0"):
        return text
    if places == 0 and text[-2:] == ".0":  # the next common shape (2.0 days), without _with_places' work
        return text[:-2]
    return _with_places(text, places)


def _with_places(text, places):
    """format(value, ",f") with trailing zeros beyond `places` decimals dropped, and at least `places`."""
    whole, _, frac = text.partition(".")
    if len(frac) > places:
        frac = frac.rstrip("0")
    if len(frac) < places:
        frac += "0" * (places - len(frac))
    return f"{whole}.{frac}" if frac else whole


def show_number(value, unit):
    """A number with its unit as a reader sees it: '123,456.78 元', '6 个月', '2017'."""
    if unit == "元":
        return group(value, 2) + " 元"
    if unit:
        return group(value) + " " + unit
    return f"{value.normalize(context=_WIDE):f}"  # a year or a bare count: no separators


def show_yuan(value):
    """group(value, 2) + " 元", formatting once."""
    if type(value) is fractions.Fraction:
        return group(value, 2) + " 元"
    text = format(value, ",f")
    if text[-3:-2] == ".":  # exactly two decimals, as most amounts have
        return text + " 元"
    # _with_places(text, 2) for the next common shapes, without its work: one decimal, or none.
    if text[-2:-1] == ".":
        return text + "0 元"
    if "." not in text:
        return text + ".00 元"
    return _with_places(text, 2) + " 元"


def show_bool(value):
    return "是" if value else "否"


def show_value(value, kind, unit=None, options=None):
    if kind == "bool":
        return show_bool(value)
    if kind == "date":
        return value.isoformat()
    if kind == "text":
        return f"“{value}”"
    if kind == "enum":
        return dict(options or ()).get(value, value)
    return show_number(value, unit)


def show_ref(label, value, kind, unit=None, options=None):
    """How an input appears inside an explanation."""
    shown = show_value(value, kind, unit, options)
    if kind in ("bool", "enum"):
        return f"{label}（{shown}）"
    return f"{label} {shown}"


CMP_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "=", "!=": "≠"}


def compare(op, left, right):
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == "=":
        return left == right
    return left != right


# ---------------------------------------------------------------- validation
KIND_RULES = {
    "money": "不小于0、最多两位小数的金额（元）",
    "number": "不小于0、最多两位小数的数值",
    "int": "不小于0的整数",
    "bool": "true 或 false",
    "date": "有效日期，格式 YYYY-MM-DD",
    "text": "非空文字",
    "enum": "可选项之一",
    "list": "至少含1项的列表",
}


def _rule_of(field):
    """What a valid value of this field is, in words: its kind, with its step and minimum."""
    kind = field["kind"]
    step, minimum = field.get("step"), field.get("minimum")
    if kind in ("number", "int") and (step or minimum):
        unit = field.get("unit") or ""
        parts = [f"不小于{minimum}{unit}" if minimum else "不小于0"]
        if step:
            parts.append(f"为 {step}{unit} 的整数倍")
        return "、".join(parts) + ("的整数" if kind == "int" else "的数值")
    return KIND_RULES[kind]


# The checks below look at type(value), never value.__class__ or isinstance: an
# object can claim any __class__, and a subclass's own methods may raise or lie.
def _describe_json(value):
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if issubclass(kind, (int, D)):
        return "数字"
    if issubclass(kind, float):
        return "二进制浮点数（float）"
    if issubclass(kind, str):
        return "文字"
    if issubclass(kind, (list, tuple)):
        return "列表"
    if issubclass(kind, dict):
        return "对象"
    return kind.__name__


def _short(value):
    """A value as quoted in a message: at most 40 characters, lone surrogates (which
    no UTF-8 output can carry) written as escapes.  Safe on anything a caller
    passes: no method of a subclass runs, an int too long to convert is
    described, and any other object is named by its kind."""
    kind = type(value)
    if issubclass(kind, str):
        text = str.__str__(value)
    elif issubclass(kind, D):
        text = D.__str__(value)
    elif value is None or kind is bool:
        text = repr(value)
    elif issubclass(kind, float):
        text = float.__repr__(value)
    elif issubclass(kind, int):
        bits = int.bit_length(value)
        text = int.__repr__(value) if bits <= 2000 else f"约 {int(bits * 0.30103) + 1} 位的整数"
    else:
        return _describe_json(value)
    text = text[:41].encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 40 else text[:40] + "…"


_JSON_TYPES = frozenset((str, int, bool, float, D, list, dict, type(None)))
_TEXT_ONLY = frozenset((str,))


def _as_json(value):
    """A value of a subclass of str, int, float, Decimal, list or tuple as the plain
    value it stands for (a tuple as a list), copied without calling any method the
    subclass defines; anything else unchanged."""
    kind = type(value)
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, int):
        return int.__index__(value)
    if issubclass(kind, float):
        return float.__float__(value)
    if issubclass(kind, D):
        return D(value)
    if issubclass(kind, list):
        return list.copy(value)
    if issubclass(kind, tuple):
        return list(tuple.__iter__(value))
    return value


def _members(obj, path, errors):
    """The members of a JSON object keyed by plain str, and its keys that are not text.

    For a dict subclass or keys that are str subclasses: every key is read as the
    text it holds, without calling its methods (a hostile __eq__ or __hash__ never
    runs); two keys with the same text are an error."""
    members, odd = {}, []
    for key, value in dict.items(obj):
        if type(key) is not str:
            if not issubclass(type(key), str):
                odd.append(key)
                continue
            key = str.__str__(key)
        if key in members:
            errors.append({"path": f"{path}.{_short(key)}" if path else _short(key),
                           "message": f"字段“{_short(key)}”出现了两次，无法确定取哪一个"})
            continue
        members[key] = value
    return members, odd


def _report_unknown(keys, path, errors, message):
    """One error per unknown key, in the order of their text, while fewer than MAX_ERRORS
    errors are listed; the rest are counted in one entry, never worded (memory stays
    bounded however many keys an object has)."""
    room = max(MAX_ERRORS - len(errors), 0)
    first = heapq.nsmallest(room, keys, key=lambda k: (0, k) if type(k) is str else (1, _short(k)))
    for name in first:
        shown = _short(name)
        errors.append({"path": f"{path}.{shown}" if path else shown, "message": message(shown)})
    if len(keys) > len(first):
        errors.append(_Unlisted(len(keys) - len(first)))


def _has_surrogate(text):
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _number(value, field, path, errors):
    """Check a numeric input; return it as an exact Decimal, or None after an error."""
    kind = field["kind"]
    # Fast path: a whole number within bounds, as JSON integers usually are.
    if type(value) is int and 0 <= value <= MAX_NUMBER and field.get("step") is None \
            and field.get("minimum") is None:
        return D(value)
    label = field["label"]
    allowed = f"须为{_rule_of(field)}"
    if isinstance(value, bool) or not isinstance(value, (int, D, str)):
        errors.append({"path": path, "message": f"“{label}”应为数字，此处为{_describe_json(value)}；{allowed}"})
        return None
    if isinstance(value, str):
        if kind != "money" or len(value) > 40 or not _DECIMAL_STRING.fullmatch(value):
            errors.append({"path": path, "message": f"“{label}”应为数字，此处为文字“{_short(value)}”；{allowed}"})
            return None
        value = D(value)
    elif isinstance(value, int):
        if value > MAX_NUMBER:  # a negative one is refused as negative below
            errors.append({"path": path, "message": f"“{label}”超过允许的最大值 {group(MAX_NUMBER)}"})
            return None
        value = D(value)
    if not value.is_finite():
        if value.is_qnan() and value.as_tuple().digits == (1,):  # NUMBER_OUT_OF_RANGE
            errors.append({"path": path, "message": f"“{label}”的数值超出可以处理的范围（指数过大或过小）；{allowed}"})
        else:
            errors.append({"path": path, "message": f"“{label}”不是有限的数字（NaN 或无穷大）；{allowed}"})
        return None
    if value == 0:
        value = ZERO  # -0 is 0
    if value < 0:
        errors.append({"path": path, "message": f"“{label}”不能为负数，此处为 {_short(value)}；{allowed}"})
        return None
    if value > MAX_NUMBER:
        errors.append({"path": path, "message": f"“{label}”超过允许的最大值 {group(MAX_NUMBER)}"})
        return None
    if kind == "int":
        if value != value.to_integral_value(context=_REMAINDER):
            errors.append({"path": path, "message": f"“{label}”应为整数，此处为 {_short(value)}"})
            return None
        value = value.quantize(D(1), context=_REMAINDER)
    step = field.get("step")
    if step is not None:
        step = D(step)
        if _REMAINDER.remainder(value, step) != 0:
            errors.append({"path": path, "message": f"“{label}”须为 {group(step)} 的整数倍，此处为 {_short(value)}"})
            return None
    elif kind != "int" and not _has_at_most(value, 2):
        errors.append({"path": path, "message": f"“{label}”最多两位小数，此处为 {_short(value)}；{allowed}"})
        return None
    minimum = field.get("minimum")
    if minimum is not None and value < D(minimum):
        unit = field.get("unit") or ""
        errors.append({"path": path, "message": f"“{label}”不能小于 {group(D(minimum))}{unit}，此处为 {_short(value)}"})
        return None
    return value


def _scalar(value, field, path, errors):
    kind = field["kind"]
    label = field["label"]
    if type(value) not in _JSON_TYPES:
        value = _as_json(value)
        if type(value) not in _JSON_TYPES and not issubclass(type(value), dict):
            errors.append({"path": path, "message": f"“{label}”此处为 Python 对象 {_describe_json(value)}，"
                                                    f"不是 JSON 的值；须为{_rule_of(field)}"})
            return None
    if kind in ("money", "number", "int"):
        return _number(value, field, path, errors)
    if kind == "bool":
        if not isinstance(value, bool):
            errors.append({"path": path, "message": f"“{label}”应为 true 或 false，此处为{_describe_json(value)}"})
            return None
        return value
    if kind == "date":
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            shown = f"“{_short(value)}”" if isinstance(value, str) else _describe_json(value)
            errors.append({"path": path, "message": f"“{label}”应为日期（YYYY-MM-DD），此处为{shown}"})
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            errors.append({"path": path, "message": f"“{label}”不是真实存在的日期：“{value}”"})
            return None
    if kind == "enum":
        options = field["options"]
        if not isinstance(value, str) or value not in dict(options):
            shown = f"“{_short(value)}”" if isinstance(value, str) else _describe_json(value)
            allowed = "、".join(f"{o}（{t}）" for o, t in options)
            errors.append({"path": path, "message": f"“{label}”的值{shown}不是可选项；可选：{allowed}"})
            return None
        return value
    if kind == "text":
        if not isinstance(value, str):
            errors.append({"path": path, "message": f"“{label}”应为文字，此处为{_describe_json(value)}"})
            return None
        if not value.strip():
            errors.append({"path": path, "message": f"“{label}”不能为空"})
            return None
        if _has_surrogate(value):
            errors.append({"path": path, "message": f"“{label}”含有无效的 Unicode 字符（孤立的代理码位）：“{_short(value)}”"})
            return None
        if len(value) > MAX_TEXT:
            errors.append({"path": path, "message": f"“{label}”过长：最多 {MAX_TEXT} 个字符"})
            return None
        return value
    # list
    if not isinstance(value, (list, tuple)):
        errors.append({"path": path, "message": f"“{label}”应为列表，此处为{_describe_json(value)}"})
        return None
    if not value:
        errors.append({"path": path, "message": f"“{label}”至少需要 1 项"})
        return None
    if len(value) > MAX_ITEMS:
        errors.append({"path": path, "message": f"“{label}”最多 {MAX_ITEMS} 项，此处为 {len(value)} 项"})
        return None
    return _list_items(field, value, path, errors)


_MISSING = object()


def validate_object(fields, obj, path, errors):
    """Validate one JSON object against a list of field specs, appending every
    problem to errors.  Returns the values that are valid (defaults filled in),
    or None when obj is not an object at all."""
    if not issubclass(type(obj), dict):
        errors.append({"path": path, "message": f"应为对象（JSON object），此处为{_describe_json(obj)}"})
        return None
    odd = ()
    if type(obj) is not dict or not set(map(type, obj)) <= _TEXT_ONLY:
        obj, odd = _members(obj, path, errors)
    values = {}
    seen = 0
    for f in fields:
        name = f["name"]
        value = obj.get(name, _MISSING)
        if value is _MISSING:
            if f.get("default") is not None:
                values[name] = D(f["default"])
            else:
                errors.append({"path": f"{path}.{name}" if path else name, "message": f"缺少必填项“{f['label']}”"})
            continue
        seen += 1
        kind = f["kind"]
        # Fast paths for values that are plainly valid; anything else takes the full check below.
        if kind == "bool" and type(value) is bool:
            values[name] = value
            continue
        if kind == "money" and type(value) is D and value.is_finite() and ZERO <= value <= MAX_NUMBER \
                and _has_at_most(value, 2):
            values[name] = value if value else ZERO
            continue
        sub_path = f"{path}.{name}" if path else name
        if value is None:
            errors.append({"path": sub_path, "message": f"“{f['label']}”不能为 null；须为{_rule_of(f)}"})
            continue
        checked = _scalar(value, f, sub_path, errors)
        if checked is not None:
            values[name] = checked
    if seen != len(obj) or odd:
        known = {f["name"] for f in fields}
        allowed = "、".join(sorted(known))
        _report_unknown([k for k in obj if k not in known] + list(odd), path, errors,
                        lambda shown: f"未知的输入项“{shown}”；允许的输入项：{allowed}")
    return values


# ---------------------------------------------------------------- the straight path
# The generated module checks a plainly valid application field by field with
# these, and hands anything else to validate_object, which finds and words
# every problem.  Each accepts only what validate_object accepts and returns
# the same value; the engines' differential tests hold them to it.
class NotPlain(Exception):
    """This value needs the full check."""


def not_plain():
    """Raise NotPlain: the generated module's inlined checks end with `… else not_plain()`."""
    raise NotPlain


MAX_WHOLE = int(MAX_NUMBER)  # the largest int within MAX_NUMBER: an int compared with an int


def plain_money(value):
    if type(value) is D:
        if value.is_finite() and ZERO <= value <= MAX_NUMBER:
            try:  # _has_at_most(value, 2), without the call
                value.quantize(CENT, None, _STRICT)
            except decimal.Inexact:
                raise NotPlain from None
            return value if value else ZERO
    elif type(value) is int and 0 <= value <= MAX_NUMBER:
        return D(value)
    raise NotPlain


def plain_int(value):
    if type(value) is int and 0 <= value <= MAX_NUMBER:
        return D(value)
    raise NotPlain


_remainder = _REMAINDER.remainder  # bound once: see exact_add


def plain_number(value, step, minimum):
    if type(value) is int:
        value = D(value)
    elif type(value) is not D:
        raise NotPlain
    if value.is_finite() and ZERO <= value <= MAX_NUMBER \
            and (_remainder(value, step) == 0 if step is not None else _has_at_most(value, 2)) \
            and (minimum is None or value >= minimum):
        return value if value else ZERO
    raise NotPlain


def plain_int_value(value):
    """A whole number with a step or minimum: plain_number's value, if whole."""
    if value == value.to_integral_value(context=_REMAINDER):
        return value.quantize(D(1), context=_REMAINDER)
    raise NotPlain


def plain_bool(value):
    if type(value) is bool:
        return value
    raise NotPlain


def plain_option(value, options):
    if type(value) is str and value in options:
        return value
    raise NotPlain


def plain_date(value):
    if type(value) is str and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise NotPlain


def plain_text(value):
    if type(value) is str and value.strip() and len(value) <= MAX_TEXT and not _has_surrogate(value):
        return value
    raise NotPlain


def _list_items(field, value, path, errors):
    before = len(errors)
    items = [validate_object(field["items"], item, f"{path}[{index}]", errors) for index, item in enumerate(value)]
    return items if len(errors) == before else None


# ---------------------------------------------------------------- results
class Outcome:
    """What a programme's amount came to, for decide: kind "pay" with the
    certain amount; "partial" when some items of a list await review (pending:
    what they would add; reasons: why); "review" when the text is silent; or
    "ineligible".  amount and pending are None for review and ineligible.

    A plain class with slots, not a dataclass: the generated module is
    compiled from text with whatever future flags its compiler has, and a
    dataclass built there would need its module in sys.modules."""

    __slots__ = ("kind", "amount", "pending", "reasons", "rounded")

    # rounded: round_cents(amount) when the caller has it already (the generated module's formula
    # step rounds the amount it pays), so that decide does not round a second time; derived, so
    # not compared by __eq__.
    def __init__(self, kind, amount, pending, reasons, rounded=None):
        self.kind = kind
        self.amount = amount
        self.pending = pending
        self.reasons = reasons
        self.rounded = rounded

    def __eq__(self, other):
        if type(other) is not Outcome:
            return NotImplemented
        return (self.kind, self.amount, self.pending, self.reasons) == (
            other.kind, other.amount, other.pending, other.reasons)

    __hash__ = None  # reasons is a list

    def __repr__(self):
        return f"Outcome({self.kind!r}, {self.amount!r}, {self.pending!r}, {self.reasons!r})"


def result(meta, status, amount, steps, reasons, interpretations, amount_if_approved=None, texts=None):
    """The result object of the catalogue; `amount` is exact and rounded here, once.

    steps, reasons and interpretations are fresh lists owned by the result;
    interpretations are already free of duplicates (add_note).  texts: the
    steps' Chinese wording when the caller rendered it already (the generated
    module prints a specialised render_step per step); None: rendered here."""
    if texts is None:
        texts = [render_step(record) for record in steps]
    amount = "0.00" if status == "ineligible" or amount is ZERO else cents_string(amount)  # cents_string(ZERO)
    if amount_if_approved is None:  # one dict display, in the catalogue's order of keys
        return {"programme": meta["id"], "programme_name": meta["name"], "status": status, "amount": amount,
                "article": meta["article"], "funding_source": meta["funding_source"],
                "payment_condition": meta["payment_condition"], "steps": texts, "reasons": reasons,
                "interpretations": interpretations, "trace": steps}
    return {"programme": meta["id"], "programme_name": meta["name"], "status": status, "amount": amount,
            "amount_if_approved": cents_string(amount_if_approved),
            "article": meta["article"], "funding_source": meta["funding_source"],
            "payment_condition": meta["payment_condition"], "steps": texts, "reasons": reasons,
            "interpretations": interpretations, "trace": steps}


# ---------------------------------------------------------------- explanations
# The wording of every explanation lives here, so that both engines say
# exactly the same thing; each engine computes the numbers on its own.
def r_paren(text):
    return f"({text})"


def r_arith(op, left, right):
    return f"{left} {'扣除' if op == '-' else op} {right}"  # "-" reads as code; an official writes 扣除


def r_cond(branch, cond):
    return f"{branch}［{cond}］"


# A comparison is shown as what is true (a 不等于 b, not "a = b" with a verdict);
# equality in words: "x 3 = 3" reads as code to an official.
STATED_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "等于", "!=": "不等于"}
NEGATED_SYMBOLS = {">=": "<", "<=": ">", ">": "≤", "<": "≥", "=": "不等于", "!=": "等于"}


def r_compare(op, left, right, holds):
    return f"{left} {STATED_SYMBOLS[op] if holds else NEGATED_SYMBOLS[op]} {right}"


def r_member(operand, labels, holds):
    return f"{operand} {'属于' if holds else '不属于'} {'、'.join(labels)}"


def r_not(operand):
    # A yes/no input comes as show_ref made it, "标签（是）": say what it is in words,
    # "“标签”为是", not "非（标签（是））".
    if operand.endswith(("（是）", "（否）")):
        return f"“{operand[:-3]}”为{operand[-2]}"
    return f"并非“{operand}”"


def r_call(func, args):
    if func == "min":
        return f"最小（{'，'.join(args)}）"
    if func == "max":
        return f"最大（{'，'.join(args)}）"
    if func == "months":
        return f"{args[0]} 至 {args[1]} 的月数"
    if func == "days":
        return f"{args[0]} 至 {args[1]} 的天数"
    if func == "year":
        return f"{args[0]} 的年份"
    if func in ("full_months", "full_days"):
        return f"自{args[0]} 至 {args[1]} 满 {args[2]}"
    if func == "year_index":
        return f"{args[1]} 所在的年度（自{args[0]} 起计）"
    return f"{args[0]} 至 {args[1]} 中落在自{args[2]} 当月起 {args[3]} 内的月数"


def r_tiers(subject, threshold_text, award_text, lowest_text):
    if threshold_text is None:
        return f"（{subject} 未达到最低档 {lowest_text}，奖励 0）"
    return f"（{subject} 达到 {threshold_text} 档，奖励 {award_text}）"


def r_lookup(branch, label, option_label):
    return f"{branch}（{label}：{option_label}）"


def r_let(label, value_shown):
    return f"{label} {value_shown}"


def tag(article):
    return f"【第{article}条】"


def step_let(label, text, shown, article):
    return f"{label}：{text} = {shown}{tag(article)}"


def step_require(ok, text, article):
    return f"{'满足条件' if ok else '不满足条件'}：{text}{tag(article)}"


def reason_require(reason, text, article):
    return f"{reason}（不满足条件：{text}）{tag(article)}"


def step_review(hit, text, article):
    return f"{'需人工审核' if hit else '不属于需人工审核的情形'}：{text}{tag(article)}"


def reason_review(reason, text, article):
    return f"{reason}（{text}）{tag(article)}"


def reason_plain(reason, article):
    return f"{reason}{tag(article)}"


def step_case(text, article):
    if text is None:
        return f"适用情形：以上情形均不成立{tag(article)}"
    return f"适用情形：{text}{tag(article)}"


def step_formula(text, value, cap_shown, capped, taken, article):
    """One amount computation: the formula's value, the cap if any, and the amount
    taken (rounded to 分 when it is the programme's final amount)."""
    shown = show_yuan(value)
    out = f"{text} = {shown}"
    if cap_shown is not None:
        out += f"，超过上限 {cap_shown}，按上限计" if capped else f"，未超过上限 {cap_shown}"
    if not capped and taken != value:  # say so: 299,999.9985 元 → 300,000.00 元 is rounding, not the cap
        return out + f"，按分四舍五入，取 {show_yuan(taken)}{tag(article)}"
    # Equal numbers show alike (both at least two places, no zero beyond them, the same sign): once.
    return out + f"，取 {show_yuan(taken) if capped else shown}{tag(article)}"


def item_prefix(label, index):
    return f"{label}第{index + 1}项："


def step_unique(prefix, reason, key_shown, first_index, article):
    return f"{prefix}需人工审核：{reason}（{key_shown}，同第{first_index + 1}项）{tag(article)}"


def step_item_total(counted, pending, total, article):
    text = f"计入补助的各项合计 {show_yuan(counted)}"
    if pending:
        text += f"；需人工审核的各项合计 {show_yuan(pending)}"
    return text + f"，取 {show_yuan(total)}{tag(article)}"


def r_item_sum(label):
    """A list's sum as a named step's value (令 x = 逐项 …, #22)."""
    return f"{label}各项金额合计"


def sum_of(outcome):
    """The certain amount of a list's sum (令 x = 逐项 …: no item is under review)."""
    return outcome.amount


def step_total_cap(whole, cap_shown, capped, pending, taken, article):
    """合计最高不超过 (#22): the sum of the items against the cap on it, and what is taken."""
    text = f"各项合计 {show_yuan(whole)}"
    text += f"，超过合计上限 {cap_shown}，按合计上限计" if capped else f"，未超过合计上限 {cap_shown}"
    if not capped and taken != sub(whole, pending):  # 99,999.998 元 → 100,000.00 元 is rounding, not the cap
        text += "，按分四舍五入"
    text += f"，取 {show_yuan(taken)}"
    if pending:
        text += f"；需人工审核的各项批准后至多再计 {show_yuan(pending)}"
    return text + tag(article)


# ---------------------------------------------------------------- trace records (#17)
# Each engine builds one record per explained step with trace_<kind>(ref, values,
# item, index, prefix, ...): ref is the step's static part (catalogue.step_refs:
# id, kind, article, clause, the inputs it reads, its interpretations); values
# and item what the step reads; index and prefix the item's position and
# wording (None, None, "" outside 逐项).  The Chinese steps are rendered from
# the records by render_step, the one renderer.
def plain_json(value):
    """A value as a trace holds it: Decimal as its exact string, a date as ISO text, never a float."""
    t = type(value)
    if t is D:
        return format(value, "f")
    if t is fractions.Fraction:  # exact: numerator/denominator (render_step reads it back)
        return f"{value.numerator}/{value.denominator}"
    if t is datetime.date:
        return value.isoformat()
    if t is list:
        return [plain_json(v) for v in value]
    if t is dict:
        return {k: plain_json(v) for k, v in value.items()}
    return value


def _record(ref, values, item, index, prefix, value, explanation):
    inputs = {}
    for name in ref["inputs"]:
        if name in values:
            inputs[name] = plain_json(values[name])
    record = {"id": ref["id"], "kind": ref["kind"], "article": ref["article"],
              "clause": None if ref["clause"] is None else dict(ref["clause"]),
              "inputs": inputs, "value": value, "interpretations": list(ref["interpretations"]),
              "explanation": explanation}
    if item is not None:
        for name in ref["item_inputs"]:
            inputs[name] = plain_json(item[name])
        record["id"] = f"{ref['id']}#{index + 1}"
        record["item"] = index + 1
        explanation["prefix"] = prefix
    return record


def trace_let(ref, values, item, index, prefix, label, text, shown, value, article):
    return _record(ref, values, item, index, prefix, plain_json(value), {"label": label, "text": text, "shown": shown})


def trace_require(ref, values, item, index, prefix, ok, text, article):
    return _record(ref, values, item, index, prefix, bool(ok), {"text": text})


def trace_review(ref, values, item, index, prefix, hit, text, article):
    return _record(ref, values, item, index, prefix, bool(hit), {"text": text})


def trace_formula(ref, values, item, index, prefix, text, value, cap_shown, capped, taken, article):
    return _record(ref, values, item, index, prefix, plain_json(taken),
                   {"text": text, "exact": plain_json(value), "cap": cap_shown, "capped": capped})


def trace_case(ref, values, item, index, prefix, text, article):
    return _record(ref, values, item, index, prefix, True, {"text": text})


def trace_unique(ref, values, item, index, prefix, reason, key_shown, first_index, article):
    return _record(ref, values, item, index, prefix, first_index + 1, {"reason": reason, "text": key_shown})


def trace_item_total(ref, values, item, index, prefix, counted, pending, total, article):
    return _record(ref, values, item, index, prefix, plain_json(total),
                   {"counted": plain_json(counted), "pending": plain_json(pending)})


def trace_total_cap(ref, values, item, index, prefix, whole, cap_shown, capped, pending, taken, article):
    return _record(ref, values, item, index, prefix, plain_json(taken),
                   {"whole": plain_json(whole), "cap": cap_shown, "capped": capped, "pending": plain_json(pending)})


def render_step(record):
    """The Chinese step of one trace record: the only place a step is worded."""
    e, kind, article = record["explanation"], record["kind"], record["article"]
    prefix = e.get("prefix", "")
    if kind == "condition":
        return prefix + step_require(record["value"], e["text"], article)
    if kind == "review":
        return prefix + step_review(record["value"], e["text"], article)
    if kind == "value":
        return prefix + step_let(e["label"], e["text"], e["shown"], article)
    if kind == "formula":
        return prefix + step_formula(e["text"], exact_number(e["exact"]), e["cap"], e["capped"],
                                     exact_number(record["value"]), article)
    if kind == "case":
        return prefix + step_case(e["text"], article)
    if kind == "unique":
        return step_unique(prefix, e["reason"], e["text"], record["value"] - 1, article)
    if kind == "sum":
        return step_item_total(exact_number(e["counted"]), exact_number(e["pending"]), exact_number(record["value"]),
                               article)
    if kind == "total_cap":
        return step_total_cap(exact_number(e["whole"]), e["cap"], e["capped"], exact_number(e["pending"]),
                              exact_number(record["value"]), article)
    raise ValueError(f"unknown trace record kind: {kind!r}")


def programme_term(name):
    """What a programme pays — 奖励, 补贴 or 补助 — as its name (the text's word) says."""
    return next((word for word in ("奖励", "补贴", "补助") if name.endswith(word)), "补助")


def reason_zero(amount, article, term="补助"):
    """term: the programme's own word (programme_term): an award at 0 is 奖励金额, not 补助金额."""
    if amount > 0:
        return f"按规则计算的{term}金额为 {show_yuan(amount)}，四舍五入到分为 0.00 元{tag(article)}"
    return f"按规则计算的{term}金额为 {show_yuan(amount)}，不大于0{tag(article)}"


def decide(meta, steps, failed, reviews, outcome, notes, texts=None):
    """The catalogue's result rules, applied to what a programme's rules found.

    failed: reasons of requirements not met; reviews: reasons of review rules
    that applied; outcome: the amount's Outcome (unused when failed); texts:
    the steps already worded (result).
    """
    if failed:
        return result(meta, "ineligible", ZERO, steps, failed, notes, None, texts)
    if outcome.kind == "pay" and not reviews:
        # The common answer first, read from the Outcome no more than it needs: the amount as the
        # formula step rounded it (Outcome.rounded), positive; what follows decides every other case.
        rounded = outcome.rounded
        if rounded is None:
            rounded = round_cents(outcome.amount)
        if rounded > 0:
            if texts is None:
                texts = [render_step(record) for record in steps]
            # result(meta, "eligible", rounded, …) without the call: rounded to 分 and positive, its
            # exponent is -2, where str() never uses an exponent (cents_string's text).
            return {"programme": meta["id"], "programme_name": meta["name"], "status": "eligible",
                    "amount": str(rounded), "article": meta["article"], "funding_source": meta["funding_source"],
                    "payment_condition": meta["payment_condition"], "steps": texts, "reasons": [],
                    "interpretations": notes, "trace": steps}
    kind, certain, pending, reasons = outcome.kind, outcome.amount, outcome.pending, outcome.reasons
    if kind == "ineligible":
        return result(meta, "ineligible", ZERO, steps, reviews + reasons, notes, None, texts)
    if kind == "review":
        return result(meta, "review", ZERO, steps, reviews + reasons, notes, None, texts)
    if kind == "partial":  # any item under review makes the whole application a review
        return result(meta, "review", certain, steps, reviews + reasons, notes, add(certain, pending), texts)
    rounded = outcome.rounded
    if rounded is None:
        rounded = round_cents(certain)
    if rounded <= 0:
        zero = reason_zero(certain, meta["article"], programme_term(meta["name"]))
        return result(meta, "ineligible", ZERO, steps, reasons + [zero], notes, None, texts)
    return result(meta, "review", ZERO, steps, reviews, notes, rounded, texts)  # positive, under review (above)


def add_note(notes, entry):
    if entry not in notes:
        notes.append(entry)


# ---------------------------------------------------------------- the date of an application
# The application field that decides which version of a policy applies (its
# filing date, "YYYY-MM-DD"); optional.  versions.APPLICATION_DATE names the same.
APPLICATION_DATE = "application_date"
APPLICATION_DATE_LABEL = "申请日期"  # its label in messages and on every form


def _day_text(iso):
    day = datetime.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def take_date(application, in_force, meta, errors):
    """The application without its date; an error appended for a date that is none, or that falls
    outside this version's period (in_force: versions.period_data) or the programme's own."""
    if type(application) is not dict or APPLICATION_DATE not in application:
        return application
    # A programme whose rules read the application date asks for it as an input (#22): it stays in the application.
    asked = any(spec["name"] == APPLICATION_DATE for spec in meta["inputs"])
    rest = application if asked else {k: v for k, v in application.items() if k != APPLICATION_DATE}
    if asked:
        try:
            plain_date(application[APPLICATION_DATE])
        except NotPlain:
            return rest  # no date at all: the form's own check of the input says so, once
    problem = date_problem(application[APPLICATION_DATE], in_force, meta)
    if problem is not None:
        errors.append({"path": APPLICATION_DATE, "message": problem})
    return rest


def date_problem(value, in_force, meta=None):
    """Why this application date cannot be decided by this version (or programme); None when it can."""
    try:
        day = plain_date(value)
    except NotPlain:
        shown = f"“{_short(value)}”" if issubclass(type(value), str) else _describe_json(value)
        return f"“{APPLICATION_DATE_LABEL}”应为日期，格式为 YYYY-MM-DD（如 2027-01-01），此处为{shown}"
    text = f"{day.year}年{day.month}月{day.day}日"
    if in_force:
        version = f"{in_force['version']}版"
        first, last = in_force.get("from"), in_force.get("until")
        if first is not None and day < datetime.date.fromisoformat(first):
            return f"申请日期 {text} 早于本政策（{version}）的施行日期 {_day_text(first)}，本政策不适用"
        if last is not None and day > datetime.date.fromisoformat(last):
            successor = in_force.get("superseded_by")
            if successor is not None and day >= datetime.date.fromisoformat(successor["from"]):
                return (f"申请日期 {text} 不适用本政策的{version}：自 {_day_text(successor['from'])} 起适用修订后的"
                        f"“{successor['policy']}”（{successor['version']}版）")
            repealed = in_force.get("repealed")
            if repealed is not None and day >= datetime.date.fromisoformat(repealed):
                return f"申请日期 {text} 时本政策（{version}）已于 {_day_text(repealed)} 废止"
            return f"申请日期 {text} 已过本政策（{version}）的有效期（至 {_day_text(last)}）"
    period = meta.get("period") if meta else None
    if period:
        first, last = period
        if first is not None and day < datetime.date.fromisoformat(first):
            return f"项目“{meta['name']}”自 {_day_text(first)} 起才受理，申请日期 {text} 早于此日"
        if last is not None and day > datetime.date.fromisoformat(last):
            return f"项目“{meta['name']}”已于 {_day_text(last)} 截止，申请日期 {text} 不能再申请"
    return None


# ---------------------------------------------------------------- the policy calculator
def unknown_programme(programmes, programme_id):
    """The error for an id that is not a programme's (any object: only a plain str can be one)."""
    valid = "、".join(programmes)
    if issubclass(type(programme_id), str):
        return InvalidApplication([{"path": "programme",
                                    "message": f"未知的项目“{_short(programme_id)}”；可选的项目：{valid}"}])
    return InvalidApplication([{"path": "programme", "message": f"项目编号应为文字，此处为{_describe_json(programme_id)}"
                                                                f"；可选的项目：{valid}"}])


def match_profile(programmes, evaluate, partial, constraints, profile, in_force=None):
    """政策计算器: what is already decided for each programme from what is known.

    evaluate(pid, application) decides a complete application; partial(pid,
    values, known) runs a programme's rules on the known inputs only and
    returns (steps, failed, reviews, outcome, notes); constraints(pid, values,
    errors) checks the form's cross-field rules whose inputs are known.  A requirement whose
    inputs are all known can rule a programme out while others are missing.
    """
    if not issubclass(type(profile), dict):
        raise InvalidApplication([{"path": "", "message": f"应为对象（JSON object），此处为{_describe_json(profile)}"}])
    specs = {}
    for meta in programmes.values():
        for spec in meta["inputs"]:
            specs.setdefault(spec["name"], spec)
    dated = type(profile) is dict and APPLICATION_DATE in profile
    day = profile[APPLICATION_DATE] if dated else None
    if dated and APPLICATION_DATE not in specs:  # kept as an answer where a programme's rules read it (#22)
        profile = {k: v for k, v in profile.items() if k != APPLICATION_DATE}
    errors = []
    values = {}
    odd = ()
    if type(profile) is not dict or not set(map(type, profile)) <= _TEXT_ONLY:
        profile, odd = _members(profile, "", errors)
    unknown = [k for k in profile if k not in specs] + list(odd)
    if unknown:
        _report_unknown(unknown, "", errors, lambda shown: f"未知的输入项“{shown}”：没有任何项目使用它")
    for name, spec in specs.items():
        if name in profile:
            checked = validate_object([spec], {name: profile[name]}, "", errors)
            if name in checked:
                values[name] = checked[name]
    if errors:
        raise InvalidApplication(errors)
    if dated and date_problem(day, None) is not None:
        raise InvalidApplication([{"path": APPLICATION_DATE, "message": date_problem(day, None)}])
    entries = []
    for pid, meta in programmes.items():
        entry = {"programme": pid, "programme_name": meta["name"], "article": meta["article"]}
        problem = date_problem(day, in_force, meta) if dated else None
        if problem is not None:
            entry.update({"status": "invalid", "errors": [{"path": APPLICATION_DATE, "message": problem}],
                          "missing": []})
            entries.append(entry)
            continue
        missing = [f for f in meta["inputs"] if f["name"] not in profile and f.get("default") is None]
        if not missing:
            application = {f["name"]: profile[f["name"]] for f in meta["inputs"] if f["name"] in profile}
            try:
                decided = evaluate(pid, application)
            except InvalidApplication as exc:
                entry.update({"status": "invalid", "errors": exc.errors, "missing": []})
            else:
                entry.update({"status": decided["status"], "amount": decided["amount"]})
                if "amount_if_approved" in decided:
                    entry["amount_if_approved"] = decided["amount_if_approved"]
                entry.update({"reasons": decided["reasons"], "missing": []})
            entries.append(entry)
            continue
        mine = {}
        for f in meta["inputs"]:
            if f["name"] in values:
                mine[f["name"]] = values[f["name"]]
            elif f.get("default") is not None:
                mine[f["name"]] = D(f["default"])
        problems = []
        constraints(pid, mine, problems)
        if problems:
            entry.update({"status": "invalid", "errors": problems, "missing": []})
            entries.append(entry)
            continue
        steps, failed, reviews, outcome, notes = partial(pid, mine, frozenset(mine))
        if failed:
            entry.update({"status": "ineligible", "amount": "0.00", "reasons": failed, "missing": []})
        else:
            entry.update({"status": "incomplete", "reasons": [],
                          "missing": [{"field": f["name"], "label": f["label"]} for f in missing]})
            if meta.get("max_amount") is not None:
                entry["max_amount"] = cents_string(D(meta["max_amount"]))
                entry["max_amount_text"] = f"最高 {meta['max_amount_text']}"
        entries.append(entry)
    return entries


# ---------------------------------------------------------------- decision receipts (#17)
# A receipt is a canonical JSON document (RFC 8785, JSON Canonicalization
# Scheme) of the policy's identity, the programme, the application, the result
# and its trace, identified by the sha256 of those bytes.  It holds no binary
# float: amounts and every Decimal are strings, so the only JSON numbers are
# integers (articles, item positions), which JCS writes as plain digits.
RECEIPT_FORMAT = "yeji-policy-receipt/1"
_JCS_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_JCS_MAX_INT = 2 ** 53 - 1  # beyond this an IEEE double (what JCS numbers are) is no longer exact


def _jcs_string(text):
    out = ['"']
    for ch in text:
        if ch in _JCS_ESCAPES:
            out.append(_JCS_ESCAPES[ch])
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _jcs(value, out):
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        if abs(value) > _JCS_MAX_INT:
            raise ValueError(f"整数超出 JSON 可精确表示的范围：{value}")
        out.append(str(value))  # ECMAScript's Number.toString for an exact integer
    elif type(value) is str:
        out.append(_jcs_string(value))
    elif type(value) in (list, tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    elif type(value) is dict:
        # Members sorted by their names as UTF-16 code units (RFC 8785 §3.2.3), not by code points.
        for key in value:
            if type(key) is not str:
                raise ValueError(f"JSON 对象的键须为文字，此处为 {type(key).__name__}")
        out.append("{")
        for index, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if index:
                out.append(",")
            out.append(_jcs_string(key))
            out.append(":")
            _jcs(value[key], out)
        out.append("}")
    else:  # a float (or a Decimal) has no place in a receipt: amounts are strings
        raise ValueError(f"回执中不能有 {type(value).__name__} 类型的值")


def canonical_json(value):
    """The RFC 8785 canonical UTF-8 bytes of a JSON value made of dicts, lists, str, int, bool and None."""
    out = []
    _jcs(value, out)
    return "".join(out).encode("utf-8")


def receipt_body(policy_meta, programme_id, application, result):
    """A receipt without its own id: the policy (id, version, source sha256, original text sha256),
    the programme, the application as given (Decimals as strings) and the result with its trace."""
    return {
        "format": RECEIPT_FORMAT,
        "policy": {"id": policy_meta["id"], "version": policy_meta["version"],
                   "sha256": policy_meta["content_hash"], "text_sha256": policy_meta["text_hash"]},
        "programme": programme_id,
        "application": plain_json(application),
        "result": plain_json(result),
    }


def seal_receipt(body):
    """The receipt: its body and "sha256", the hex digest of the body's canonical bytes."""
    import hashlib

    return dict(body, sha256=hashlib.sha256(canonical_json(body)).hexdigest())


# ---------------------------------------------------------------- range reasoning (the calculator, #13)
# What a partial application already decides, worked out without the missing
# answers.  An abstract value stands for every value an expression can still
# take: a number an Interval [lo, hi] (hi Infinity: no bound the policy could
# use), a yes/no or an option the frozenset of values left, a date or a text
# the frozenset of its one value, or RANGE_ANY (None) when it may be anything.
# yeji_policy/ranges.py walks the model with these helpers; the generated
# module's _ranges_* functions are printed from the IR and call the same ones,
# so the two engines differ in the walk, which tests/test_ranges.py compares.
# Sound, not complete: every completion lies inside, a range may be wider.
INF = D("Infinity")
_RANGE = decimal.Context(prec=200, traps=[])  # an end may be infinite; finite ends of bounded inputs stay exact
RANGE_ANY = None
YES, NO, YES_OR_NO = frozenset((True,)), frozenset((False,)), frozenset((True, False))


class Interval:
    """The numbers from lo to hi, both included (a plain class, as Outcome)."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        if not lo <= hi:
            raise ValueError(f"empty interval [{lo}, {hi}]")
        self.lo = lo
        self.hi = hi

    @property
    def point(self):
        return self.lo == self.hi

    def __eq__(self, other):
        if type(other) is not Interval:
            return NotImplemented
        return (self.lo, self.hi) == (other.lo, other.hi)

    def __hash__(self):
        return hash((self.lo, self.hi))

    def __repr__(self):
        return f"Interval({self.lo!r}, {self.hi!r})"


def range_point(value):
    return Interval(value, value)


def range_value(values, name, unknown):
    """An input's abstract value: what it was answered, else unknown (what the form allows)."""
    if name not in values:
        return unknown
    value = values[name]
    if type(value) is D:
        return Interval(value, value)
    if type(value) is list:
        return RANGE_ANY
    return frozenset((value,))


def range_hull(a, b):
    if type(a) is Interval:
        return Interval(min(a.lo, b.lo), max(a.hi, b.hi))
    if a is RANGE_ANY or b is RANGE_ANY:
        return RANGE_ANY
    return a | b


def range_join(values):
    out = values[0]
    for value in values[1:]:
        out = range_hull(out, value)
    return out


def _range_mul_end(a, b):
    # 0 times an infinite end is 0: such an end stands for "as large as any finite value".
    if a == 0 or b == 0:
        return ZERO
    return _RANGE.multiply(a, b)


def _range_floor(x):
    # a quotient's end rounded outwards, so that the range stays sound (1/3 has no exact decimal)
    return x if x.is_infinite() else _RANGE.next_minus(x)


def _range_ceiling(x):
    return x if x.is_infinite() else _RANGE.next_plus(x)


def range_arith(op, a, b):
    if op == "+":
        return Interval(_RANGE.add(a.lo, b.lo), _RANGE.add(a.hi, b.hi))
    if op == "-":
        return Interval(_RANGE.subtract(a.lo, b.hi), _RANGE.subtract(a.hi, b.lo))
    if op == "÷":  # (#22 ratio) by one positive value (a constant, or an answered input): scaled; else unknown
        if b.point and b.lo > 0 and not b.lo.is_infinite():
            return Interval(_range_floor(_RANGE.divide(a.lo, b.lo)), _range_ceiling(_RANGE.divide(a.hi, b.lo)))
        return Interval(-INF, INF)
    ends = [_range_mul_end(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Interval(min(ends), max(ends))


def range_logic(op, a, b):
    if op == "且":
        return frozenset(x and y for x in a for y in b)
    return frozenset(x or y for x in a for y in b)


def range_not(a):
    return frozenset(not x for x in a)


def range_compare(op, a, b):
    if type(a) is Interval:
        if op == ">=":
            return YES if a.lo >= b.hi else NO if a.hi < b.lo else YES_OR_NO
        if op == ">":
            return YES if a.lo > b.hi else NO if a.hi <= b.lo else YES_OR_NO
        if op == "<=":
            return YES if a.hi <= b.lo else NO if a.lo > b.hi else YES_OR_NO
        if op == "<":
            return YES if a.hi < b.lo else NO if a.lo >= b.hi else YES_OR_NO
        same = a.point and b.point and a.lo == b.lo
        apart = a.hi < b.lo or b.hi < a.lo
        if op == "=":
            return YES if same else NO if apart else YES_OR_NO
        return NO if same else YES if apart else YES_OR_NO
    if a is RANGE_ANY or b is RANGE_ANY:
        return YES_OR_NO
    return frozenset(compare(op, x, y) for x in a for y in b)


def range_member(a, options):
    return frozenset(x in options for x in a)


def _range_known(values):
    """The concrete values when every one is a single known date or text, else None."""
    if all(v is not RANGE_ANY and len(v) == 1 for v in values):
        return [next(iter(v)) for v in values]
    return None


_RANGE_DATE_CALLS = {"days": days_between, "year": year_of, "year_index": year_index,
                     "full_months": full_months, "full_days": full_days}


def _range_date_call(func, args):
    """天数/年份/满/逐年's year (#22 dates): exact where every date is known, else what the call can be at all."""
    known = _range_known(args[:1] if func == "year" else args[:2])
    if func in ("full_months", "full_days"):
        if known and args[2].point:
            return frozenset((_RANGE_DATE_CALLS[func](*known, args[2].lo),))
        return YES_OR_NO
    if known:
        return range_point(_RANGE_DATE_CALLS[func](*known))
    return Interval(D(1), D(9999)) if func == "year" else Interval(ZERO, INF)


def range_call(func, *args):
    """min, max, months, overlap_months and the date calls over abstract values."""
    if func in _RANGE_DATE_CALLS:
        return _range_date_call(func, args)
    if func == "min":
        return Interval(min(a.lo for a in args), min(a.hi for a in args))
    if func == "max":
        return Interval(max(a.lo for a in args), max(a.hi for a in args))
    if func == "months":
        known = _range_known(args[:2])
        return range_point(months_between(*known)) if known else Interval(ZERO, INF)
    known, window = _range_known(args[:3]), args[3]
    if known and window.point:
        return range_point(overlap_months(*known, window.lo))
    return Interval(ZERO, max(window.hi, ZERO))


def range_tiers(subject, thresholds, awards):
    """The awards a tier table can give a subject in its interval (thresholds ascend; none reached: 0)."""
    reached = [ZERO] if subject.lo < thresholds[0] else []
    for i, threshold in enumerate(thresholds):
        following = thresholds[i + 1] if i + 1 < len(thresholds) else INF
        # this row is the highest reached for subject values in [threshold, following)
        if subject.hi >= threshold and subject.lo < following:
            reached.append(awards[i])
    return Interval(min(reached), max(reached))


def range_cap(value, limit):
    return Interval(min(value.lo, limit.lo), min(value.hi, limit.hi))


def range_any(sets):
    """Whether any of several conditions holds, as the set of possible answers."""
    if any(s == YES for s in sets):
        return YES
    if any(True in s for s in sets):
        return YES_OR_NO
    return NO


def range_items_exact(outcome):
    """A list's sum computed exactly (every input it reads answered): its outcome, as a range."""
    if outcome.kind == "partial":
        return [("partial", range_exact(add(outcome.amount, outcome.pending)))]
    return [(outcome.kind, range_exact(outcome.amount))]


def range_exact(value):
    """An exact value as a range: the point itself; a fraction (a sum capped by a ratio, #22) has no
    Decimal, so the decimals either side of it at the ranges' precision (rounded outwards: sound)."""
    if type(value) is not fractions.Fraction:
        return range_point(value)
    quotient = _RANGE.divide(D(value.numerator), D(value.denominator))
    return Interval(_range_floor(quotient), _range_ceiling(quotient))


def range_times_items(low):
    """The lowest a sum of at most MAX_ITEMS items can be when each is at least low."""
    return _RANGE.multiply(low, MAX_ITEMS)


def range_items_unknown(per_item):
    """A list not answered: any number of items, each counted, excluded or sent to review.
    per_item: the outcomes one item's amount can have."""
    paid = [value for kind, value in per_item if kind == "pay"]
    hi = INF if any(v.hi > 0 for v in paid) else ZERO
    lo = min([ZERO] + [range_times_items(v.lo) for v in paid])
    return [("pay", Interval(lo, hi)), ("partial", Interval(lo, hi))]


def range_items_capped(outcomes, limit):
    """合计最高不超过 (#22) on an unanswered list's outcomes: the sum, pending items included, clamped."""
    return [(kind, range_cap(value, limit)) for kind, value in outcomes]


def range_items_value(outcomes):
    """A 令 list sum's value (令 x = 逐项 …, #22; no item is under review): every outcome's range joined."""
    return range_join([value for _, value in outcomes])


def _range_rounded(value):
    return value if value.is_infinite() else round_cents(value)


def range_outlook(fails, reviews, outcomes):
    """(statuses, low, high) of a programme from the possible answers of its requirements'
    failures and reviews and the outcomes its amount can have: the statuses a complete
    application can still end in, and the amount (or amount if approved) it can have,
    rounded as the result is (high None: no bound in the policy)."""
    fails, reviews = range_any(fails), range_any(reviews)
    if fails == YES:
        return frozenset(("ineligible",)), ZERO, ZERO
    statuses = set()
    if True in fails:
        statuses.add("ineligible")
    paid = []  # ranges of amount / amount_if_approved of completions that are not ineligible
    for kind, value in outcomes:
        if kind == "ineligible":
            statuses.add("ineligible")
        elif kind == "review":
            statuses.add("review")
            paid.append(range_point(ZERO))
        elif kind == "partial":
            statuses.add("review")
            paid.append(Interval(max(_range_rounded(value.lo), ZERO), _range_rounded(value.hi)))
        else:
            lo, hi = _range_rounded(value.lo), _range_rounded(value.hi)
            if lo <= 0:
                statuses.add("ineligible")
            if hi > 0:
                if True in reviews:
                    statuses.add("review")
                if False in reviews:
                    statuses.add("eligible")
                paid.append(Interval(max(lo, CENT), hi))
    if not paid:
        return frozenset(statuses), ZERO, ZERO
    low = ZERO if "ineligible" in statuses else min(p.lo for p in paid)
    high = max(p.hi for p in paid)
    return frozenset(statuses), low, None if high.is_infinite() else high


def known_inputs(meta, application, errors):
    """The inputs a partial application answers, each checked as on the programme's form
    (the others stay unknown: no default is filled in); every problem is appended to
    errors (None: the application is not an object at all)."""
    if not issubclass(type(application), dict):
        errors.append({"path": "", "message": f"应为对象（JSON object），此处为{_describe_json(application)}"})
        return None
    odd = ()
    if type(application) is not dict or not set(map(type, application)) <= _TEXT_ONLY:
        application, odd = _members(application, "", errors)
    specs = meta["inputs"]
    names = {f["name"] for f in specs}
    given = {k: v for k, v in application.items() if k in names}
    values = validate_object([f for f in specs if f["name"] in given], given, "", errors)
    unknown = [k for k in application if k not in names] + list(odd)
    if unknown:
        allowed = "、".join(sorted(names))
        _report_unknown(unknown, "", errors, lambda shown: f"未知的输入项“{shown}”；允许的输入项：{allowed}")
    return values


def range_result(programme_id, statuses, low, high):
    """What ranges() returns: statuses sorted, the one decided (else None), amounts as two-place strings."""
    return {"programme": programme_id, "statuses": sorted(statuses),
            "decided": next(iter(statuses)) if len(statuses) == 1 else None,
            "least": cents_string(low), "most": None if high is None else cents_string(high)}
# ---------------------------------------------------------------- 除法、比例与累进 (#22 ratio)
def div(a, b):
    """a ÷ b for a constant divisor whose reciprocal is a finite decimal (the checker allows
    no other constant): exact, like every other operation (a fraction stays one)."""
    try:
        return EXACT.divide(a, b)
    except TypeError:
        return settle(_q(a) / _q(b))


def ratio(a, b):
    """a ÷ b for a divisor that is not a constant: exact (a Fraction where no decimal holds it),
    carried so to the one final rounding; the checker saw to it that b is not zero wherever
    this runs."""
    return settle(_q(a) / _q(b))


def _q(x):
    return x if type(x) is fractions.Fraction else fractions.Fraction(x)


def settle(q):
    """A fraction as the Decimal it equals where one does (1/4 -> 0.25), else itself."""
    d = q.denominator
    twos = (d & -d).bit_length() - 1
    rest = d >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return q
    places = max(twos, fives)
    return _scaled(q.numerator * (10 ** places // d), places)


def _scaled(whole, places):
    """whole × 10^-places, exactly (Decimal.scaleb would round to the context's precision)."""
    return D(f"{whole}E-{places}")


def exact_number(text):
    """A trace's exact number back: '12.5' or, for a fraction, '1000/3'."""
    if "/" in text:
        return fractions.Fraction(text)
    return D(text)


def _about(q):
    """A fraction shown to a reader: four decimals (more for a small one: four significant
    digits, at most 20 decimals), half up — never used to decide."""
    places = 4
    while places < 20 and abs(q) * 10 ** places < 1000:
        places += 1
    scaled = abs(q) * 10 ** places
    whole = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return _scaled(whole if q >= 0 else -whole, places)


def show_ratio(q):
    """A ratio as a percentage: exact where two decimals hold it, else 约 and rounded
    (half up) for the reader only; decisions compare the exact fraction."""
    scaled = _q(q) * 10000  # hundredths of a percent
    if scaled.denominator == 1:
        return f"{_scaled(scaled.numerator, 2).normalize(context=_WIDE):f}%"
    n, d = abs(scaled.numerator), scaled.denominator
    rounded = (2 * n + d) // (2 * d) * (1 if scaled >= 0 else -1)
    return f"约 {_scaled(rounded, 2):f}%"


def r_ratio(left, right, value):
    return f"{left} ÷ {right}（= {show_ratio(value)}）"


def r_quotient(left, right, value, unit):
    """A quotient with a unit (元 ÷ 人 = 元/人): its value in that unit."""
    return f"{left} ÷ {right}（= {show_number(value, unit)}）"


def band_part(value, lower, upper):
    """The part of value inside the band (lower, upper]; upper None: no upper bound."""
    top = value if upper is None else min(value, upper)
    return max(ZERO, sub(top, lower))


def r_bands(subject, labels, parts, rates, unit):
    """累进: each band that holds a part of the subject, with its part and rate."""
    shown = [f"{label}部分 {show_number(part, unit)} × {rate}"
             for index, (label, part, rate) in enumerate(zip(labels, parts, rates)) if index == 0 or part > 0]
    return f"（{subject} 累进计算：{'；'.join(shown)}）"
