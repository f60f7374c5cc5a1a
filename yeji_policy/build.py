"""The build: every policy in policies/ -> every backend's artifacts in generated/.

Deterministic (same source, same bytes: no timestamps, sorted output) and
atomic: all artifacts are rendered into a temporary directory next to
generated/, which replaces generated/ only when every backend succeeded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import model as M
from .backends import python as python_backend
from .backends import schema as schema_backend
from .backends import sheets as sheets_backend

Backend = Callable[[M.Policy], dict[str, bytes]]


def backends() -> list[tuple[str, Backend]]:
    """(name, generate) of every backend, in build order."""
    return [
        ("python", python_backend.generate),
        ("forms", schema_backend.generate),
        ("sheets", sheets_backend.generate),
    ]


class BuildError(Exception):
    """A backend failed; generated/ was left as it was."""


def render(policies: list[M.Policy]) -> dict[str, bytes]:
    """Every artifact of every policy, path (relative to generated/) -> bytes."""
    artifacts: dict[str, bytes] = {}
    for policy in policies:
        for name, generate in backends():
            try:
                produced = generate(policy)
            except Exception as exc:  # noqa: BLE001 - reported to the user, generated/ untouched
                raise BuildError(f"后端“{name}”处理政策“{policy.id}”时失败：{type(exc).__name__}: {exc}") from exc
            for path, data in produced.items():
                if path in artifacts:
                    raise BuildError(f"两个后端都要写入 {path}")
                artifacts[path] = data
    return dict(sorted(artifacts.items()))


@dataclass(frozen=True)
class Staleness:
    changed: tuple[str, ...]  # differ or missing
    extra: tuple[str, ...]  # in generated/ but no longer produced


def compare(artifacts: dict[str, bytes], out_dir: Path) -> Staleness:
    changed = []
    for path, data in artifacts.items():
        target = out_dir / path
        if not target.is_file() or target.read_bytes() != data:
            changed.append(path)
    existing = sorted(
        p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts  # Python's own, from importing the module in place
    ) if out_dir.is_dir() else []
    extra = [p for p in existing if p not in artifacts]
    return Staleness(tuple(changed), tuple(extra))


def write(artifacts: dict[str, bytes], out_dir: Path) -> None:
    """Replace out_dir by exactly these artifacts, atomically as far as the OS allows."""
    out_dir = out_dir.resolve()
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".generated-", dir=parent))
    try:
        for path, data in artifacts.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=".generated-old-", dir=parent))
            old.rmdir()
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
