"""HTML forms without JavaScript: what a browser posts, read back into an application.

A form posts flat text pairs.  Fields are named by the path the evaluator
uses in its errors (`claim_to`, `stations[0].village`), so an error lands
beside the input it names; a list carries its item count in a hidden
`stations.count`, and the buttons that add or remove an item are submit
buttons (`_action=add:stations`, `_action=remove:stations:1`): a round trip
to the server, nothing typed is lost.

`typed` (path -> the text as typed) is what a page shows again; `application`
turns it into what the engine reads: numbers typed as plain decimals become
exact Decimals (anything else is passed on as text, so that the engine's
validation words the problem), 是/否 become true/false, blanks are left out
(the engine reports a missing field by its label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl

from .. import model as M
from .. import runtime

_NUMBER = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?")  # a sign kept: "-5" is a negative number, not text
MAX_FIELDS = 200_000  # pairs read from one form post (a list of 10,000 items × its fields fits)


def anchor(path: str) -> str:
    """The HTML id of the input for an error path ("stations[0].village" -> "f-stations-0-village")."""
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


def parse(body: str) -> dict[str, str]:
    """A urlencoded form body (or query string) as path -> text; the first of repeated names counts."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS):
        out.setdefault(key, value)
    return out


@dataclass
class FormState:
    """What the page shows: every typed text by path and the item count of each list."""

    typed: dict[str, str]
    counts: dict[str, int]


def _count(typed: dict[str, str], name: str) -> int:
    text = typed.get(f"{name}.count", "1")
    return min(int(text), runtime.MAX_ITEMS) if text.isdigit() and len(text) < 7 else 1


def state(fields, typed: dict[str, str]) -> FormState:
    return FormState(typed, {f.name: _count(typed, f.name) for f in fields if f.kind == "list"})


def apply_action(fields, form: FormState, action: str) -> FormState:
    """Add an item to a list, or remove one (the later items move up, keeping what was typed)."""
    verb, _, rest = action.partition(":")
    name, _, index_text = rest.partition(":")
    field = next((f for f in fields if f.kind == "list" and f.name == name), None)
    if field is None:
        return form
    count = form.counts[name]
    if verb == "add" and count < runtime.MAX_ITEMS:
        form.counts[name] = count + 1
    elif verb == "remove" and index_text.isdigit() and int(index_text) < count and count > 0:
        gone = int(index_text)
        typed = dict(form.typed)
        for i in range(gone, count):
            for sub in field.item_fields:
                later = form.typed.get(f"{name}[{i + 1}].{sub.name}")
                here = f"{name}[{i}].{sub.name}"
                if later is None or i + 1 >= count:
                    typed.pop(here, None)
                else:
                    typed[here] = later
        form.typed = typed
        form.counts[name] = count - 1
    return form


def _value(field: M.Field, text: str):
    """The typed text as the engine's input; _BLANK when nothing was typed."""
    if field.kind in ("money", "number", "int"):
        text = text.strip()
        if not text:
            return _BLANK
        return Decimal(text) if _NUMBER.fullmatch(text) else text
    if field.kind == "bool":
        return {"true": True, "false": False, "": _BLANK}.get(text, text)
    if field.kind in ("enum", "date"):
        return text.strip() or _BLANK
    return text if text.strip() else _BLANK


_BLANK = object()


def application(fields, form: FormState, prefix: str = "") -> dict:
    out: dict = {}
    for f in fields:
        path = prefix + f.name
        if f.kind == "list":
            out[f.name] = [application(f.item_fields, form, f"{path}[{i}].") for i in range(form.counts[f.name])]
            continue
        value = _value(f, form.typed.get(path, ""))
        if value is not _BLANK:
            out[f.name] = value
    return out


def answered(fields, typed: dict[str, str]) -> dict:
    """The calculator's answers: the scalar fields given a value (lists are answered on the forms)."""
    out = {}
    for f in fields:
        if f.kind == "list" or f.name not in typed:
            continue
        value = _value(f, typed[f.name])
        if value is not _BLANK:
            out[f.name] = value
    return out
