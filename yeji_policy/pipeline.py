"""The compiler's driver: the stages in order, each returning plain data.

    read     file bytes      -> source text          (check.decode: UTF-8, BOM)
    parse    source text     -> Lark parse tree      (parser.py, grammar/policy.lark)
    ast      parse tree      -> AST                  (ast.py: frozen dataclasses with spans)
    check    AST             -> checked model        (check/: one module per pass -> model.py), with diagnostics
    lower    checked model   -> IR                   (lower.py -> ir.py: statements the code backends print)
    backends checked model   -> artifacts            (backends/: python (from the IR), forms, sheets)

`load(path)` runs read → check and is what the CLI, the build, the tests and
the drafting tools use; `engine(policy)` compiles the generated Python module
in memory; `stage(name, path)` returns any one stage's output, which
`yeji-policy dump --stage` prints.  Nothing here decides anything about a
policy: each stage lives in its own module.
"""

from __future__ import annotations

import dataclasses
import json
import types
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import model as M
from .diagnostics import Diagnostic, Span

STAGES = ("source", "parse", "ast", "model", "ir")


@dataclass(frozen=True)
class Loaded:
    """A policy file after the front end: the model (None when there are errors) and every diagnostic."""

    path: Path
    source: str
    policy: M.Policy | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)


def load(path: str | Path) -> Loaded:
    """read → parse → ast → check, collecting every diagnostic."""
    from . import check

    policy, diagnostics, source = check.load(path)
    return Loaded(Path(path), source, policy, tuple(diagnostics))


def engine(policy: M.Policy) -> types.ModuleType:
    """The policy's generated Python module, compiled in memory and loaded (nothing written)."""
    from .backends import python as python_backend

    from .parser import deep_call

    # Generating and compiling recurse once per level of nesting: deep_call gives them a deep stack.
    (source,) = deep_call(python_backend.generate, policy).values()
    module = types.ModuleType(f"generated_{policy.id}")
    code = deep_call(compile, source, f"<generated {policy.id}>", "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own output
    return module


class StageError(Exception):
    """A stage could not produce its output; the diagnostics say why."""

    def __init__(self, stage: str, source: str, diagnostics: list[Diagnostic]):
        self.stage = stage
        self.source = source
        self.diagnostics = diagnostics
        super().__init__(stage)


def stage(name: str, path: str | Path) -> object:
    """The output of one stage for a policy file (StageError if an earlier stage failed)."""
    from . import ast as A
    from . import check, parser

    if name not in STAGES:
        raise ValueError(name)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StageError("source", "", [Diagnostic("E0002", f"无法读取文件：{exc.strerror or exc}", Span.point(1, 1))])
    text, diagnostics = check.decode(data)
    if text is None:
        raise StageError("source", data.decode("utf-8", errors="replace"), diagnostics)
    if name == "source":
        return text
    tree, diagnostics = parser.parse(text)
    if tree is None:
        raise StageError("parse", text, diagnostics)
    if name == "parse":
        return tree
    if name == "ast":
        return A.build(tree)
    policy, diagnostics = check.check_tree(tree, text, str(path))
    if policy is None:
        raise StageError("check", text, diagnostics)
    if name == "ir":
        from . import lower

        return lower.lower(policy)
    return policy


# ---------------------------------------------------------------- dumping a stage
def plain(value: object) -> object:
    """A stage's output as JSON-ready data: node class under "节点", spans as "行:列-行:列",
    numbers as exact decimal strings, references to declarations by name."""
    if isinstance(value, Span):
        return f"{value.line}:{value.column}-{value.end_line}:{value.end_column}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {"节点": type(value).__name__}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.metadata.get(M.REFERENCE_KEY):
                out[f.name] = {"引用": getattr(v, "name", None)}
            else:
                out[f.name] = plain(v)
        return out
    if hasattr(value, "pretty"):  # a Lark tree
        return value.pretty()
    return repr(value)


def dump(name: str, path: str | Path) -> str:
    """Text for `yeji-policy dump --stage NAME FILE`."""
    output = stage(name, path)
    if isinstance(output, str):
        return output
    if name == "parse":
        return output.pretty()  # type: ignore[attr-defined]
    if name == "ir":
        from . import lower

        return lower.listing(output)  # type: ignore[arg-type]
    return json.dumps(plain(output), ensure_ascii=False, indent=1)
