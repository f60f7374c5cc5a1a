"""What every pass of the checker shares: the file, the diagnostics, the interpretations.

The passes (source, structure, names, types and units, tables, embedded
tests, traceability) each take one `Context` and report into it; none stops
at the first problem, so that a drafter sees all of them at once.  The
suggestions for a misspelt name ("是否指 …？") live here too, since every
pass that resolves a name offers one.
"""

from __future__ import annotations

import bisect
import difflib
import functools

from .. import ast as A
from .. import model as M
from ..diagnostics import Diagnostics, Related, Span


class Context:
    """The file being checked and everything the passes have found in it so far."""

    def __init__(self, filename: str, source: str):
        self.filename = filename
        self.source = source
        self.diags = Diagnostics()
        self.interpretations: list[M.Interpretation] = []

    def error(self, code: str, message: str, span: Span, *notes: str, related: tuple[Related, ...] = ()) -> None:
        self.diags.error(code, message, span, *notes, related=related)

    def warning(self, code: str, message: str, span: Span, *notes: str, related: tuple[Related, ...] = ()) -> None:
        self.diags.warning(code, message, span, *notes, related=related)

    def interp(self, node: A.Interp | None, subject: str, article: int, programme: str | None):
        """Record a 解释 (an interpretation the text does not force); E0513 when it gives no reason."""
        if node is None:
            return None
        result = M.Interpretation(node.note, subject, article, programme, node.span)
        if not node.note.strip():
            self.error("E0513", "解释说明不能为空", node.span)
        self.interpretations.append(result)
        return result


def first_here(span: Span, what: str = "首次定义于此") -> tuple[Related, ...]:
    """The related position of a duplicate: where the name (or entry) was first given."""
    return (Related(span, what),)


def short(text: str, limit: int = 20) -> str:
    """A literal as a message shows it: a long one cut, with an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------- suggestions for a misspelt name
def suggest(name: str, candidates) -> str:
    close = closest(name, candidates)
    return f"，是否指“{close}”？" if close else ""


SUGGEST_POOL = 64  # known names compared in full with an unknown one
SUGGEST_NEIGHBOURS = 8  # from a larger set: this many either side, by spelling and by ending
SUGGEST_MAX_LENGTH = 64  # a longer unknown name is no typo of a known one


def closest(name: str, candidates) -> str | None:
    """The known name most like `name` (difflib's ratio at least 0.6), by a bounded search.

    Up to SUGGEST_POOL known names are all compared.  From a larger set, only
    the names next to `name` in alphabetical order and in the order of their
    reversed spellings: a typo leaves either the beginning or the end of a
    name as it was.  A thousand unknown names among a thousand known ones
    then cost a few comparisons each, not a thousand.
    """
    if not 0 < len(name) <= SUGGEST_MAX_LENGTH:
        return None
    pool = list(candidates)
    if len(pool) > SUGGEST_POOL:
        forward, backward = _spelling_index(tuple(pool))
        i = bisect.bisect_left(forward, name)
        j = bisect.bisect_left(backward, name[::-1])
        k = SUGGEST_NEIGHBOURS
        pool = forward[max(0, i - k) : i + k] + [c[::-1] for c in backward[max(0, j - k) : j + k]]
    close = difflib.get_close_matches(name, sorted(set(pool)), n=1, cutoff=0.6)
    return close[0] if close else None


@functools.lru_cache(maxsize=8)
def _spelling_index(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    # Built once per set of known names (the fields of a programme, say), not per unknown name.
    unique = set(names)
    return sorted(unique), sorted(c[::-1] for c in unique)
