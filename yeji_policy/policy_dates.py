"""The checker's pass over dates of effect: 施行日期, 有效期至, 废止日期, 修订 and a programme's 起始日期 / 截止日期.

A date is written "2027-01-01" or "2027年1月1日"; "原文未载明" says the text gives
none (the period is then open on that side, and the rule sheet shows that
reading as an interpretation).  This pass turns the written dates into
`datetime.date` on the model and reports what cannot be a period: a date that
is none (E0525), a period that ends before it starts (E0526), a version whose
修订 date and 施行日期 disagree (E0527).  It runs inside check.py (one call)
and knows nothing of other files: versions.py links versions across files.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from . import ast as A
from . import keywords
from . import model as M

NOT_STATED = "原文未载明"
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_CHINESE = re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$")


class DateError(ValueError):
    """Not a date (the message says why, in Chinese)."""


def parse(text: str) -> datetime.date | None:
    """A policy's date: None for 原文未载明; DateError for anything that is no real date."""
    text = text.strip()
    if text == NOT_STATED:
        return None
    match = _ISO.match(text) or _CHINESE.match(text)
    if not match:
        raise DateError(f"“{text}”不是日期：应写作“2027-01-01”或“2027年1月1日”，原文没有日期时写“{NOT_STATED}”")
    year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise DateError(f"“{text}”不是存在的日期") from None


def shown(day: datetime.date | None) -> str:
    """A date as the sheets and messages write it."""
    return NOT_STATED if day is None else f"{day.year}年{day.month}月{day.day}日"


def apply(module: A.Module, document: M.Document | None, programmes: list[M.Programme], error) -> M.Document | None:
    """Put the parsed dates on the document and (in place) on the programmes; report every bad one.

    error(code, message, span, *notes) is the checker's.
    """
    if document is not None:
        document = _document(module, document, error)
    entries = _programme_entries(module)
    for index, programme in enumerate(programmes):
        found = entries.get(programme.id, {})
        starts = _date(found.get("starts"), error)
        ends = _date(found.get("ends"), error)
        if starts and ends and ends < starts:
            error("E0526", f"项目“{programme.id}”的截止日期 {shown(ends)} 早于起始日期 {shown(starts)}",
                  found["ends"].span)
        if starts or ends:
            programmes[index] = dataclasses.replace(programme, starts=starts, ends=ends)
    return document


def _document(module: A.Module, document: M.Document, error) -> M.Document:
    docs = [item for item in module.items if isinstance(item, A.Document)]
    entries = {e.kind: e for e in docs[0].entries} if docs else {}
    dates = {kind: _date(entries.get(kind), error) for kind in keywords.DOC_DATES}
    amends = None
    if "amends" in entries:
        entry = entries["amends"]
        since = _date(entry, error, index=1)
        target = entry.values[0].value
        if since is None and not _bad(entry, 1):
            error("E0525", f"“修订”须写明自哪一天起施行，不能是“{NOT_STATED}”", entry.values[1].span)
        elif since is not None:
            amends = M.Amends(target, since, entry.span)
            effective = dates["date_effective"]
            if effective is not None and effective != since:
                error("E0527", f"修订自 {shown(since)} 起施行，而施行日期是 {shown(effective)}",
                      entries["date_effective"].span, "两者应为同一天，或删去施行日期")
    start = amends.since if amends else dates["date_effective"]
    for kind, last in (("expires", dates["expires"]), ("repealed", dates["repealed"])):
        if start and last and (last < start if kind == "expires" else last <= start):
            label = keywords.DOC_DETAILS[kind]
            error("E0526", f"{label} {shown(last)} 不在施行日期 {shown(start)} 之后", entries[kind].span)
    return dataclasses.replace(document, effective=start, expires=dates["expires"], repealed=dates["repealed"],
                               amends=amends)


def _bad(entry: A.Entry, index: int) -> bool:
    try:
        parse(entry.values[index].value)
    except DateError:
        return True
    return False


def _date(entry: A.Entry | None, error, index: int = 0) -> datetime.date | None:
    if entry is None:
        return None
    value = entry.values[index]
    try:
        return parse(value.value)
    except DateError as exc:
        error("E0525", str(exc), getattr(value, "span", entry.span))
        return None


def _programme_entries(module: A.Module) -> dict[str, dict[str, A.Entry]]:
    """programme id -> its 起始日期 / 截止日期 entries (top level and inside chapters)."""
    found: dict[str, dict[str, A.Entry]] = {}
    items = list(module.items)
    for item in list(items):
        if isinstance(item, A.Chapter):
            items.extend(item.items)
    for item in items:
        if isinstance(item, A.Programme):
            found.setdefault(item.id.value, {}).update(
                {e.kind: e for e in item.entries if isinstance(e, A.Entry) and e.kind in ("starts", "ends")})
    return found
