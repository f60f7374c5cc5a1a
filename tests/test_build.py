"""The build: deterministic, atomic under signals and races, never deleting what
it did not create, and `--check` catches stale artifacts."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from yeji_policy import build as build_mod
from yeji_policy import check, versions
from yeji_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_build_is_deterministic(two_builds, policy):
    first, second = (dict(tree) for tree in two_builds)  # the fixture is shared: pop from copies
    assert first.pop(build_mod.MARKER) == second.pop(build_mod.MARKER) == build_mod.MARKER_TEXT
    assert set(first) == set(build_mod.render([policy]))
    for path, data in first.items():
        assert second[path] == data, f"{path} differs between two processes"
        assert policy.content_hash.encode() in data, f"{path} does not name the policy's content hash"


def test_committed_generated_directory_is_fresh():
    policies = [check.load(path)[0] for path in sorted((ROOT / "policies").glob("*.policy"))]
    stale = build_mod.compare(build_mod.render(versions.link(policies)), ROOT / "generated")
    assert stale.changed == () and stale.extra == ()


def test_build_check_fails_on_a_hand_edited_artifact(tmp_path):
    out = tmp_path / "generated"
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--out", str(out), str(POLICY_FILE)]).exit_code == 0
    fresh = runner.invoke(main, ["build", "--check", "--out", str(out), str(POLICY_FILE)])
    assert fresh.exit_code == 0, fresh.output
    assert "是最新的" in fresh.output
    module = out / "python" / "yeji_ecommerce.py"
    module.write_text(module.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    (out / "stray.txt").write_text("left over", encoding="utf-8")
    stale = runner.invoke(main, ["build", "--check", "--out", str(out), str(POLICY_FILE)])
    assert stale.exit_code == 1
    # What it promises: the edited file is named as changed and the stray file as removed — those two, nothing else.
    # (Warnings the policy may get are printed too; they are not this test's subject.)
    listed = [line for line in stale.output.splitlines() if line.startswith(("  修改  ", "  删除  "))]
    assert listed == [f"  修改  {out}/python/yeji_ecommerce.py", f"  删除  {out}/stray.txt"], stale.output
    assert f"{out}/ 不是最新的，运行 yeji-policy build 会改变以下文件：" in stale.output.splitlines()


def test_failing_backend_leaves_generated_untouched(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--out", str(out), str(POLICY_FILE)]).exit_code == 0
    before = tree(out)

    def broken(policy):
        raise RuntimeError("disk on fire")

    real = build_mod.backends()
    monkeypatch.setattr(build_mod, "backends", lambda: real[:1] + [("broken", broken)] + real[1:])
    result = runner.invoke(main, ["build", "--out", str(out), str(POLICY_FILE)])
    assert result.exit_code == 1
    assert "后端“broken”处理政策“yeji_ecommerce”时失败：RuntimeError: disk on fire" in result.output
    assert f"{out}/ 保持不变" in result.output
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".generated")]


def test_write_replaces_the_directory_exactly(tmp_path):
    out = tmp_path / "generated"
    build_mod.write({"a/x.txt": b"1", "b.txt": b"2"}, out)
    build_mod.write({"a/y.txt": b"3"}, out)
    assert tree(out) == {"a/y.txt": b"3", build_mod.MARKER: build_mod.MARKER_TEXT}


def test_build_refuses_a_broken_policy_and_keeps_generated(tmp_path, policy_source):
    out = tmp_path / "generated"
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--out", str(out), str(POLICY_FILE)]).exit_code == 0
    before = tree(out)
    broken = tmp_path / "yeji_ecommerce.policy"
    broken.write_text(policy_source.replace("× 80%", "× 人"), encoding="utf-8")
    result = runner.invoke(main, ["build", "--out", str(out), str(broken)])
    assert result.exit_code == 1
    assert "个错误，无法继续" in result.output
    assert tree(out) == before


def snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry below directory (dot-files and .git included): file bytes, or the kind."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() if p.is_file() else "dir"
            for p in sorted(directory.rglob("*"))}


# ---------------------------------------------------------------- never delete what it did not create
@pytest.fixture
def project(tmp_path, monkeypatch):
    """A clone-like project as the current directory: .git, sources, policies/, a stray dir."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (root / "policies").mkdir()
    shutil.copy(POLICY_FILE, root / "policies" / "yeji_ecommerce.policy")
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("keep me", encoding="utf-8")
    (root / "empty").mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(("out", "reason"), [
    (".", "它是当前目录或其上级目录，构建会整体替换输出目录"),
    ("..", "它是当前目录或其上级目录，构建会整体替换输出目录"),
    ("policies", "其中有政策源文件 policies/yeji_ecommerce.policy，构建会整体替换输出目录"),
    ("notes", "它不是空目录，也没有 yeji-policy build 的标记文件 .yeji-policy-build，"
              "构建会删除其中的文件；如其中没有要保留的文件，请先手工删除它"),
])
def test_build_refuses_an_output_directory_it_did_not_create(project, out, reason):
    before = snapshot(project.parent)
    for args in (["build", "--out", out], ["build", "--out", out, "policies/yeji_ecommerce.policy"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"错误：拒绝写入 {out}/：{reason}\n"
        assert snapshot(project.parent) == before


def test_build_refuses_a_repository_root_a_file_and_a_parent_of_the_cwd(project, tmp_path):
    other = tmp_path / "other-clone"
    (other / ".git").mkdir(parents=True)
    (other / build_mod.MARKER).write_bytes(build_mod.MARKER_TEXT)  # even one that looks like ours
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me", encoding="utf-8")
    before = snapshot(tmp_path)
    result = CliRunner().invoke(main, ["build", "--out", str(other)])
    assert result.exit_code == 2
    assert result.stderr == f"错误：拒绝写入 {other}/：它是 git 仓库的根目录，构建会整体替换输出目录\n"
    with pytest.raises(build_mod.OutputError, match=re.escape(f"拒绝写入 {a_file}/：它是文件，不是目录")):
        build_mod.write({"x.txt": b"x"}, a_file)
    result = CliRunner().invoke(main, ["build", "--check", "--out", str(tmp_path), str(POLICY_FILE)])
    assert result.exit_code == 2
    assert result.stderr == f"错误：拒绝写入 {tmp_path}/：它是当前目录或其上级目录，构建会整体替换输出目录\n"
    assert snapshot(tmp_path) == before


def test_build_writes_its_marker_and_replaces_only_its_own_or_an_empty_directory(project):
    runner = CliRunner()
    for out in ("empty", "generated"):  # an empty directory, a new one
        result = runner.invoke(main, ["build", "--out", out])
        assert result.exit_code == 0, result.output
        assert (project / out / build_mod.MARKER).read_bytes() == build_mod.MARKER_TEXT
        assert runner.invoke(main, ["build", "--out", out]).exit_code == 0  # its own: replaced
        files = sum(1 for p in (project / out).rglob("*") if p.is_file() and p.name != build_mod.MARKER)
        assert runner.invoke(main, ["build", "--check", "--out", out]).stdout == f"{out}/ 是最新的（{files} 个文件）\n"
    (project / "generated" / build_mod.MARKER).unlink()
    result = runner.invoke(main, ["build", "--check", "--out", "generated"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == ["  新增  generated/.yeji-policy-build"]
    assert runner.invoke(main, ["build", "--out", "generated"]).exit_code == 2
    assert (project / "notes" / "todo.txt").read_text(encoding="utf-8") == "keep me"


def test_committed_generated_directory_carries_the_marker():
    assert (ROOT / "generated" / build_mod.MARKER).read_bytes() == build_mod.MARKER_TEXT
    if shutil.which("git") and (ROOT / ".git").exists():
        for leftover in (".generated-new-0123abcd", ".generated-old-0123abcd"):  # of a killed build
            assert subprocess.run(["git", "check-ignore", "-q", leftover], cwd=ROOT, check=False).returncode == 0
        tracked = subprocess.run(["git", "check-ignore", "-q", f"generated/{build_mod.MARKER}"], cwd=ROOT, check=False)
        assert tracked.returncode == 1


# ---------------------------------------------------------------- modes
def test_generated_tree_is_readable_by_everyone(tmp_path):
    previous = os.umask(0o022)
    try:
        out = tmp_path / "generated"
        assert CliRunner().invoke(main, ["build", "--out", str(out), str(POLICY_FILE)]).exit_code == 0
        assert CliRunner().invoke(main, ["build", "--out", str(out), str(POLICY_FILE)]).exit_code == 0
    finally:
        os.umask(previous)
    assert modes(out) == {"dir": {0o755}, "file": {0o644}}


def modes(directory: Path) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"dir": set(), "file": set()}
    for p in [directory, *directory.rglob("*")]:
        found["dir" if p.is_dir() else "file"].add(stat.S_IMODE(p.stat().st_mode))
    return found


# ---------------------------------------------------------------- full disk
def test_full_disk_is_one_line_and_keeps_the_old_tree(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    build_mod.write({"old.txt": b"old"}, out)
    before = tree(out)
    real_open = open
    opened = []

    def open_on_a_full_disk(path, mode="r", *args, **kwargs):
        opened.append(path)
        if len(opened) == 5:  # the kernel's own ENOSPC, part-way through the tree
            return real_open("/dev/full", "wb")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(build_mod, "open", open_on_a_full_disk, raising=False)
    result = CliRunner().invoke(main, ["build", "--out", str(out), str(POLICY_FILE)])
    assert len(opened) == 5
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"错误：无法写入 {out}/：磁盘空间不足；{out}/ 保持不变\n"
    assert tree(out) == before
    assert os.listdir(tmp_path) == ["generated"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (the generated tree needs about 450 KiB); skipped where mount is not permitted."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a tiny file system")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not permitted'})")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_real_full_disk(tiny_disk):
    out = tiny_disk / "generated"
    build_mod.write({"old.txt": b"old"}, out)
    result = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "build", "--out", str(out), str(POLICY_FILE)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"错误：无法写入 {out}/：磁盘空间不足；{out}/ 保持不变\n"
    assert tree(out) == {"old.txt": b"old", build_mod.MARKER: build_mod.MARKER_TEXT}
    assert os.listdir(tiny_disk) == ["generated"]


# ---------------------------------------------------------------- signals and races
@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """Two policy files whose trees differ in every artifact, and those trees (marker included)."""
    directory = tmp_path_factory.mktemp("versions")
    source = POLICY_FILE.read_text(encoding="utf-8")
    assert source.count('版本 "1.0.0"') == 1
    files, trees = {}, {}
    for name, text in (("old", source.replace('版本 "1.0.0"', '版本 "0.9.0"')), ("new", source)):
        path = directory / name / "yeji_ecommerce.policy"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        checked, diagnostics, _ = check.load(path)
        assert checked is not None, diagnostics
        files[name] = path
        trees[name] = build_mod.expected(build_mod.render([checked]))
    assert all(trees["old"][p] != trees["new"][p] for p in trees["old"] if p != build_mod.MARKER)
    return files, trees


FALLBACK = "import yeji_policy.build as b; b._exchange = lambda x, y: False; from yeji_policy.cli import main; main()"


def build_command(policy: Path, out: Path, fallback: bool = False) -> list[str]:
    """A real `yeji-policy build`; with fallback, as on a system without renameat2."""
    start = ["-c", FALLBACK] if fallback else ["-m", "yeji_policy.cli"]
    return [sys.executable, *start, "build", "--out", str(out), str(policy)]


@pytest.fixture
def default_sigint():
    """Python ignores SIGINT in a job started in the background (`&`, nohup): put back the
    handler that raises KeyboardInterrupt, as in a foreground run, for the test's duration."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_interrupted_write_in_the_two_rename_window_keeps_a_complete_tree(tmp_path, monkeypatch, two_versions,
                                                                           default_sigint):
    """SIGINT between the fallback's two renames: deferred until the new tree is in place."""
    files, trees = two_versions
    out = tmp_path / "generated"
    build_mod.write(trees["old"], out)
    monkeypatch.setattr(build_mod, "_exchange", lambda a, b: False)
    for name in ("rename", "replace"):
        real = getattr(os, name)

        def interrupting(src, dst, *args, _real=real, **kwargs):
            _real(src, dst, *args, **kwargs)
            if Path(src) == out:  # the old tree has just left the output path
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(os, name, interrupting)
    with pytest.raises(KeyboardInterrupt):
        build_mod.write(trees["new"], out)
        time.sleep(1)  # the deferred signal lands here at the latest
    monkeypatch.undo()
    assert tree(out) == trees["new"]
    build_mod.write(trees["new"], out)
    assert os.listdir(tmp_path) == ["generated"]


def test_ctrl_c_is_one_line_saying_the_tree_is_complete(tmp_path, monkeypatch, two_versions):
    files, trees = two_versions
    out = tmp_path / "generated"
    build_mod.write(trees["old"], out)

    def interrupted(policies, assignments=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_mod, "render", interrupted)
    result = CliRunner().invoke(main, ["build", "--out", str(out), str(files["new"])])
    assert result.exit_code == 130
    assert result.stderr == f"错误：构建被中断；{out}/ 是完整的旧版本或新版本\n"
    assert tree(out) == trees["old"]


def test_next_build_restores_what_a_kill_between_the_two_renames_left(tmp_path, monkeypatch, two_versions):
    """SIGKILL cannot be blocked: the next run puts a complete tree back before anything else."""
    _, trees = two_versions
    out = tmp_path / "generated"
    for survivor in ("new", "old"):
        build_mod.write(trees["old"], out)
        staging = build_mod._stage(trees["new"], out)  # noqa: SLF001 - recreating a killed build's state
        if survivor == "old":
            (staging / build_mod.MARKER).unlink()  # killed before the new tree was complete
        os.rename(out, build_mod._fresh(out, "old"))  # noqa: SLF001
        assert not out.exists()
        # ... and the next build fails for want of space: the restored tree must stay.
        monkeypatch.setattr(build_mod, "open", lambda *a, **k: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")), raising=False)
        with pytest.raises(OSError):
            build_mod.write({"other.txt": b"x"}, out)
        monkeypatch.undo()
        assert tree(out) == trees[survivor]
        assert os.listdir(tmp_path) == ["generated"]


def settle(out: Path, trees: dict[str, dict[str, bytes]], fallback: bool) -> str:
    """Which complete tree a killed build left at out ('old'/'new'); asserts it is one of them."""
    if fallback and not out.exists():  # killed between the two renames: the next run restores it
        leftovers = [p for p in out.parent.iterdir() if p != out]
        assert any(tree(p) in trees.values() for p in leftovers), sorted(p.name for p in leftovers)
        return "restorable"
    found = tree(out)
    state = next((name for name, files in trees.items() if found == files), None)
    assert state is not None, sorted(set(found) ^ set(trees["new"])) or "same paths, other bytes"
    assert modes(out) == {"dir": {0o755}, "file": {0o644}}
    return state


# Rounds of the stress tests below: small by default to keep the suite fast; raise
# them (YEJI_BUILD_STRESS=300) for a thorough run.
ROUNDS = int(os.environ.get("YEJI_BUILD_STRESS", "15"))


def wait_for(condition, build: subprocess.Popen) -> None:
    """Poll (every 0.2 ms, leaving the CPU to the build) until condition() holds or the build has ended."""
    deadline = time.monotonic() + 60
    while not condition() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0002)


def test_builds_killed_at_random_points_leave_the_old_or_the_new_tree(tmp_path, two_versions):
    files, trees = two_versions
    out = tmp_path / "site" / "generated"

    def staging() -> bool:  # any tree of the build's own beside out
        return any(n.startswith(".generated-") for n in os.listdir(out.parent))

    rng = random.Random(19)
    previous = os.umask(0o022)
    try:
        started = time.monotonic()
        assert subprocess.run(build_command(files["new"], out), capture_output=True, timeout=60).returncode == 0
        duration = time.monotonic() - started
        seen = []
        for round_ in range(ROUNDS):
            build_mod.write(trees["old"], out)  # recovers and cleans whatever the last round left
            assert os.listdir(out.parent) == ["generated"]
            fallback = round_ % 4 == 3
            build = subprocess.Popen(build_command(files["new"], out, fallback),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            mode = ("anywhere", "writing", "swapped")[round_ % 3]
            if mode == "anywhere":
                time.sleep(rng.uniform(0, duration))
            else:  # once its staging tree appears; or once every such tree is gone again (the swap is done)
                wait_for(staging, build)
                if mode == "swapped":
                    wait_for(lambda: not staging(), build)
                time.sleep(rng.uniform(0, 0.003))
            build.send_signal(rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL]))
            build.wait(timeout=60)
            seen.append(settle(out, trees, fallback))
        clean = subprocess.run(build_command(files["new"], out), capture_output=True, text=True, timeout=60)
    finally:
        os.umask(previous)
    assert clean.returncode == 0, clean.stderr
    assert tree(out) == trees["new"]
    assert os.listdir(out.parent) == ["generated"]
    assert "new" in seen, seen


def test_concurrent_writes_in_one_process_take_turns(tmp_path, two_versions):
    """Many writers at the very same moment (threads: no start-up cost to spread them out)."""
    _, trees = two_versions
    out = tmp_path / "generated"
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        barrier.wait()
        try:
            build_mod.write(trees["new" if i % 2 else "old"], out)
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    for _ in range(max(5, ROUNDS // 3)):
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert tree(out) in (trees["old"], trees["new"])
        assert os.listdir(tmp_path) == ["generated"]


def test_concurrent_builds_take_turns(tmp_path, two_versions):
    files, trees = two_versions
    out = tmp_path / "generated"
    for round_ in range(max(1, ROUNDS // 10)):
        builds = [subprocess.Popen(build_command(files["new" if i % 2 else "old"], out, fallback=i % 3 == round_),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(6)]
        checker = subprocess.run([*build_command(files["new"], out), "--check"], capture_output=True, text=True,
                                 timeout=120, check=False)
        for build in builds:
            stdout, stderr = build.communicate(timeout=120)
            assert build.returncode == 0, stderr
            artifacts = len(trees["new"]) - 1  # the marker is not an artifact
            assert "Traceback" not in stderr and stdout.startswith(f"已生成 {artifacts} 个文件")
        assert checker.returncode in (0, 1) and "Traceback" not in checker.stderr, checker.stderr
        assert tree(out) in (trees["old"], trees["new"])
        assert os.listdir(tmp_path) == ["generated"]


# ---------------------------------------------------------------- fmt writes policy files
MINIMAL_FILE = ROOT / "tests" / "fixtures" / "minimal.policy"


def test_fmt_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    real = tmp_path / "drafts" / "minimal.policy"
    real.parent.mkdir()
    shutil.copy(MINIMAL_FILE, real)
    real.chmod(0o640)
    link = tmp_path / "policy.policy"
    link.symlink_to(Path("drafts") / "minimal.policy")
    result = CliRunner().invoke(main, ["fmt", str(link)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"已排版：{link}\n已排版 1 个文件，0 个文件无需改动\n"
    assert link.is_symlink() and os.readlink(link) == "drafts/minimal.policy"
    assert real.read_bytes() != MINIMAL_FILE.read_bytes()
    assert CliRunner().invoke(main, ["fmt", "--check", str(real)]).exit_code == 0
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["drafts", "minimal.policy", "policy.policy"]


def test_fmt_on_a_full_disk_is_one_line_and_keeps_the_file(tmp_path, monkeypatch):
    from yeji_policy import cli_drafting

    policy = tmp_path / "minimal.policy"
    shutil.copy(MINIMAL_FILE, policy)
    real_mkstemp = cli_drafting.tempfile.mkstemp

    def mkstemp_on_a_full_disk(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        full = os.open("/dev/full", os.O_WRONLY)
        os.dup2(full, fd)  # the kernel's own ENOSPC on write
        os.close(full)
        return fd, name

    monkeypatch.setattr(cli_drafting.tempfile, "mkstemp", mkstemp_on_a_full_disk)
    result = CliRunner().invoke(main, ["fmt", str(policy)])
    assert result.exit_code == 2
    assert result.stderr == f"错误：无法写入 {policy}：磁盘空间不足；{policy} 保持不变\n"
    assert result.stdout == ""
    assert policy.read_bytes() == MINIMAL_FILE.read_bytes()
    assert os.listdir(tmp_path) == ["minimal.policy"]
