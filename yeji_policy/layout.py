"""Where each policy's artifacts live under generated/ — the one answer every tool asks.

Several policies (and several versions of one) are built side by side, so every
artifact path carries its policy's id (the file stem, a Python name):

    python/<id>.py                    the generated evaluator
    forms/<id>/<programme>.schema.json  one form per programme (+ .uischema, .messages,
                                      draft-07/), the calculator's profile and the forms' index
    sheets/<id>.{md,html,docx}        the rule sheets
    sheets/<id>.tasks.{md,html,docx}  the task breakdown (重点任务分工)
    index.json                        what lives where, per policy (this module's `index`)

The backends name their outputs with these functions, and code that reads
generated/ (the CLI, a web server, another backend) asks `artifact(policy_id,
kind, name)` or reads index.json instead of spelling a path.
"""

from __future__ import annotations

import json
from pathlib import Path

INDEX = "index.json"
SHEET_FORMATS = ("md", "html", "docx")


def module(policy_id: str) -> str:
    return f"python/{policy_id}.py"


def forms_dir(policy_id: str) -> str:
    return f"forms/{policy_id}"


def sheet(policy_id: str, fmt: str) -> str:
    if fmt not in SHEET_FORMATS:
        raise ValueError(fmt)
    return f"sheets/{policy_id}.{fmt}"


def tasks(policy_id: str, fmt: str) -> str:
    if fmt not in SHEET_FORMATS:
        raise ValueError(fmt)
    return f"sheets/{policy_id}.tasks.{fmt}"


def artifact(policy_id: str, kind: str, name: str | None = None) -> str:
    """The path (relative to generated/) of one artifact of a policy.

    kind: "module"; "form", "uischema", "messages" or "draft-07" with a programme
    id or "profile" as name; "forms-index"; "sheet" or "tasks" with md, html or docx.
    """
    if kind == "module":
        return module(policy_id)
    if kind == "sheet":
        return sheet(policy_id, name or "md")
    if kind == "tasks":
        return tasks(policy_id, name or "md")
    if kind == "forms-index":
        return f"{forms_dir(policy_id)}/index.json"
    if name is None:
        raise ValueError(f"{kind} needs a name")
    suffix = {"form": "schema", "uischema": "uischema", "messages": "messages"}.get(kind)
    if suffix is not None:
        return f"{forms_dir(policy_id)}/{name}.{suffix}.json"
    if kind == "draft-07":
        return f"{forms_dir(policy_id)}/draft-07/{name}.schema.json"
    raise ValueError(kind)


def owned_by(policy_id: str, path: str) -> bool:
    """Whether a path under generated/ is one of this policy's artifacts."""
    return (path == module(policy_id) or path.startswith(forms_dir(policy_id) + "/")
            or path in {f(policy_id, fmt) for f in (sheet, tasks) for fmt in SHEET_FORMATS})


def entry(policy, files: list[str]) -> dict:
    """index.json's entry for one policy: what it is, which version, where its files are."""
    from . import versions

    doc = policy.document
    return {
        "title": doc.title,
        "issuer": doc.issuer,
        "version": doc.version,
        "source_file": policy.source_file,
        "source_sha256": policy.content_hash,
        "in_force": versions.period_data(policy),
        "programmes": list(policy.programme_ids),
        "module": module(policy.id),
        "forms": forms_dir(policy.id),
        "forms_index": artifact(policy.id, "forms-index"),
        "sheets": {fmt: sheet(policy.id, fmt) for fmt in SHEET_FORMATS},
        "files": sorted(files),
    }


def index(entries: dict[str, dict]) -> bytes:
    """index.json: every policy's entry, and which policy (versions) hold each programme."""
    programmes: dict[str, list[str]] = {}
    for pid, data in sorted(entries.items()):
        for programme in data["programmes"]:
            programmes.setdefault(programme, []).append(pid)
    document = {"policies": dict(sorted(entries.items())), "programmes": dict(sorted(programmes.items()))}
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def read_index(out_dir: Path) -> dict:
    """The index of a built generated/ ({} when there is none or it cannot be read)."""
    try:
        data = json.loads((out_dir / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
