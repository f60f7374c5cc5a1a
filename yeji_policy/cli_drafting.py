"""Drafting tools' commands (fmt, diff, simulate), registered on the main group.

Exit codes as for the other commands: 0 success; 1 a policy has errors, a
file is not formatted (`fmt --check`), or the policies differ (`diff
--exit-code`); 2 a usage error or a file that cannot be read.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from . import check as check_mod
from . import cli
from . import model as M
from .diagnostics import render_all
from .parser import deep_call

STDIN = "-"


def _stage(name: str):
    """The drafting module `name`, imported when a command first needs it (fast start-up)."""
    return importlib.import_module(f"yeji_policy.{name}")


# ---------------------------------------------------------------- helpers
def _read_policy(path: str) -> M.Policy:
    """A checked policy, or exit: 2 when the file cannot be read, 1 when it has errors."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        cli._fail(f"无法读取文件 {path}：{exc.strerror or exc}")
    text, diagnostics = check_mod.decode(data)
    policy = None
    if text is not None:
        policy, diagnostics = check_mod.check_source(text, path)
    errors = [d for d in diagnostics if d.is_error]
    if policy is None:
        for shown in render_all(errors, path, text or ""):
            click.echo(shown, err=True)
        cli._fail(f"{path} 有 {len(errors)} 个错误，无法继续", 1)
    return policy


@contextlib.contextmanager
def _population(path: str):
    if path == STDIN:
        yield sys.stdin.buffer
        return
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        cli._fail(f"无法读取文件 {path}：{exc.strerror or exc}")
    with stream:
        yield stream


class _Progress:
    """A line count on stderr for long inputs — only when stderr is a terminal."""

    def __init__(self) -> None:
        self.shown = False

    def callback(self):
        return self.update if sys.stderr.isatty() else None

    def update(self, lines: int) -> None:
        click.echo(f"\r已处理 {lines} 行……", err=True, nl=False)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("", err=True)


def _write_atomically(path: Path, text: str) -> None:
    """Replace the file's content in one step, keeping its mode; through a symlink, the
    file it points to (the link stays a link).  On failure the file is left as it was."""
    target = Path(os.path.realpath(path))
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
        shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# ---------------------------------------------------------------- fmt
@click.command("fmt")
@click.option("--check", "check_only", is_flag=True,
              help="只检查是否已是规范格式，不写入；有未格式化的文件时退出码为 1。")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
def fmt_cmd(check_only: bool, files: tuple[str, ...]) -> None:
    """按规范格式排版政策文件（默认为 policies/ 下的全部 .policy 文件；“-”读标准输入、写标准输出）。"""
    paths = [str(p) for p in cli._policy_files(files)]
    status = 0
    unformatted: list[str] = []
    unchanged = 0
    for name in paths:
        if name == STDIN:
            data = sys.stdin.buffer.read()
        else:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                click.echo(f"错误：无法读取文件 {name}：{exc.strerror or exc}", err=True)
                status = 2
                continue
        shown = "（标准输入）" if name == STDIN else name
        text, diagnostics = check_mod.decode(data)
        try:
            if text is None:
                raise _stage("fmt").FormatError(f"{shown} 不是 UTF-8 编码，未格式化", diagnostics)
            formatted = _stage("fmt").format_source(text, shown)
        except _stage("fmt").FormatError as exc:
            for line in render_all(exc.diagnostics, shown, text or ""):
                click.echo(line, err=True)
            click.echo(f"错误：{exc}", err=True)
            status = max(status, 1)
            continue
        if name == STDIN and not check_only:
            click.echo(formatted, nl=False)
            continue
        if formatted.encode("utf-8") == data:
            unchanged += 1
            continue
        if check_only:
            click.echo(f"未按规范格式排版：{shown}")
        else:
            try:
                _write_atomically(Path(name), formatted)
            except OSError as exc:
                click.echo(f"错误：{cli.write_failure(exc, shown)}", err=True)
                status = 2
                continue
            click.echo(f"已排版：{shown}")
        unformatted.append(shown)
    if check_only:
        if unformatted:
            click.echo(f"{len(unformatted)} 个文件未按规范格式排版；运行 yeji-policy fmt 即可排版")
            status = max(status, 1)
        elif unchanged:
            click.echo(f"全部 {unchanged} 个文件已是规范格式")
    elif STDIN not in paths and (unformatted or unchanged):
        click.echo(f"已排版 {len(unformatted)} 个文件，{unchanged} 个文件无需改动")
    sys.exit(status)


# ---------------------------------------------------------------- diff
@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--population", type=click.Path(dir_okay=False, allow_dash=True),
              help="申请样本（JSONL，每行 {\"programme\": …, \"application\": {…}}）：比较两个版本的结果和金额合计。")
@click.option("--exit-code", "exit_code", is_flag=True, help="两个版本有差异时退出码为 1（如 git diff --exit-code）。")
@click.option("--engine", type=click.Choice(["duckdb", "python"]), default="duckdb", show_default=True,
              help="计算申请样本所用的引擎：duckdb（SQL，默认）或 python（参考实现）。")
def diff_cmd(old: str, new: str, population: str | None, exit_code: bool, engine: str) -> None:
    """比较政策的两个版本：逐条、逐项目列出改动，以及对测试用例和申请样本结果的影响。"""
    before, after = _read_policy(old), _read_policy(new)
    # The differ and the engines recurse per level of nesting: deep_call gives them room for any the parser accepts.
    lines = deep_call(_stage("diff").changes, before, after)
    cases, effects = deep_call(_stage("diff").test_effects, before, after)
    if not lines and not effects:
        click.echo("无变化")
        return
    for line in lines:
        click.echo(line)
    if effects:
        click.echo(f"测试用例的结果变化（共 {cases} 个用例，{len(effects)} 个结果有变化；旧 → 新）：")
        for line in effects:
            click.echo(line)
    else:
        click.echo(f"测试用例的结果：没有变化（共 {cases} 个用例）")
    if population is not None:
        progress = _Progress()
        with _population(population) as stream:
            pairs = None
            if engine == "duckdb" and _sql_ready(before) and _sql_ready(after):
                pairs = _stage("sqlrun").population_pairs(before, after, _source(population, stream))
            report = deep_call(_stage("diff").population_effects, before, after, stream, population,
                               progress.callback(), pairs)
        progress.done()
        for line in report:
            click.echo(line)
    sys.exit(1 if exit_code else 0)


# ---------------------------------------------------------------- simulate
@click.command("simulate")
@click.argument("population", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 汇总。")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), multiple=True,
              help="政策文件，可重复（默认按项目编号在 policies/ 的全部政策中查找；仅在需要区分时指明）。")
@click.option("--engine", type=click.Choice(["duckdb", "python"]), default="duckdb", show_default=True,
              help="计算引擎：duckdb（SQL，默认）或 python（参考实现）；两者都按项目编号（及申请日期）找到政策与版本。")
def simulate_cmd(population: str, as_json: bool, policy_file: tuple[str, ...], engine: str) -> None:
    """在一批申请（JSONL，每行 {"programme": …, "application": {…}}）上运行政策，按结论、项目和资金来源汇总。"""
    registry = cli._registry(policy_file)
    progress = _Progress()
    with _population(population) as stream:
        # Both engines find each line's policy in the registry by its programme id (and date), as evaluate --batch does.
        if engine == "duckdb" and _sql_ready(registry):
            sqlrun = _stage("sqlrun")
            try:
                tally = sqlrun.simulate(registry, _source(population, stream), progress=progress.callback())
            except sqlrun.TypedParquetError as exc:
                cli._fail(f"{population} 的列无法按类型精确读取：{exc}")
        else:
            tally = deep_call(_stage("simulate").simulate, registry, stream, progress.callback())  # room for deep nesting
    progress.done()
    if as_json:
        click.echo(cli._dump(tally.as_json()))
        return
    for line in _stage("simulate").report(tally, population):
        click.echo(line)


def _sql_ready(policy) -> bool:
    """Whether the SQL engine can run this policy (or every policy of a versions.Registry); if not,
    say why (the Python engine runs it)."""
    sqlrun = _stage("sqlrun")
    try:
        sqlrun.compiled_for(policy)
    except (sqlrun.sql.SQLPrinterUnavailable, sqlrun.sql.SQLTooWide, RecursionError, ValueError) as exc:
        why = str(exc) if str(exc).startswith("SQL 引擎") else type(exc).__name__  # a refusal worded for people
        click.echo(f"注意：SQL 引擎无法计算此政策（{why}），改用 Python 引擎", err=True)
        return False
    return True


def _source(path: str, stream):
    """What sqlrun reads: a Parquet file by its name, else the JSONL stream."""
    return path if path.endswith(".parquet") else stream


# ---------------------------------------------------------------- registration
for _command in (fmt_cmd, diff_cmd, simulate_cmd):
    cli.main.add_command(_command)
