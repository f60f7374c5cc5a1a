"""The build: deterministic, atomic, and `--check` catches stale artifacts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from yeji_policy import build as build_mod
from yeji_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_build_is_deterministic(two_builds, policy):
    first, second = two_builds
    assert set(first) == set(build_mod.render([policy]))
    for path, data in first.items():
        assert second[path] == data, f"{path} differs between two processes"
        assert policy.content_hash.encode() in data, f"{path} does not name the policy's content hash"


def test_committed_generated_directory_is_fresh(policy):
    stale = build_mod.compare(build_mod.render([policy]), ROOT / "generated")
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
    assert tree(out) == {"a/y.txt": b"3"}


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
