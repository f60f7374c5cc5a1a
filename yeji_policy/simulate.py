"""Simulating a policy on a population of applications (`yeji-policy simulate`).

A population is a JSON Lines file, one {"programme", "application"} per line
(batch.py reads it one line at a time).  Every line is decided by the
reference interpreter and tallied: how many applications end in each status,
and the total amount by programme and by funding source.  "amount" is what
the results pay now; for applications that need review, what they would pay
if approved ("amount_if_approved") is summed apart.  A line that cannot be
read, or an application that does not fit its form, is counted and listed —
never fatal.

Money is exact: results carry amounts as decimal strings, summed as Decimal
in a context that traps any inexact operation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Callable

from . import batch, interpreter, runtime
from . import model as M

STATUSES = ("eligible", "ineligible", "review", "invalid")
SHORT_LABELS = {"eligible": "符合", "ineligible": "不符合", "review": "需审核", "invalid": "无效"}
MAX_PROBLEMS = 10  # problem lines listed; all are counted
PROGRESS_EVERY = 10000


@dataclass
class Totals:
    """Applications and money of one programme, one funding source, or all."""

    count: int = 0
    statuses: Counter = field(default_factory=Counter)
    amount: Decimal = Decimal(0)
    amount_if_approved: Decimal = Decimal(0)  # of the applications that need review

    def add(self, record: dict) -> None:
        self.count += 1
        self.statuses[record["status"]] += 1
        if "amount" in record:
            self.amount = runtime.add(self.amount, Decimal(record["amount"]))
        if record["status"] == "review" and "amount_if_approved" in record:
            self.amount_if_approved = runtime.add(self.amount_if_approved, Decimal(record["amount_if_approved"]))

    def add_many(self, status: str, count: int, amount: Decimal, approved: Decimal | None) -> None:
        """Count `count` decided records of one status at once, with the sums of their amounts."""
        self.count += count
        self.statuses[status] += count
        self.amount = runtime.add(self.amount, amount)
        if status == "review" and approved is not None:
            self.amount_if_approved = runtime.add(self.amount_if_approved, approved)

    def as_json(self) -> dict:
        return {
            "count": self.count,
            "statuses": {s: self.statuses[s] for s in STATUSES},
            "amount": runtime.cents_string(self.amount),
            "amount_if_approved": runtime.cents_string(self.amount_if_approved),
        }


@dataclass
class Problem:
    line: int
    programme: str | None
    messages: tuple[str, ...]


class Tally:
    """The running totals of one policy, or of several side by side (a versions.Registry), over a population."""

    def __init__(self, policy):
        self.policy = policy
        # the programmes reported, in order: the newest version of each (a programme id names one
        # programme across versions; its name and funding source are the newest version's)
        self.catalogue: dict[str, M.Programme] = {
            p.id: p for current in _current(policy) for p in current.programmes}
        self.lines = 0  # records read (blank lines are skipped)
        self.unreadable = 0  # lines that are not a {"programme", "application"} record
        self.problem_count = 0  # unreadable lines and invalid applications
        self.problems: list[Problem] = []  # the first MAX_PROBLEMS of them
        self.total = Totals()
        self.programmes: dict[str, Totals] = {pid: Totals() for pid in self.catalogue}
        self.sources: dict[str, Totals] = {}

    def add(self, record: dict) -> None:
        """Count one record of batch.evaluate_line."""
        self.lines += 1
        pid = record.get("programme")
        known = pid in self.programmes
        if record["status"] == "invalid":
            self.problem_count += 1
            if pid is None:
                self.unreadable += 1
            if len(self.problems) < MAX_PROBLEMS:
                messages = tuple((f"{e['path']}：" if e["path"] else "") + e["message"] for e in record["errors"])
                self.problems.append(Problem(record["line"], pid, messages))
        self.total.add(record)
        if known:
            self.programmes[pid].add(record)
            source = self.catalogue[pid].funding_source.value
            self.sources.setdefault(source, Totals()).add(record)

    def add_many(self, pid: str, status: str, count: int, amount: Decimal, approved: Decimal | None) -> None:
        """Count `count` records of one known programme and one status (never invalid: those are
        added one by one, as problems) at once: what the SQL engine sums per chunk."""
        self.lines += count
        source = self.catalogue[pid].funding_source.value
        for totals in (self.total, self.programmes[pid], self.sources.setdefault(source, Totals())):
            totals.add_many(status, count, amount, approved)

    def as_json(self) -> dict:
        return {
            "lines": self.lines,
            "unreadable": self.unreadable,
            # Money of different payers is never added up: with more than one funding source the
            # total has counts only (amounts null) and each source's money is under funding_sources.
            "total": self.total.as_json() if len(self.sources) <= 1 else
            {**self.total.as_json(), "amount": None, "amount_if_approved": None},
            "programmes": [dict({"id": p.id, "name": p.name, "funding_source": p.funding_source.value},
                                **self.programmes[p.id].as_json()) for p in self.catalogue.values()],
            "funding_sources": [dict({"funding_source": source}, **totals.as_json())
                                for source, totals in sorted(self.sources.items())],
            "problem_count": self.problem_count,
            "problems": [{"line": p.line, "programme": p.programme, "messages": list(p.messages)}
                         for p in self.problems],
        }


def _current(policy) -> list[M.Policy]:
    return policy.current() if hasattr(policy, "current") else [policy]


def evaluate_record(policy, line: batch.Line) -> dict:
    """One JSONL record decided by the interpreter, the JSON input judged as a form judges it (as --batch
    does); with a versions.Registry, the record's programme id and date pick the policy."""
    from . import versions
    from .backends import form_ui

    def decide(pid, application):
        chosen = policy
        if hasattr(policy, "policy_for"):
            chosen = policy.policy_for(pid, versions.application_day(application)) or _current(policy)[0]
        engine = form_ui.json_as_form(form_ui.programme_fields(chosen, pid),
                                      lambda data: interpreter.evaluate(chosen, pid, data))
        return engine(application)

    return batch.evaluate_line(line, decide)


def simulate(policy, stream: IO[bytes], progress: Callable[[int], None] | None = None) -> Tally:
    """Decide every line of a JSONL byte stream; `progress(n)` is called every PROGRESS_EVERY lines."""
    tally = Tally(policy)
    for line in batch.read_lines(stream):
        tally.add(evaluate_record(policy, line))
        if progress is not None and tally.lines % PROGRESS_EVERY == 0:
            progress(tally.lines)
    return tally


# ---------------------------------------------------------------- the report
def status_counts(totals: Totals) -> str:
    return "，".join(f"{SHORT_LABELS[s]} {totals.statuses[s]}" for s in STATUSES if totals.statuses[s])


def money(totals: Totals) -> str:
    text = f"金额 {runtime.show_yuan(totals.amount)}"
    if totals.statuses["review"]:
        text += f"；需审核的若全部批准 {runtime.show_yuan(totals.amount_if_approved)}"
    return text


SEPARATE_SOURCES = "合计：资金来源不同，金额分别列示（见“按资金来源”），不相加"


def report(tally: Tally, name: str) -> list[str]:
    """The tally in Chinese, one line per item."""
    lines = [f"{name}：共 {tally.lines} 行" + (f"，其中 {tally.unreadable} 行无法读取" if tally.unreadable else "")]
    if not tally.lines:
        return lines
    lines.append("结论：" + "，".join(f"{M.STATUS_LABELS[s]} {tally.total.statuses[s]}" for s in STATUSES))
    lines.append("按项目：")
    for p in tally.catalogue.values():
        totals = tally.programmes[p.id]
        if totals.count:
            lines.append(f"  第{p.article}条 {p.name}（{p.id}）：{totals.count} 份（{status_counts(totals)}）；{money(totals)}")
    lines.append("按资金来源：")
    for source, totals in sorted(tally.sources.items()):
        lines.append(f"  {source}：{totals.count} 份；{money(totals)}")
    # Money of different payers is never added up: 市财政 is not the district's budget.
    lines.append(f"合计：{money(tally.total)}" if len(tally.sources) <= 1 else SEPARATE_SOURCES)
    # A 合计上限 (#22) is per applicant; a line is one programme of nobody in particular.
    lines += [f"注：第{rule.article}条“{rule.title}”按申请人合计，逐行模拟未计入（整体申请用 evaluate_all）"
              for current in _current(tally.policy) for rule in current.cross if isinstance(rule, M.AggregateCap)]
    if tally.problem_count:
        shown = f"前 {len(tally.problems)} 行，" if len(tally.problems) < tally.problem_count else ""
        lines.append(f"无法读取或无效的行（{shown}共 {tally.problem_count} 行）：")
        for problem in tally.problems:  # application text: controls escaped (batch.terminal_text)
            if problem.programme is None:  # batch.py's message names the line
                lines.append(batch.terminal_text(f"  {'；'.join(problem.messages)}"))
            else:
                lines.append(batch.terminal_text(f"  第{problem.line}行（{problem.programme}）：{'；'.join(problem.messages)}"))
    return lines
