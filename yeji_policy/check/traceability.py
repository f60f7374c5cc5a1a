"""The traceability pass: every figure of a rule traced to the original text (trace.py),
and every sentence of an article covered by a measure, a programme or a non-normative entry (clauses.py).

It runs last, and only on a policy with no other error: with a programme
missing, every figure it uses would look untraced.
"""

from __future__ import annotations

from .. import ast as A
from .. import clauses, trace
from .context import Context


def traceability(ctx: Context, module: A.Module) -> None:
    """Add trace.py's diagnostics (W0801–W0804: a figure of the text no rule uses, a rule's figure
    not in the text, a wrong non-normative note, an excerpt without the figures it needs) and
    clauses.py's W0901 (a sentence that no measure, programme or non-normative entry covers)."""
    ctx.diags.items.extend(trace.trace_figures(module))
    ctx.diags.items.extend(clauses.coverage(module))
