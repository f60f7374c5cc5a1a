"""The traceability pass: every figure of a rule traced to the original text (trace.py).

It runs last, and only on a policy with no other error: with a programme
missing, every figure it uses would look untraced.
"""

from __future__ import annotations

from .. import ast as A
from .. import trace
from .context import Context


def traceability(ctx: Context, module: A.Module) -> None:
    """Add trace.py's diagnostics (W0801–W0804: a figure of the text no rule uses, a rule's figure
    not in the text, a wrong non-normative note, an excerpt without the figures it needs)."""
    ctx.diags.items.extend(trace.trace_figures(module))
