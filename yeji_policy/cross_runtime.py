"""Rules across programmes (不得重复享受, 合计上限; issue #22) applied to one applicant.

A whole-applicant evaluation decides every programme an applicant claims with the
engine's own `evaluate`, then applies the policy's declarations in source order —
exclusions, then aggregate caps — to the results, exactly: the amounts are already
rounded to 分 and the caps are whole 分, so nothing is rounded again.  Here: what
both engines share, as runtime.py is shared — reading the whole application, the
wording of every step and reason, the record of each rule — and the generated
module's own decisions over the rules as plain data (`table(policy)`, printed into
the module as CROSS).  The interpreter decides over the model on its own
(interpreter.evaluate_all, in whole 分), so the two engines stay independent.

What the text does not force is not invented:
- two or more programmes of one exclusion payable ⇒ all of them 需审核 (which one
  is paid is the reviewer's decision), unless the drafters wrote 重复时 就高 with
  its 解释 (the highest is paid, ties: the first in policy order; the others not);
- a total above an aggregate cap's room (limit − already received, not below 0)
  ⇒ each programme concerned 需审核 with its own amount if approved, unless the
  drafters wrote 超出时 按项目顺序 with its 解释 (policy order, each taking what is
  left); a room of 0 makes each ineligible — that the text does force.

Everything below the marker line is copied verbatim into a generated module
whose policy declares such rules; there the runtime's helpers are globals.
"""

from __future__ import annotations

from .runtime import (APPLICATION_DATE, D, ZERO, InvalidApplication, add, cents_string, plain_json,  # noqa: F401
                      show_yuan, sub, tag, validate_object)
from . import catalogue


def table(policy) -> list[dict]:
    """The declarations as plain data (what the generated module holds as CROSS), in the order they
    apply: exclusions first, then caps, each in source order — a cap counts only what the exclusions leave."""
    from . import model as M

    rows = []
    for rule in sorted(policy.cross, key=lambda r: not isinstance(r, M.Exclusion)):
        choice = rule.choice_interpretation if isinstance(rule, M.Exclusion) else rule.share_interpretation
        row = {"id": rule.id, "title": rule.title, "article": rule.article, "clause": clause_of(policy, rule),
               "programmes": list(rule.programmes),
               # the declaration's own reading, and that of the drafters' choice (就高, 按项目顺序)
               "interpretations": [catalogue.interpretation_entry(i) for i in (rule.interpretation,) if i is not None],
               "choice": [catalogue.interpretation_entry(i) for i in (choice,) if i is not None]}
        if isinstance(rule, M.Exclusion):
            row.update(kind="exclusion", highest=rule.highest)
        else:
            row.update(kind="aggregate_cap", period=M.CROSS_PERIODS[rule.period], received=catalogue.field_spec(rule.received),
                       limit=cents_string(rule.limit), limit_text=rule.limit_text, in_order=rule.in_order)
        rows.append(row)
    return rows


def clause_of(policy, rule) -> dict | None:
    """The declaration's 摘录 and where it stands in its article's text (the checker found it there)."""
    if rule.excerpt is None:
        return None
    start = policy.article(rule.article).text.index(rule.excerpt)
    return {"excerpt": rule.excerpt, "start": start, "end": start + len(rule.excerpt)}


# ---- copied into the generated module from here
# The wording of every step and reason of the rules across programmes: both engines say exactly
# the same thing; each engine decides on its own (the interpreter over the model, in whole 分).
def cross_names(names):
    return "、".join(f"“{name}”" for name in names)


def cross_text_exclusion(title, claimed, outcome, article, best=None, best_amount=None, others=()):
    """outcome: none (fewer than two payable), highest (就高), review."""
    head = f"{title}：本次申请{cross_names(claimed)}" if claimed else f"{title}：本次没有可予补助的项目"
    if outcome == "none":
        return f"{head}，没有重复享受{tag(article)}"
    if outcome == "highest":
        return (f"{head}，不得重复享受，就高取“{best}” {show_yuan(best_amount)}，{cross_names(others)}不予补助"
                f"{tag(article)}")
    return f"{head}，不得重复享受，原文未规定享受哪一项，均转人工审核{tag(article)}"


def cross_reason_highest(title, best, article):
    return f"{title}：同一项目已按金额较高的“{best}”计{tag(article)}"


def cross_reason_excluded(title, others, article):
    return f"{title}：与{cross_names(others)}不得重复享受，原文未规定享受哪一项，需人工审核{tag(article)}"


_CAP_OUTCOMES = {"within": "未超过剩余额度", "exhausted": "已无剩余额度，均不予补助", "alone": "超过剩余额度，按剩余额度计",
                 "in_order": "超过剩余额度，按项目顺序分配", "review": "超过剩余额度，原文未规定如何分摊，均转人工审核"}


def cross_text_cap(title, limit, label, received, room, members, total, outcome, article):
    counted = f"本次{cross_names(members)}合计 {show_yuan(total)}" if members else "本次没有计入合计的项目"
    return (f"{title}：上限 {show_yuan(limit)}，{label} {show_yuan(received)}，剩余额度 {show_yuan(room)}；"
            f"{counted}，{_CAP_OUTCOMES[outcome]}{tag(article)}")


def cross_reason_exhausted(title, label, received, limit, article):
    return f"{title}：{label} {show_yuan(received)}，已达上限 {show_yuan(limit)}{tag(article)}"


def cross_reason_room(title, room, article):
    return f"{title}：超过剩余额度，按剩余额度 {show_yuan(room)} 计{tag(article)}"


def cross_reason_share(title, take, article):
    return f"{title}：按项目顺序分配剩余额度，本项目取 {show_yuan(take)}{tag(article)}"


def cross_reason_review(title, total, room, article):
    return f"{title}：各项合计 {show_yuan(total)} 超过剩余额度 {show_yuan(room)}，原文未规定如何分摊，需人工审核{tag(article)}"


def render_cross(record):
    """The Chinese step of a rule across programmes, from its record."""
    return record["explanation"]["text"]


def cross_record(rule_id, kind, article, clause, programmes, applied, value, interpretations, text, inputs=None,
                 **shown):
    """One record of the whole-applicant trace: what a rule across programmes found and did; clause:
    its 摘录 with the offsets in the article's text, as a programme's records have (None without one)."""
    return {"id": rule_id, "kind": kind, "article": article, "clause": clause, "programmes": programmes,
            "inputs": {} if inputs is None else inputs, "applied": applied, "value": value,
            "interpretations": interpretations, "explanation": dict(shown, text=text)}


def read_whole(programmes, received, application, claimed):
    """The programmes claimed (in policy order) and the answers to the rules' questions, validated.
    received: programme id list and field spec of each aggregate cap's 已获补助 question."""
    if not issubclass(type(application), dict) or not all(type(k) is str for k in application):
        raise InvalidApplication([{"path": "", "message": "应为对象（JSON object），键为输入项名称"}])
    if claimed is None:
        claimed = list(programmes)
    if type(claimed) not in (list, tuple) or any(type(p) is not str or p not in programmes for p in claimed) \
            or len(set(claimed)) != len(claimed):
        raise InvalidApplication([{"path": "programmes", "message": "申请的项目须是不重复的已有项目编号"}])
    order = [p for p in programmes if p in claimed]
    asked = {}
    for members, spec in received:
        if any(p in order for p in members):
            asked[spec["name"]] = spec
    known = set(asked) | {APPLICATION_DATE}
    for p in order:
        known.update(f["name"] for f in programmes[p]["inputs"])
    errors = [{"path": k, "message": f"未知的输入项“{k}”：所申请的项目和跨项目规定都不使用它"}
              for k in application if k not in known]
    answers = validate_object(list(asked.values()), {k: application[k] for k in asked if k in application}, "", errors)
    if errors:
        raise InvalidApplication(errors)
    return order, answers


def decide_each(evaluate, programmes, order, application):
    """Each programme claimed, decided alone on its own inputs (an invalid one keeps its errors)."""
    results = {}
    for p in order:
        mine = {f["name"]: application[f["name"]] for f in programmes[p]["inputs"] if f["name"] in application}
        if APPLICATION_DATE in application:
            mine[APPLICATION_DATE] = application[APPLICATION_DATE]
        try:
            results[p] = evaluate(p, mine)
        except InvalidApplication as exc:
            results[p] = {"programme": p, "programme_name": programmes[p]["name"], "status": "invalid",
                          "errors": exc.errors}
    return results


def whole_result(order, results, records):
    total = ZERO
    for r in results.values():
        if r["status"] == "eligible":
            total = add(total, D(r["amount"]))
    return {"programmes": order, "results": results, "total": cents_string(total), "trace": records,
            "steps": [render_cross(r) for r in records]}


def cross_change(result, status, amount, reason, notes, if_approved=None):
    """A programme's result after a rule across programmes: its new status and amount, the reason,
    and the rule's interpretations (notes: entries)."""
    result["status"] = status
    result["amount"] = cents_string(amount)
    result.pop("amount_if_approved", None)
    if if_approved is not None:
        result["amount_if_approved"] = cents_string(if_approved)
    result["reasons"] = list(result["reasons"]) + [reason]
    cross_note(result, notes)


def cross_note(result, notes):
    if "interpretations" not in result:  # a calculator's entry names none
        return
    known = {i.get("id") for i in result["interpretations"]}
    result["interpretations"] = list(result["interpretations"]) + [i for i in notes if i["id"] not in known]


# ---- the generated module's own decisions, over the CROSS table
def _payable(result):
    """What a programme would pay (its amount, or the amount if approved); None: not payable."""
    status = result["status"]
    if status == "eligible":
        return D(result["amount"])
    if status == "review":
        return D(result.get("amount_if_approved", result["amount"]))
    return None


def _exclusion(rule, results):
    claimed = [p for p in rule["programmes"] if p in results and _payable(results[p]) is not None]
    names = [results[p]["programme_name"] for p in claimed]
    own = rule["interpretations"]
    ids = [i["id"] for i in own]
    article, title = rule["article"], rule["title"]
    if len(claimed) < 2:
        return cross_record(rule["id"], "exclusion", article, rule["clause"], claimed, False, None, ids,
                            cross_text_exclusion(title, names, "none", article))
    if rule["highest"]:
        best = claimed[0]
        for p in claimed[1:]:
            if _payable(results[p]) > _payable(results[best]):
                best = p
        best_name = results[best]["programme_name"]
        notes = own + rule["choice"]
        for p in claimed:
            if p != best:
                cross_change(results[p], "ineligible", ZERO, cross_reason_highest(title, best_name, article), notes)
        cross_note(results[best], notes)
        return cross_record(rule["id"], "exclusion", article, rule["clause"], claimed, True, best, [i["id"] for i in notes],
                            cross_text_exclusion(title, names, "highest", article, best_name, _payable(results[best]),
                                                 [n for p, n in zip(claimed, names) if p != best]))
    for p, name in zip(claimed, names):
        cross_change(results[p], "review", ZERO, cross_reason_excluded(title, [n for n in names if n != name], article),
                     own, _payable(results[p]))
    return cross_record(rule["id"], "exclusion", article, rule["clause"], claimed, True, None, ids,
                        cross_text_exclusion(title, names, "review", article))


def _aggregate_cap(rule, results, received):
    members = [p for p in rule["programmes"] if p in results and _payable(results[p]) is not None]
    limit = D(rule["limit"])
    room = max(sub(limit, received), ZERO)
    total = ZERO
    for p in members:
        total = add(total, _payable(results[p]))
    article, title, label = rule["article"], rule["title"], rule["received"]["label"]
    own, notes = rule["interpretations"], rule["interpretations"] + rule["choice"]
    if total <= room:
        outcome = "within"
    elif room == 0:
        outcome = "exhausted"
        reason = cross_reason_exhausted(title, label, received, limit, article)  # worded once, for every member
        for p in members:
            cross_change(results[p], "ineligible", ZERO, reason, own)
    elif len(members) == 1:  # nothing to share: the text forces the room
        outcome = "alone"
        p = members[0]
        if results[p]["status"] == "eligible":
            cross_change(results[p], "eligible", room, cross_reason_room(title, room, article), own)
        else:
            cross_change(results[p], "review", ZERO, cross_reason_room(title, room, article), own, room)
    elif rule["in_order"]:
        outcome = "in_order"
        left = room
        for p in members:
            figure = _payable(results[p])
            take = min(figure, left)
            left = sub(left, take)
            if take == figure:
                cross_note(results[p], notes)
            elif take == 0:
                cross_change(results[p], "ineligible", ZERO, cross_reason_share(title, take, article), notes)
            elif results[p]["status"] == "eligible":
                cross_change(results[p], "eligible", take, cross_reason_share(title, take, article), notes)
            else:
                cross_change(results[p], "review", ZERO, cross_reason_share(title, take, article), notes, take)
    else:
        outcome = "review"
        reason = cross_reason_review(title, total, room, article)
        for p in members:
            cross_change(results[p], "review", ZERO, reason, own, _payable(results[p]))
    paid = ZERO
    for p in members:
        if results[p]["status"] == "eligible":
            paid = add(paid, D(results[p]["amount"]))
    used = notes if outcome == "in_order" else own
    return cross_record(rule["id"], "aggregate_cap", article, rule["clause"], members, outcome != "within", cents_string(paid),
                        [i["id"] for i in used],
                        cross_text_cap(title, limit, label, received, room, [results[p]["programme_name"] for p in members],
                                       total, outcome, article),
                        {rule["received"]["name"]: plain_json(received)},
                        limit=cents_string(limit), room=cents_string(room), total=cents_string(total))


def whole_applicant(evaluate, programmes, rules, application, claimed=None):
    """One applicant's whole application: each programme claimed decided by `evaluate`, then the rules
    across programmes applied in order.  `application` holds every input of the programmes claimed (by
    name, as the calculator's profile does) and the answers to the rules' questions (the amounts
    already received); `claimed`: the programme ids (default: every programme).  A programme whose
    inputs do not fit its form is invalid on its own and the others go on; an unknown key or a missing
    or bad answer to a rule's question raises InvalidApplication."""
    received = [(r["programmes"], r["received"]) for r in rules if r["kind"] == "aggregate_cap"]
    order, answers = read_whole(programmes, received, application, claimed)
    results = decide_each(evaluate, programmes, order, application)
    records = []
    for rule in rules:  # in the order they apply (table)
        if rule["kind"] == "exclusion":
            records.append(_exclusion(rule, results))
        elif rule["received"]["name"] in answers:
            records.append(_aggregate_cap(rule, results, answers[rule["received"]["name"]]))
    return whole_result(order, results, records)


# ---- the calculator (match) across programmes: shared by both engines, as match_profile is
def cross_text_match_exclusion(title, names, highest, article):
    rule = "只付金额较高的一项" if highest else "原文未规定享受哪一项，同时申请时需人工审核"
    return f"{title}：{cross_names(names)}同一项目只能享受其一（{rule}）{tag(article)}"


def cross_text_match_cap(title, limit, label, received, room, names, article):
    known = f"{label} {show_yuan(received)}，剩余额度 {show_yuan(room)}" if received is not None else f"尚未填写“{label}”"
    return f"{title}：{cross_names(names)}合计不超过 {show_yuan(limit)}（{known}）{tag(article)}"


def split_answers(received, profile):
    """The calculator's profile without the rules' questions (runtime.match_profile reads the rest),
    and their answers, validated; received as read_whole takes it."""
    if type(profile) is not dict:
        return profile, {}
    specs = {spec["name"]: spec for _, spec in received}
    errors = []
    answers = validate_object([spec for name, spec in specs.items() if name in profile],
                              {k: v for k, v in profile.items() if k in specs}, "", errors)
    if errors:
        raise InvalidApplication(errors)
    return {k: v for k, v in profile.items() if k not in specs}, answers


def match_across(rules, entries, answers):
    """The calculator's findings (runtime.match_profile's entries) with the rules across programmes:
    an exclusion is noted on each of its programmes that may still pay ("cross"); a cap is noted too,
    bounds the most an undecided programme can pay by its room, and — once every programme it names
    is decided — is applied to them as evaluate_all applies it; until then a decided programme whose amount
    is above the room keeps its amount and shows what the cap leaves it (max_amount).  Returns the rules' records."""
    by_id = {e["programme"]: e for e in entries}
    records = []
    for rule in rules:  # in the order they apply (table)
        members = [p for p in rule["programmes"] if p in by_id and by_id[p]["status"] in ("eligible", "review", "incomplete")]
        names = [by_id[p]["programme_name"] for p in members]
        if rule["kind"] == "exclusion":
            if len(members) < 2:
                continue
            text = cross_text_match_exclusion(rule["title"], names, rule["highest"], rule["article"])
            record = cross_record(rule["id"], "exclusion", rule["article"], rule["clause"], members, False, None,
                                  [i["id"] for i in rule["interpretations"]], text)
        else:
            name = rule["received"]["name"]
            received = answers.get(name)
            limit = D(rule["limit"])
            room = limit if received is None else max(sub(limit, received), ZERO)
            if not members:
                continue
            undecided = [p for p in members if by_id[p]["status"] == "incomplete"]
            if received is not None and not undecided:
                record = _aggregate_cap(rule, by_id, received)
            else:
                text = cross_text_match_cap(rule["title"], limit, rule["received"]["label"], received, room, names,
                                            rule["article"])
                record = cross_record(rule["id"], "aggregate_cap", rule["article"], rule["clause"], members, False, None,
                                      [i["id"] for i in rule["interpretations"]], text,
                                      {} if received is None else {name: plain_json(received)},
                                      limit=cents_string(limit), room=cents_string(room))
                for p in members:
                    e = by_id[p]
                    if p in undecided:
                        if e.get("max_amount") is None or D(e["max_amount"]) > room:
                            e["max_amount"] = cents_string(room)
                            e["max_amount_text"] = f"最高 {show_yuan(room)}（{rule['title']}）"
                    elif _payable(e) > room and (e.get("max_amount") is None or D(e["max_amount"]) > room):
                        # decided, but the cap is not applied yet (a programme undecided, or the amount
                        # received unanswered): its own amount stands, and the cap leaves it no more than the room
                        e["max_amount"] = cents_string(room)
                        e["max_amount_text"] = f"按合计上限最多可得 {show_yuan(room)}（{rule['title']}）"
        for p in members:
            by_id[p].setdefault("cross", []).append({"id": rule["id"], "text": render_cross(record)})
        records.append(record)
    return records
