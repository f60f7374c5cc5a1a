"""Several policies side by side, and versions of one policy over time.

Each policy file is one version.  A new version says which one it amends and
from when (`修订 "yeji_ecommerce" 自 "2027-01-01"`); the versions so linked are
one *family* and share programme ids.  Across families programme ids are
unique, so a programme id alone finds its policy (E0528 otherwise).

The period in which a version applies runs from its 施行日期 (or its 修订
date) to the day before the first of: its 废止日期, the day after its 有效期至,
the day its successor applies from.  An application's date (`APPLICATION_DATE`,
"YYYY-MM-DD") picks the version in force; `Registry.policy_for` is the one
answer to "which policy decides this programme on this day" for every command.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable

from . import model as M
from .diagnostics import Diagnostic, Related, Span
from .policy_dates import shown

# The application field that carries the date deciding which version applies
# (its filing date).  Optional: without it the newest version decides and no
# period is checked, so a result never depends on the day it is computed.
APPLICATION_DATE = "application_date"


def link(policies: Iterable[M.Policy]) -> list[M.Policy]:
    """The policies with `superseded_by` filled in from the versions that amend them."""
    policies = list(policies)
    successors = {p.document.amends.policy: p for p in policies if p.document.amends is not None}
    linked = []
    for policy in policies:
        new = successors.get(policy.id)
        successor = M.Successor(new.id, new.document.version, new.document.amends.since) if new else None
        linked.append(dataclasses.replace(policy, superseded_by=successor) if successor != policy.superseded_by
                      else policy)
    return linked


def period(policy: M.Policy) -> tuple[datetime.date | None, datetime.date | None]:
    """(first day, last day) on which this version applies; None where open."""
    doc = policy.document
    ends = []
    if doc.expires is not None:
        ends.append(doc.expires)
    if doc.repealed is not None:
        ends.append(doc.repealed - datetime.timedelta(days=1))
    if policy.superseded_by is not None:
        ends.append(policy.superseded_by.since - datetime.timedelta(days=1))
    return doc.effective, (min(ends) if ends else None)


def period_data(policy: M.Policy) -> dict:
    """The period as plain data, for the generated module, the index and the runtime's check."""
    first, last = period(policy)
    data: dict = {"from": first.isoformat() if first else None, "until": last.isoformat() if last else None,
                  "version": policy.document.version}
    if policy.document.amends is not None:
        data["amends"] = policy.document.amends.policy
    if policy.superseded_by is not None:
        s = policy.superseded_by
        data["superseded_by"] = {"policy": s.policy, "version": s.version, "from": s.since.isoformat()}
    if policy.document.repealed is not None:
        data["repealed"] = policy.document.repealed.isoformat()
    return data


def programme_period(programme: M.Programme) -> list | None:
    """[first day, last day] of a programme's own period (None for either side when open), or None."""
    if programme.starts is None and programme.ends is None:
        return None
    return [programme.starts.isoformat() if programme.starts else None,
            programme.ends.isoformat() if programme.ends else None]


def in_force(policy: M.Policy, day: datetime.date) -> bool:
    first, last = period(policy)
    return (first is None or first <= day) and (last is None or day <= last)


# ---------------------------------------------------------------- across files
def check_across(policies: Iterable[M.Policy]) -> dict[str, list[Diagnostic]]:
    """Diagnostics that need every file: source file -> its diagnostics (E0528, E0529)."""
    policies = list(policies)
    by_id = {p.id: p for p in policies}
    found: dict[str, list[Diagnostic]] = {}

    def report(policy: M.Policy, code: str, message: str, span: Span, *notes: str, related=()) -> None:
        found.setdefault(policy.source_file, []).append(Diagnostic(code, message, span, notes=tuple(notes),
                                                                   related=tuple(related)))

    amended_by: dict[str, M.Policy] = {}
    for policy in policies:
        amends = policy.document.amends
        if amends is None:
            continue
        target = by_id.get(amends.policy)
        if target is None:
            known = "、".join(sorted(set(by_id) - {policy.id})) or "（没有）"
            report(policy, "E0529", f"修订的政策“{amends.policy}”不在一同检查的政策文件中；现有：{known}", amends.span)
        elif amends.policy in amended_by:
            first = amended_by[amends.policy]
            report(policy, "E0529", f"政策“{amends.policy}”已被 {first.source_file} 修订，一个版本只能被一个新版本修订",
                   amends.span, related=[Related(first.document.amends.span, "已在此修订", first.source_file)])
        elif target.document.effective is not None and amends.since <= target.document.effective:
            report(policy, "E0529", f"修订自 {shown(amends.since)} 起施行，不晚于被修订版本的施行日期 "
                                    f"{shown(target.document.effective)}", amends.span)
        amended_by.setdefault(amends.policy, policy)
    for policy in policies:  # a cycle of 修订 has no first version
        seen, current = {policy.id}, policy
        while current.document.amends is not None and current.document.amends.policy in by_id:
            current = by_id[current.document.amends.policy]
            if current.id in seen:
                if current.id == policy.id:
                    report(policy, "E0529", "修订关系成环：没有最早的版本", policy.document.amends.span)
                break
            seen.add(current.id)

    families = family_of(policies)
    first_seen: dict[str, M.Programme] = {}
    owner: dict[str, M.Policy] = {}
    for policy in policies:
        for programme in policy.programmes:
            other = owner.get(programme.id)
            if other is None:
                owner[programme.id], first_seen[programme.id] = policy, programme
            elif families[other.id] != families[policy.id]:
                span = first_seen[programme.id].span
                report(policy, "E0528", f"项目“{programme.id}”已在 {other.source_file} 中定义", programme.span,
                       "同一政策的新版本须在“文件”块中写“修订 \"旧版本文件名\" 自 \"日期\"”",
                       related=[Related(span, "首次定义于此", other.source_file)])
    return found


def family_of(policies: Iterable[M.Policy]) -> dict[str, str]:
    """policy id -> the id of its family's first version."""
    by_id = {p.id: p for p in policies}
    roots = {}
    for pid in by_id:
        current, seen = by_id[pid], {pid}
        while current.document.amends is not None and current.document.amends.policy in by_id \
                and current.document.amends.policy not in seen:
            current = by_id[current.document.amends.policy]
            seen.add(current.id)
        roots[pid] = current.id
    return roots


class Registry:
    """Every policy loaded together, linked: which one decides a programme on a day."""

    def __init__(self, policies: Iterable[M.Policy]):
        self.policies = link(policies)
        self.by_id = {p.id: p for p in self.policies}
        self.families = family_of(self.policies)

    def versions_of(self, programme_id: str) -> list[M.Policy]:
        """The versions that define a programme, oldest first."""
        found = [p for p in self.policies if programme_id in p.programme_ids]
        return sorted(found, key=lambda p: (period(p)[0] or datetime.date.min, p.id))

    def current(self) -> list[M.Policy]:
        """The newest version of every family (the one no other amends)."""
        return [p for p in self.policies if p.superseded_by is None]

    def in_force(self, day: datetime.date | None) -> list[M.Policy]:
        """Per family, the version in force on day (the newest where day is None or none is in force)."""
        chosen: dict[str, M.Policy] = {}
        for policy in self.current():
            chosen[self.families[policy.id]] = policy
        if day is not None:
            for policy in self.policies:
                if in_force(policy, day):
                    chosen[self.families[policy.id]] = policy
        return [chosen[f] for f in sorted(chosen, key=lambda f: self.policies.index(self.by_id[f]))]

    def policy_for(self, programme_id, day: datetime.date | None) -> M.Policy | None:
        """The version that decides programme_id on day: the one in force then; else (no date, or a
        date no version covers) the newest, whose evaluator then refuses the date with its message.
        None for an unknown programme."""
        versions = self.versions_of(programme_id) if isinstance(programme_id, str) else []
        if not versions:
            return None
        if day is not None:
            for policy in versions:
                if in_force(policy, day):
                    return policy
            first = period(versions[0])[0]
            if first is not None and day < first:
                return versions[0]
        newest = [p for p in versions if p.superseded_by is None]
        return (newest or versions)[-1]


def share_profile(data, names: list[set[str]]) -> list:
    """A calculator profile shared out among several policies (names: the inputs each one's forms ask
    for): each gets the facts it asks for and the date.  A fact no policy asks for goes to every one,
    so that the first refuses it by name; so does anything that is not an object."""
    if not isinstance(data, dict) or len(names) == 1:
        return [data for _ in names]
    strays = any(k != APPLICATION_DATE and not any(k in known for known in names) for k in data)
    if strays:
        return [data for _ in names]
    return [{k: v for k, v in data.items() if k in known or k == APPLICATION_DATE} for known in names]


def application_day(application) -> datetime.date | None:
    """The application's date when it carries a valid one (the engines word a bad one); else None."""
    if not isinstance(application, dict):
        return None
    value = application.get(APPLICATION_DATE)
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            return None
    return None
