"""The yeji-policy command line: check, build, evaluate, match, test, programmes.

Output is Chinese.  Exit codes: 0 success; 1 the policy has errors, a test
failed, or generated/ is stale; 2 a usage error, an unreadable input, an output
that may not or cannot be written (build, fmt), or an invalid application.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

import click

from . import check as check_mod
from . import model as M
from . import pipeline, runtime
from .diagnostics import render_all
from .parser import deep_call

# Each command imports the stages it needs when it runs, so that a drafter's
# `check` does not pay for the backends (jinja2, jsonschema) at start-up.

POLICY_DIR = Path("policies")
OUT_DIR = Path("generated")


# ---------------------------------------------------------------- helpers
def _fail(message: str, code: int = 2) -> NoReturn:
    from .batch import terminal_text  # a message may quote a file name or input text

    click.echo(f"错误：{terminal_text(message)}", err=True)
    sys.exit(code)


def _policy_files(files: tuple[str, ...]) -> list[Path]:
    if files:
        return [Path(f) for f in files]
    found = sorted(POLICY_DIR.glob("*.policy"))
    if not found:
        _fail(f"在 {POLICY_DIR}/ 中没有找到 .policy 文件；请在项目根目录运行，或指明政策文件")
    return found


def _load(path: Path, show_warnings: bool = True) -> M.Policy:
    policy, diagnostics, source = check_mod.load(path)
    shown = [d for d in diagnostics if d.is_error or show_warnings]
    for text in render_all(shown, str(path), source):
        click.echo(text, err=True)
    if policy is None:
        errors = sum(d.is_error for d in diagnostics)
        _fail(f"{path} 有 {errors} 个错误，无法继续", 1)
    return policy


def _assignments(path: Path, policy: M.Policy, err: bool):
    """The assignment file beside a policy (policies/x.assignments), checked, its diagnostics printed:
    (file, assignments or None, error count); (None, None, 0) where there is none."""
    from . import assignments

    file = assignments.path_for(path)
    if not file.exists():
        return None, None, 0
    result, diagnostics, source = assignments.load(file, policy)
    for text in render_all(diagnostics, str(file), source):
        click.echo(text, err=err)
    return file, result, sum(d.is_error for d in diagnostics)


def _load_assignments(path: Path, policy: M.Policy):
    file, result, errors = _assignments(path, policy, err=True)
    if errors:
        _fail(f"{file} 有 {errors} 个错误，无法继续", 1)
    return result


def _check_assignments(path: Path, policy: M.Policy) -> int:
    file, result, errors = _assignments(path, policy, err=False)
    if file is not None:
        click.echo(f"{file}：通过（{len(result.tasks)} 项分工）" if result is not None else f"{file}：{errors} 个错误")
    return errors


def across_files(policies: list[M.Policy], paths: list[Path], only: set[str] | None = None) -> int:
    """Print the checks that need every file (versions.check_across), for the files named `only`
    (default: all); the number of errors printed."""
    from . import versions

    where = {path.name: path for path in paths}
    found = versions.check_across(policies)
    # every file a diagnostic or its related places name, by source_file: (path shown, text)
    named = set(found) | {r.file for ds in found.values() for d in ds for r in d.related if r.file}
    texts = {name: (str(where.get(name, Path(name))), check_mod.decode(where[name].read_bytes())[0] or "")
             for name in named if name in where}
    errors = 0
    for name, diagnostics in found.items():
        if only is not None and name not in only:
            continue
        path, source = texts.get(name, (name, ""))
        for text in render_all(diagnostics, path, source, others=texts):
            click.echo(text, err=True)
        errors += sum(d.is_error for d in diagnostics)
    return errors


def _load_all(files: list[Path], show_warnings: bool = True) -> list[M.Policy]:
    """Every policy of these files, checked across files and linked (versions.link); or exit 1."""
    from . import versions

    policies = [_load(path, show_warnings) for path in files]
    errors = across_files(policies, files)
    if errors:
        _fail(f"政策文件之间有 {errors} 个错误，无法继续", 1)
    return versions.link(policies)


def _registry(policy_files: tuple[str, ...] | str | None):
    """Every policy (or those --policy names, each once however often it is named): the commands find a
    programme's policy in it.  --policy may be given several times, as `check` and `build` take several
    files; each named file counts (none is silently dropped for the last).  One file name or None (every
    policy of policies/) is taken too (web.app.load_app)."""
    from . import versions

    files = (policy_files,) if isinstance(policy_files, str) else tuple(policy_files or ())
    return versions.Registry(_load_all(_policy_files(_named(files)), show_warnings=False))


def _named(policy_files: tuple[str, ...]) -> tuple[str, ...]:
    """The files --policy names, in their order, a file named twice (by any path to it) kept once."""
    first: dict[Path, str] = {}
    for file in policy_files:
        first.setdefault(Path(file).resolve(), file)
    return tuple(first.values())


def _single(registry, what: str) -> M.Policy:
    """The one policy that `what` (the SQL engine) runs: --policy, or the only one there is."""
    if len(registry.policies) != 1:
        _fail(f"policies/ 中有多个政策文件，{what}一次按一个政策运行：请用 --policy 指明一个")
    return registry.policies[0]


def _policy_for(registry, programme, application) -> M.Policy | None:
    from . import versions

    return registry.policy_for(programme, versions.application_day(application))


def _unknown(registry, programme):
    """An engine for a programme id no policy has: it refuses it, naming every programme."""
    ids = list(dict.fromkeys(pid for p in registry.policies for pid in p.programme_ids))

    def refuse(application):
        raise runtime.unknown_programme(ids, programme)
    return refuse


def _read_bounded(path: str, limit: int) -> bytes:
    """At most limit + 1 bytes of a regular file, or of stdin for "-"; exits 2 for anything
    else (a device such as /dev/zero or a FIFO could be endless)."""
    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                _fail(f"{path} 不是普通文件（设备、管道或目录），无法作为申请读取；标准输入请用 -")
            return stream.read(limit + 1)
    except OSError as exc:
        _fail(f"无法读取文件 {path}：{exc.strerror or exc}")


def read_json(path: str):
    """Read a JSON document exactly (batch.loads_exact); any problem exits 2 naming the file."""
    from . import batch

    data = _read_bounded(path, batch.MAX_LINE)
    if len(data) > batch.MAX_LINE:
        _fail(f"{path} 超过 {batch.MAX_LINE:,} 字节，未处理")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{path} 不是 UTF-8 编码：第{exc.start + 1}个字节无法解码")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        _fail(f"{path} 是空文件，应为一个 JSON 对象")
    try:
        return batch.loads_exact(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path} {batch.describe_json_error(exc)}")
    except RecursionError:
        _fail(f"{path}：JSON 嵌套层数过深")
    except batch.JSONValueError as exc:
        _fail(f"{path}：JSON 中有无法处理的值：{exc}")


def _dump(value) -> str:
    """JSON for --json output; controls from application text stay escaped (batch.terminal_json)."""
    from .batch import terminal_json

    return terminal_json(json.dumps(value, ensure_ascii=False, indent=2, default=_decimal_text))


def _say(text: str, err: bool = False) -> None:
    """One line of human output that may hold application text, its controls escaped."""
    from .batch import terminal_text

    click.echo(terminal_text(text), err=err)


def _invalid(exc: runtime.InvalidApplication) -> NoReturn:
    _say(f"申请无效，共 {exc.count} 处问题：", err=True)
    for e in exc.errors:
        _say(f"  - {e['path'] or '（申请整体）'}：{e['message']}", err=True)
    sys.exit(2)


def json_as_form(fields, run):
    """JSON input follows the form (backends.form_ui.json_as_form)."""
    from .backends import form_ui

    return form_ui.json_as_form(fields, run)


def _fields(policy: M.Policy, pid) -> tuple:
    from .backends import form_ui

    return form_ui.programme_fields(policy, pid)


# ---------------------------------------------------------------- commands
class _Group(click.Group):
    """The command group; an OS error no command handled (stdout on a full disk, a closed pipe)
    ends the run with one Chinese line and exit code 1, never a traceback."""

    def main(self, *args, **kwargs):
        if kwargs.get("standalone_mode", True) is False:  # a caller handling click's exceptions itself
            return super().main(*args, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
            if isinstance(code, int):  # ctx.exit(n), as --help and --version do, comes back as a number
                sys.exit(code)
            return code
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            sys.stderr.write("已取消\n")
            sys.exit(1)
        except click.UsageError as exc:
            sys.stderr.write(f"错误：{_usage_message(exc)}\n")
            path = exc.ctx.command_path if exc.ctx is not None else "yeji-policy"
            sys.stderr.write(f"运行“{path} --help”查看用法。\n")
            sys.exit(2)
        except OSError as exc:
            try:  # stdout may be what failed: let nothing more be written to it at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            reason = _WRITE_ERRORS.get(exc.errno) or exc.strerror or type(exc).__name__
            where = f"（{exc.filename}）" if exc.filename else ""
            try:
                sys.stderr.write(f"错误：输入输出失败{where}：{reason}；输出可能不完整\n")
                sys.stderr.flush()
            except OSError:
                pass
            sys.exit(1)


def _usage_message(exc: click.UsageError) -> str:
    """click's usage errors, said in Chinese."""
    if isinstance(exc, click.NoSuchOption):
        near = f"，是否指 {'、'.join(sorted(exc.possibilities))}" if exc.possibilities else ""
        return f"没有选项“{exc.option_name}”{near}"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        kind = "选项" if isinstance(exc.param, click.Option) else "参数"
        return f"缺少{kind}“{exc.param.human_readable_name}”"
    if isinstance(exc, click.BadParameter):
        if isinstance(exc.param, click.Option):
            name = exc.param.opts[0]
        else:
            name = exc.param.human_readable_name if exc.param is not None else (exc.param_hint or "参数")
        param_type = getattr(exc.param, "type", None)
        if isinstance(param_type, click.Choice):
            return f"“{name}”应为 {'、'.join(map(str, param_type.choices))} 之一"
        text = exc.message
        for english, chinese in (("is a directory", "是目录，不是文件"), ("does not exist", "不存在"),
                                 ("is not readable", "无法读取"), ("is a file", "是文件，不是目录")):
            if english in text:
                return f"“{name}”的值无效：{chinese}"
        return f"“{name}”的值无效：{text}"
    text = exc.message
    if text.startswith("No such command"):
        command = text.split("'")[1] if "'" in text else text
        commands = "、".join(sorted(main.commands))
        return f"没有命令“{command}”；可用的命令：{commands}"
    if text.startswith("Got unexpected extra argument"):
        return f"多余的参数：{text.split('(', 1)[-1].rstrip(')')}"
    return text


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yeji-policy", message="yeji-policy %(version)s")
def main() -> None:
    """yeji-policy：政策即代码编译器——把政策文件编译为计算模块、申请表单和规则说明。"""
    # Input may carry characters no UTF-8 stream can write (lone surrogates from a
    # JSON \ud800 escape); show them escaped rather than fail mid-output.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def check(files: tuple[str, ...]) -> None:
    """检查政策文件（默认检查 policies/ 下的全部 .policy 文件）。"""
    total_errors = total_warnings = 0
    checked = []
    for path in _policy_files(files):
        policy, diagnostics, source = check_mod.load(path)
        for text in render_all(diagnostics, str(path), source):
            click.echo(text)
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        total_errors += errors
        total_warnings += warnings
        if policy is not None:
            click.echo(f"{path}：通过（{len(policy.articles)} 条，{len(policy.programmes)} 个补助项目，"
                       f"{len(policy.tests)} 个测试用例，{warnings} 个警告）")
            total_errors += _check_assignments(path, policy)
        else:
            click.echo(f"{path}：{errors} 个错误，{warnings} 个警告")
        if policy is not None:
            checked.append((policy, path))
    if files:  # the other policies of policies/ are the context a version is checked in (修订, unique ids)
        named = {path.resolve() for _, path in checked}
        for path in _project_context([Path(f) for f in files]):
            context = check_mod.load(path)[0] if path.resolve() not in named else None
            if context is not None:
                checked.append((context, path))
    total_errors += across_files([p for p, _ in checked], [path for _, path in checked],
                                 only={path.name for path in map(Path, files)} if files else None)
    sys.exit(1 if total_errors else 0)


@main.command()
@click.option("--check", "check_only", is_flag=True, help="只检查 generated/ 是否最新，不写入；过期时退出码为 1。")
@click.option("--out", default=str(OUT_DIR), show_default=True, type=click.Path(file_okay=False), help="输出目录。")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def build(check_only: bool, out: str, files: tuple[str, ...]) -> None:
    """从政策文件生成全部产物（计算模块、申请表单、规则说明）。"""
    try:
        _build(check_only, out, files)
    except KeyboardInterrupt:
        _fail(f"构建被中断；{out}/ 是完整的旧版本或新版本", 130)


def _build(check_only: bool, out: str, files: tuple[str, ...]) -> None:
    from . import build as build_mod

    sources = _policy_files(files)
    out_dir = Path(out)
    try:
        build_mod.check_output(out_dir, sources, replacing=not check_only)
    except build_mod.OutputError as exc:
        _fail(str(exc))
    # `build FILE` of a file in policies/: the other policies there are read too (versions link
    # across files), but only FILE's artifacts are replaced; the others' stay byte for byte.
    chosen = {path.resolve() for path in sources}
    context = sources + [p for p in (_project_context(sources) if files else [])
                         if p.resolve() not in chosen and p.stem not in {s.stem for s in sources}]
    loaded = [(p, path) for p, path in zip(_load_all(context), context) if path.resolve() in chosen]
    policies = [p for p, _ in loaded]
    assigned = {p.id: a for p, path in loaded if (a := _load_assignments(path, p)) is not None}
    try:
        if files:
            artifacts = deep_call(build_mod.render_into, policies, out_dir, assigned)
        else:
            artifacts = deep_call(build_mod.render, policies, assigned)  # backends recurse once per level of nesting
    except build_mod.BuildError as exc:
        _fail(f"{exc}；{out}/ 保持不变", 1)
    stale = build_mod.compare(artifacts, out_dir)
    if check_only:
        unmarked = out_dir.is_dir() and not (out_dir / build_mod.MARKER).is_file()
        if unmarked and [p for p in stale.extra if p != build_mod.MARKER]:
            # files of someone else's in a folder the build did not make: `build` would refuse it, so say that
            try:
                build_mod.check_output(out_dir, sources)
            except build_mod.OutputError as exc:
                _fail(str(exc))
        if stale.changed or stale.extra:
            click.echo(f"{out}/ 不是最新的，运行 yeji-policy build 会改变以下文件：")
            for path in stale.changed:
                click.echo(f"  {'修改' if (out_dir / path).exists() else '新增'}  {out}/{path}")
            for path in stale.extra:
                click.echo(f"  删除  {out}/{path}")
            sys.exit(1)
        click.echo(f"{out}/ 是最新的（{len(artifacts)} 个文件）")
        return
    try:
        build_mod.write(artifacts, out_dir, sources)
    except build_mod.OutputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(write_failure(exc, f"{out}/"))
    changed = [p for p in stale.changed if p != build_mod.MARKER]  # the marker is not an artifact
    click.echo(f"已生成 {len(artifacts)} 个文件到 {out}/（{len(changed)} 个有变化）：")
    for path in artifacts:
        click.echo(f"  {out}/{path}")


def _project_context(files: list[Path]) -> list[Path]:
    """The policies of policies/ when a named file is one of them: the versions and policies it is
    checked and linked with (修订, unique programme ids).  A file elsewhere stands alone."""
    project = POLICY_DIR.resolve()
    if not any(path.resolve().parent == project for path in files):
        return []
    return sorted(POLICY_DIR.glob("*.policy"))


_WRITE_ERRORS = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
                 errno.EPERM: "没有写入权限", errno.EROFS: "文件系统是只读的"}


def write_failure(exc: OSError, path: str) -> str:
    """One Chinese line for a write that failed and changed nothing (build, fmt)."""
    reason = _WRITE_ERRORS.get(exc.errno) or exc.strerror or str(exc)
    return f"无法写入 {path}：{reason}；{path} 保持不变"


def _print_result(result: dict, wording: str | None = None) -> None:
    _say(f"项目：{result['programme_name']}（{result['programme']}，第{result['article']}条）")
    _say(f"结论：{M.STATUS_LABELS[result['status']]}")
    _say(f"金额：{runtime.show_yuan(Decimal(result['amount']))}")
    if "amount_if_approved" in result:
        _say(f"审核通过后金额：{runtime.show_yuan(Decimal(result['amount_if_approved']))}")
    _say(f"资金来源：{result['funding_source']}")
    if wording and result["status"] == "eligible":  # who pays, in words: 可协助申报市财政一次性奖励 20,000.00 元
        _say(f"结果：{wording} {runtime.show_yuan(Decimal(result['amount']))}")
    elif wording and "amount_if_approved" in result:
        _say(f"结果：经审核批准后，{wording} {runtime.show_yuan(Decimal(result['amount_if_approved']))}")
    _say(f"兑现条件：{result['payment_condition']}")
    _say("计算过程：")
    for number, step in enumerate(result["steps"], start=1):
        _say(f"  {number}. {step}")
    if result["reasons"]:
        _say("原因：")
        for reason in result["reasons"]:
            _say(f"  - {reason}")
    if result["interpretations"]:
        _say("适用的解释：")
        for note in result["interpretations"]:
            _say(f"  【解释】第{note['article']}条 {note['subject']}：{note['note']}")


@main.command()
@click.argument("programme", required=False)
@click.argument("application", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 结果对象。")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="批量模式：JSON Lines 文件，每行 {\"programme\": …, \"application\": {…}}；每行输出一个结果。")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认按项目编号在 policies/ 的全部政策中查找；仅在需要区分时指明）。")
@click.option("--engine", type=click.Choice(["python", "duckdb"]), default="python", show_default=True,
              help="--batch 的计算引擎：python（生成的模块）或 duckdb（SQL；输入可为 .parquet）。")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="--engine duckdb：结果写入此文件（.parquet 为 Parquet，否则为 JSONL；默认标准输出）。")
@click.option("--memory-limit", default="1GB", show_default=True, help="--engine duckdb：DuckDB 的内存上限（超出部分写入临时目录）。")
@click.option("--line", "line_number", type=int, help="--batch：只说明第 N 行（Python 引擎，完整的中文说明）。")
@click.option("--receipt", "as_receipt", is_flag=True,
              help="输出决定回执：RFC 8785 规范化 JSON，含政策与原文的 sha256、申请、结果和计算记录（见 README“决定回执”）。")
def evaluate(programme: str | None, application: str | None, as_json: bool, batch_file: str | None,
             policy_file: tuple[str, ...], engine: str, out_file: str | None, memory_limit: str,
             line_number: int | None, as_receipt: bool = False) -> None:
    """对一份申请（JSON 文件）作出决定并说明理由；或用 --batch 批量计算。"""
    if batch_file is not None:
        if programme or application or as_receipt:
            _fail("--batch 模式下不要再给出项目、申请文件或 --receipt")
        registry = _registry(policy_file)
        if line_number is not None or engine == "duckdb":
            from . import sqlrun

            # the SQL engine, like the Python one, finds each line's policy by its programme id (and date)
            if line_number is not None:
                result = sqlrun.explain_line(registry, batch_file, line_number)
                if result is None:
                    _fail(f"{batch_file} 没有第 {line_number} 行")
                if as_json or result["status"] == "invalid":
                    click.echo(_dump(result))
                else:
                    policy = registry.policy_for(result["programme"], None)
                    _print_result(result, policy.programme(result["programme"]).money_wording)
                return
            try:
                counts = sqlrun.cli_batch(registry, batch_file, out_file, memory_limit)
            except sqlrun.TypedParquetError as exc:
                _fail(f"{batch_file} 的列无法按类型精确读取：{exc}")
            except sqlrun.sql.SQLPrinterUnavailable as exc:  # a construct SQL cannot compute exactly (#22 ratio)
                _fail(str(exc), 1)
            click.echo(f"完成：{counts['lines']:,} 行（SQL 计算 {counts['sql']:,} 行，Python 引擎 {counts['python']:,} 行）", err=True)
            return
        _evaluate_batch(registry, batch_file)
        return
    if not programme or not application:
        _fail("用法：yeji-policy evaluate 项目 申请.json [--json]，或 yeji-policy evaluate --batch 文件.jsonl")
    from . import interpreter

    registry = _registry(policy_file)
    data = read_json(application)
    policy = _policy_for(registry, programme, data)
    try:
        if policy is None:
            _unknown(registry, programme)(data)
        result = json_as_form(_fields(policy, programme),
                              lambda d: deep_call(interpreter.evaluate, policy, programme, d))(data)
    except runtime.InvalidApplication as exc:
        if as_json:  # a program reading --json gets JSON either way: the record --batch writes for such a line
            click.echo(_dump({"programme": programme, "status": "invalid", "errors": exc.errors,
                              "error_count": exc.count}))
            sys.exit(2)
        _invalid(exc)
    if as_receipt:
        from . import receipt

        sys.stdout.buffer.write(receipt.canonical(receipt.make(policy, programme, data, result)) + b"\n")
        sys.stdout.flush()
    elif as_json:
        click.echo(_dump(result))
    else:
        _print_result(result, policy.programme(programme).money_wording)


@main.command()
@click.argument("receipt_file", metavar="RECEIPT.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认在 policies/ 中按回执所记的 sha256 查找）。")
def verify(receipt_file: str, policy_file: tuple[str, ...]) -> None:
    """按回执所记的政策版本重新计算，核对决定回执：一致时输出“一致”（退出码 0）；
    不一致时逐条列出哪一步不同（1）；不是回执（2）；找不到该政策版本（3）。"""
    from . import receipt

    data = read_json(receipt_file)
    try:
        receipt._shape(data)
        sha = data["policy"]["sha256"]
        candidates = [Path(f) for f in _named(policy_file)] or sorted(POLICY_DIR.glob("*.policy"))
        policy = receipt.find_policy(sha, candidates)
        if policy is None:
            where = "、".join(_named(policy_file)) if policy_file else f"{POLICY_DIR}/"
            _fail(f"找不到回执所用的政策版本（sha256 {sha}）：{where} 中没有这一版本，"
                  f"请用 --policy 指定该版本的政策文件", receipt.NO_POLICY)
        found = receipt.differences(data, policy)
    except receipt.NotAReceipt as exc:
        _fail(f"{receipt_file} 不是有效的决定回执：{exc}", receipt.UNREADABLE)
    if not found:
        _say("一致")
        return
    for line in found:
        _say(f"不一致：{line}")
    sys.exit(receipt.DIFFERS)


PROGRESS_EVERY = 100_000


def _evaluate_batch(registry, batch_file: str) -> None:
    """Stream a JSONL population through the generated modules: one result line per input line;
    each line's programme id (and date) picks its policy."""
    from . import batch

    from .sqlrun import python_engine  # one definition of "the generated modules, by programme and date"

    engine = python_engine(registry)
    try:
        stream = open(batch_file, "rb") if batch_file != "-" else sys.stdin.buffer  # noqa: SIM115
    except OSError as exc:
        _fail(f"无法读取文件 {batch_file}：{exc.strerror or exc}")
    with stream:
        count, invalid = batch.evaluate_stream(stream, engine, sys.stdout.write,
                                               lambda n: click.echo(f"已处理 {n:,} 行……", err=True), PROGRESS_EVERY)
    click.echo(f"完成：{count:,} 行，其中无效 {invalid:,} 行", err=True)


def _decimal_text(o):
    if isinstance(o, Decimal):
        return format(o, "f")
    raise TypeError(type(o).__name__)


@main.command()
@click.argument("profile", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认为 policies/ 中全部政策）。")
def match(profile: str, as_json: bool, policy_file: tuple[str, ...]) -> None:
    """政策计算器：根据已知情况，列出每个项目是否符合、还缺哪些信息。"""
    from . import interpreter

    from . import versions

    registry = _registry(policy_file)
    data = read_json(profile)
    try:
        from .backends.schema import profile_fields

        entries = []
        chosen = registry.in_force(versions.application_day(data))
        names = [{f.name for f in profile_fields(policy)} for policy in chosen]
        for policy, mine in zip(chosen, versions.share_profile(data, names)):
            entries += json_as_form(profile_fields(policy), lambda d, p=policy: deep_call(interpreter.match, p, d))(mine)
    except runtime.InvalidApplication as exc:
        _invalid(exc)
    if as_json:
        click.echo(_dump(entries))
        return
    labels = dict(M.STATUS_LABELS, incomplete="信息不全")
    for e in entries:
        line = f"第{e['article']}条 {e['programme_name']}（{e['programme']}）：{labels[e['status']]}"
        if "amount" in e and e["status"] != "ineligible":
            line += f"，{runtime.show_yuan(Decimal(e['amount']))}"
        if "max_amount_text" in e:
            line += f"，{e['max_amount_text']}"
        _say(line)
        for reason in e.get("reasons", []):
            _say(f"    原因：{reason}")
        for error in e.get("errors", []):
            _say(f"    {error['path']}：{error['message']}")
        if e["missing"]:
            _say("    还需：" + "、".join(m["label"] for m in e["missing"]))
        for note in e.get("cross", []):  # rules across programmes (#22)
            _say(f"    跨项目规定：{note['text']}")


@main.command("test")
@click.option("--coverage", "with_coverage", is_flag=True, help="报告内嵌测试用例覆盖了哪些条件、分档、情形、审核和上限。")
@click.option("--json", "as_json", is_flag=True, help="覆盖率以 JSON 输出（与 --coverage 一起使用）。")
@click.option("--fail-under", "fail_under", metavar="N", help="总覆盖率低于 N%（0–100）时以代码 1 退出；隐含 --coverage。")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def test_cmd(files: tuple[str, ...], with_coverage: bool, as_json: bool, fail_under: str | None) -> None:
    """用两个引擎（解释器和生成的模块）运行政策中的全部测试用例；--coverage 报告覆盖率。"""
    from . import coverage, interpreter, testing

    threshold = _percent_option(fail_under) if fail_under is not None else None
    with_coverage = with_coverage or threshold is not None
    if as_json and not with_coverage:
        _fail("--json 只与 --coverage 一起使用")
    say = (lambda text: None) if as_json else click.echo  # JSON output holds the report only
    failures = total = 0
    reports = []
    for path in _policy_files(files):
        policy = _load(path, show_warnings=False)
        module = pipeline.engine(policy)
        recorder = coverage.Recorder() if with_coverage else None
        observe = {"make_run": recorder.make_run} if recorder else {}
        engines = [("解释器", lambda pid, app, p=policy, o=observe: interpreter.evaluate(p, pid, app, **o)),
                   ("生成模块", module.evaluate)]
        for case in policy.tests:
            for name, engine in engines:
                outcome = deep_call(testing.run_case, case, name, engine)  # room for deeply nested policies
                total += 1
                mark = "通过" if outcome.passed else "失败"
                say(f"{mark}  [{name}] {case.programme}：{case.name}（第{case.span.line}行）")
                for problem in outcome.problems:
                    say(f"        {problem}")
                failures += not outcome.passed
        if recorder:
            reports.append(deep_call(recorder.report, policy, str(path)))  # describe recurses as deep as the rules
    say(f"{total - failures} passed, {failures} failed")
    covered, coverable = sum(r["covered"] for r in reports), sum(r["total"] for r in reports)
    if as_json:
        click.echo(_dump({"passed": total - failures, "failed": failures, "covered": covered, "total": coverable,
                          "percent": coverage.percent(covered, coverable), "files": reports}))
    else:
        for report in reports:
            for line in coverage.render(report):
                click.echo(line)
    short = threshold is not None and not coverage.meets(covered, coverable, threshold)
    if short:
        click.echo(f"总覆盖率 {coverage.percent(covered, coverable)}% 低于 --fail-under {threshold}%", err=True)
    sys.exit(1 if failures or short else 0)


def _percent_option(text: str) -> Decimal:
    """--fail-under: a percentage 0–100, read exactly (never a binary float)."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        _fail(f"--fail-under 须为 0 到 100 之间的数，实际为“{text}”")
    return value


@main.command()
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认为 policies/ 中全部政策）。")
def programmes(as_json: bool, policy_file: tuple[str, ...]) -> None:
    """列出全部补助项目及其申请表单字段。"""
    from . import catalogue

    registry = _registry(policy_file)
    current = registry.current()
    metas = [dict(catalogue.programme_meta(p), policy=policy.id) for policy in current for p in policy.programmes]
    if as_json:
        click.echo(_dump(metas))
        return
    for meta in metas:
        bound = f"，{meta['max_amount_text']}封顶" if meta["max_amount_text"] else ""
        click.echo(f"{meta['id']}  第{meta['article']}条  {meta['name']}（{meta['funding_source']}{bound}）")
        for f in meta["inputs"]:
            unit = f"，单位：{f['unit']}" if f.get("unit") else ""
            click.echo(f"    {f['name']}：{f['label']}{unit}")


@main.command()
@click.option("--stage", "stage_name", type=click.Choice(["source", "parse", "ast", "model", "ir"]), default="model",
              show_default=True, help="输出哪一个阶段的结果。")
@click.argument("file", type=click.Path(dir_okay=False))
def dump(stage_name: str, file: str) -> None:
    """输出编译流水线某一阶段的结果（源文本、语法树、AST、检查后的模型或降级后的中间表示），供调试和开发者查看。"""
    try:
        text = deep_call(pipeline.dump, stage_name, file)  # the AST and the model nest as deep as the policy
    except pipeline.StageError as exc:
        for text in render_all(exc.diagnostics, file, exc.source):
            click.echo(text, err=True)
        _fail(f"{file} 在“{exc.stage}”阶段有错误，无法输出“{stage_name}”阶段", 1)
    click.echo(text)


@main.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """说明一个诊断代码的含义和改法，并给出产生它的例子（如 yeji-policy explain E0401）；不带参数时列出全部代码。"""
    from . import codes

    if code is None:
        click.echo(codes.listing())
        return
    entry = codes.lookup(code)
    if entry is None:
        _fail(f"没有诊断代码“{code}”；运行 yeji-policy explain 列出全部代码")
    click.echo(codes.explain(entry))


@main.command("lsp")
@click.option("--stdio", is_flag=True, help="经标准输入输出通信（默认，也是唯一的方式；为兼容编辑器而接受）。")
def lsp_cmd(stdio: bool) -> None:
    """启动语言服务器（LSP，经标准输入输出），供编辑器显示诊断、悬停说明、跳转、补全和格式化。"""
    from . import lsp  # pygls is imported here only, so that `check` starts fast

    lsp.serve()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（默认只供本机访问）。")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口。")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认为 policies/ 中全部政策）。")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="每个请求记一行访问日志（关闭后每个请求约省三成 CPU，见 README“网页服务”）。")
def serve(host: str, port: int, policy_file: tuple[str, ...], access_log: bool) -> None:
    """启动网页服务：政策计算器、申请表和 HTTP API（见 README“网页服务”）。"""
    from .web import server  # starlette and uvicorn are imported here only

    server.run(_registry(policy_file), host, port, access_log)


# Drafting tools (fmt, diff, simulate) register their commands on `main`.
from . import cli_drafting  # noqa: E402,F401  (registers fmt, diff, simulate)

if __name__ == "__main__":  # pragma: no cover
    # Under `python -m yeji_policy.cli` this file runs as a second copy named
    # __main__; run the package's own module, on which every command is registered.
    from yeji_policy.cli import main as package_main

    package_main()
