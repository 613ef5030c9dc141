"""Batch runs: bad input, resume/skip/retry, glossary changes, kill -9 mid-run, Ray.

Most tests pass in ``tests/fakes.py``'s FakeTranscriber (speech recognition replaced by a
deterministic fake after really decoding the audio; every other stage is real) so they run
in seconds. The tests marked ``slow`` run the real Whisper model on the real clips, including a
real-model kill -9 test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port
from fakes import FakeTranscriber

from audio2digest.batch.ledger import LEDGER_NAME, STAGES, Ledger
from audio2digest.batch.scheduler import run_batch
from audio2digest.batch.sources import read_sources
from audio2digest.cli import main
from audio2digest.cli.batch import print_summary
from audio2digest.errors import InputError, LedgerError
from audio2digest.stages import RunOptions, glossary_fingerprint

CLIPS = ("en_jfk_inaugural_1961.wav", "en_fleurs_005_hospital.ogg", "zh_aishell1_BAC009S0724W0121.wav")
G1 = "terms:\n  - {term: OpenAI}\n"
G2 = "terms:\n  - {term: OpenAI}\n  - {term: 智谱, aliases: [智普]}\n"


def fake_batch(sources, out, opts, **kw):
    """run_batch with the fake recogniser."""
    return run_batch(sources, out, opts, transcriber=kw.pop("transcriber", FakeTranscriber()), **kw)


def make_episodes(real_clips: Path, where: Path, n: int) -> list[Path]:
    """``n`` short real episodes (the three clips, copied under distinct names)."""
    where.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        clip = real_clips / CLIPS[i % len(CLIPS)]
        dst = where / f"ep{i + 1:02d}-{clip.stem[:12]}{clip.suffix}"
        shutil.copy(clip, dst)
        out.append(dst)
    return out


def write_sources(path: Path, lines) -> Path:
    path.write_text("\n".join(str(x) for x in lines) + "\n", "utf-8")
    return path


def options(glossary: Path) -> RunOptions:
    return RunOptions(glossaries=(str(glossary),), use_default_glossary=False)


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output file's bytes, except the ledger itself."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith("ledger.")
    }


def done_events(out: Path) -> list[tuple[str, str]]:
    with Ledger.open_readonly(out) as ledger:
        return [(h["key"], h["stage"]) for h in ledger.history() if h["event"] == "done"]


@pytest.fixture
def setup(tmp_path, real_clips):
    """Three real clips, a small glossary, a SOURCES file."""
    eps = make_episodes(real_clips, tmp_path / "media", 3)
    g = tmp_path / "glossary.yaml"
    g.write_text(G1, "utf-8")
    sources = write_sources(tmp_path / "sources.txt", eps)
    return eps, g, sources, tmp_path / "out"


# ---------------------------------------------------------------- SOURCES


def test_read_sources_comments_blanks_duplicates_relative(tmp_path):
    (tmp_path / "a.mp3").write_bytes(b"x")
    src = tmp_path / "list.txt"
    src.write_text(
        "\ufeff# my shows\n\n  a.mp3  \nhttp://h/feed.xml\n"
        f"{tmp_path / 'a.mp3'}\n# http://h/skipped.mp3\nhttp://h/feed.xml\n\n",
        "utf-8",
    )
    assert read_sources(src) == [str(tmp_path / "a.mp3"), "http://h/feed.xml"]
    assert read_sources("https://h/feed.xml") == ["https://h/feed.xml"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"# nothing\n\n", "lists no sources"),
        (b"ID3\x00\x00\x00binary", "not a text file"),
        (b"\xff\xfe\xfa bad", "not UTF-8"),
    ],
)
def test_read_sources_bad_files(tmp_path, content, message):
    p = tmp_path / "s.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_sources(p)
    assert str(p) in str(err.value)
    with pytest.raises(InputError, match="no such file"):
        read_sources(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    "feed",
    [
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>S</title></channel></rss>\n',
        "\ufeff  <rss><channel/></rss>",
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>S</title></feed>',
    ],
)
def test_read_sources_local_feed_file_is_one_feed_source(tmp_path, feed):
    """`batch feed.xml` with a feed on disk reads it as a feed (as `run` does), not as lines."""
    p = tmp_path / "feed.xml"
    p.write_text(feed, "utf-8")
    assert read_sources(p) == [str(p.resolve())]


def test_read_sources_directory_is_named_as_such(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_sources(tmp_path)


# ---------------------------------------------------------------- bad input


def test_bad_input_good_ones_finish_bad_ones_fail(setup, tmp_path, capsys):
    eps, g, _, out = setup
    corrupt = tmp_path / "media" / "corrupt.mp3"
    corrupt.write_bytes(b"\x00\x01 definitely not audio " * 200)
    dead = f"http://127.0.0.1:{free_port()}/episode.mp3"
    sources = write_sources(
        tmp_path / "sources.txt",
        [
            "# two good, a dead URL, a corrupt file; blank lines and duplicates",
            "",
            eps[0],
            "",
            dead,
            f"media/{eps[1].name}",
            corrupt,
            eps[0],
            eps[1],
            eps[2],
            "   ",
        ],
    )
    summary = fake_batch(sources, out, options(g))
    assert not summary.ok
    print_summary(summary)  # what the batch command prints
    printed = capsys.readouterr().out
    assert "3 done, 2 failed, 0 skipped" in printed
    assert f"failed  {dead}: cannot connect" in printed
    assert f"{corrupt}: not an audio file" in printed and "Errno" not in printed
    with Ledger.open_readonly(out) as ledger:
        recs = {r.key: r for r in ledger.episodes()}
    assert len(recs) == 5  # duplicates deduplicated
    assert [recs[str(e)].state for e in eps] == ["render"] * 3
    assert recs[dead].state == "failed" and "cannot connect" in recs[dead].last_error
    assert recs[str(corrupt)].state == "failed" and recs[str(corrupt)].failed_stage == "transcribe"
    assert recs[str(corrupt)].attempts == 1
    for e in eps:
        d = out / recs[str(e)].slug
        assert {
            "digest.json",
            "digest.md",
            "transcript.srt",
            "transcript.vtt",
            "transcript.json",
            "transcript.raw.json",
            "source.json",
        } <= {p.name for p in d.iterdir()}
    # status prints the ledger, and exits 1 because two episodes failed
    res = CliRunner().invoke(main, ["status", str(out)])
    assert res.exit_code == 1, res.output
    assert "3 done, 2 failed" in res.output
    assert dead in res.output and "cannot connect" in res.output


def test_rerun_skips_done_and_respects_backoff(setup, tmp_path, http_server):
    eps, g, _, out = setup
    busy = http_server.url("busy.wav")  # a server error passes: retried after a backoff
    http_server.route("busy.wav", b"try later", "text/plain", status=503)
    sources = write_sources(tmp_path / "s.txt", [*eps, busy])
    first = fake_batch(sources, out, options(g), backoff=3600)
    assert (first.done, first.failed, first.skipped) == (3, 1, 0)
    assert not first.ok
    before = snapshot(out)
    events = done_events(out)
    again = fake_batch(sources, out, options(g), backoff=3600)
    assert (again.done, again.failed, again.skipped) == (0, 1, 3)
    assert "next retry in" in again.episodes[3].error
    assert done_events(out) == events  # nothing ran again
    assert snapshot(out) == before
    with Ledger.open_readonly(out) as ledger:
        assert ledger.episode(busy).attempts == 1  # backoff: not retried


def test_permanent_errors_are_not_retried(setup, tmp_path, http_server):
    eps, g, _, out = setup
    bad = tmp_path / "media" / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage" * 50)
    gone = http_server.url("gone.mp3")
    http_server.route("gone.mp3", b"no", "text/plain", status=404)
    missing = tmp_path / "missing.mp3"
    sources = write_sources(tmp_path / "s.txt", [eps[0], bad, gone, missing])
    first = fake_batch(sources, out, options(g), backoff=0)
    assert (first.done, first.failed) == (1, 3)
    again = fake_batch(sources, out, options(g), backoff=0)  # backoff 0: a transient one would run
    assert (again.done, again.failed, again.skipped) == (0, 3, 1)
    for e in again.episodes[1:]:
        assert "not retried: trying again cannot help" in e.error
    with Ledger.open_readonly(out) as ledger:
        assert [ledger.episode(k).attempts for k in (str(bad), gone, str(missing))] == [1, 1, 1]
    res = CliRunner().invoke(main, ["status", str(out)])
    assert res.output.count("never (permanent error)") == 3
    shutil.copy(eps[1], bad)  # fixed by hand: --retry-failed runs it
    s = fake_batch(sources, out, options(g), backoff=0, retry_failed=True)
    assert s.done == 1 and s.failed == 2


def test_retry_failed_max_attempts_and_recovery(setup, tmp_path, http_server):
    eps, g, _, out = setup
    flaky = http_server.url("flaky.wav")
    http_server.route("flaky.wav", b"overloaded", "text/plain", status=503)
    sources = write_sources(tmp_path / "s.txt", [eps[0], flaky])
    for n in (1, 2):
        s = fake_batch(sources, out, options(g), backoff=0, max_attempts=2)
        assert s.failed == 1
        with Ledger.open_readonly(out) as ledger:
            assert ledger.episode(flaky).attempts == n
    s = fake_batch(sources, out, options(g), backoff=0, max_attempts=2)  # gave up: not tried
    assert "gave up after 2 attempts" in s.episodes[1].error
    with Ledger.open_readonly(out) as ledger:
        assert ledger.episode(flaky).attempts == 2
    http_server.route("flaky.wav", eps[1].read_bytes(), "audio/wav")  # the host is back
    s = fake_batch(sources, out, options(g), backoff=0, max_attempts=2, retry_failed=True)
    assert (s.done, s.failed, s.skipped) == (1, 0, 1)
    with Ledger.open_readonly(out) as ledger:
        rec = ledger.episode(flaky)
        assert rec.done and rec.attempts == 0 and rec.last_error == ""


def test_glossary_change_reruns_correction_onwards_only(setup):
    eps, g, sources, out = setup
    fake_batch(sources, out, options(g))
    slug = out / "ep01-en_jfk_inaug"
    raw_before = (slug / "transcript.raw.json").stat().st_mtime_ns
    assert "智普" in (slug / "transcript.json").read_text("utf-8")
    fp1 = glossary_fingerprint(options(g))
    g.write_text(G2, "utf-8")  # same file name, new content
    assert glossary_fingerprint(options(g)) != fp1
    before = done_events(out)
    s = fake_batch(sources, out, options(g))
    assert s.done == 3 and s.failed == 0
    new = done_events(out)[len(before) :]
    assert sorted(st for _, st in new) == sorted(["correct", "segment", "digest", "render"] * 3)
    assert all(e.stages_run == ("correct", "segment", "digest", "render") for e in s.episodes)
    assert (slug / "transcript.raw.json").stat().st_mtime_ns == raw_before
    text = (slug / "transcript.json").read_text("utf-8")
    assert "智谱" in text and "智普" not in text.split('"corrections"')[0]
    assert "智谱" in (slug / "digest.md").read_text("utf-8")


def test_resume_from_the_middle_is_byte_identical(setup):
    eps, g, sources, out = setup
    fake_batch(sources, out, options(g))
    before = snapshot(out)
    key = str(eps[1])
    with Ledger.open(out) as ledger:  # as if killed right after 'transcribed' was recorded
        ledger.forget_stages(key, "correct")
        slug = ledger.episode(key).slug
    d = out / slug
    for name in ("transcript.json", "digest.json", "digest.md", "transcript.srt"):
        (d / name).unlink()
    (d / ".digest.md.abc123.tmp").write_text("half a file")  # a killed atomic write
    (d / ".download-xyz").mkdir()  # a killed download
    s = fake_batch(sources, out, options(g))
    assert [e.status for e in s.episodes] == ["skipped", "done", "skipped"]
    assert s.episodes[1].stages_run == ("correct", "segment", "digest", "render")
    assert snapshot(out) == before
    assert not (d / ".download-xyz").exists()


def test_deleted_output_reruns_only_that_stage(setup):
    eps, g, sources, out = setup
    fake_batch(sources, out, options(g))
    before = snapshot(out)
    victim = next(p for p in out.glob("ep03*/digest.md"))
    victim.unlink()
    s = fake_batch(sources, out, options(g))
    assert [e.stages_run for e in s.episodes] == [(), (), ("render",)]
    assert snapshot(out) == before


def test_bad_ledger_stops_the_batch_untouched(setup):
    eps, g, sources, out = setup
    out.mkdir()
    (out / LEDGER_NAME).write_bytes(b"garbage, not sqlite")
    res = CliRunner().invoke(main, ["batch", str(sources), "-o", str(out), "--no-default-glossary"])
    assert res.exit_code == 1
    assert f"{out / LEDGER_NAME}: corrupt ledger" in res.output
    assert (out / LEDGER_NAME).read_bytes() == b"garbage, not sqlite"
    assert not any(p.is_dir() for p in out.iterdir())  # nothing ran
    conn = sqlite3.connect(out / "other.sqlite")  # a newer schema
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    os.replace(out / "other.sqlite", out / LEDGER_NAME)
    with pytest.raises(LedgerError, match="schema version 99 is newer"):
        fake_batch(sources, out, options(g))


def test_feed_source(http_server, real_clips, tmp_path):
    for name in ("ep11.wav", "ep12.wav"):
        shutil.copy(real_clips / "zh_aishell1_BAC009S0724W0121.wav", http_server.directory / name)
    from test_fetch import RSS

    feed = http_server.url("feed.xml")
    g = tmp_path / "g.yaml"
    g.write_text(G1, "utf-8")
    out = tmp_path / "out"
    s = fake_batch(feed, out, options(g), backoff=0)  # the feed is not there yet
    assert (s.done, s.failed) == (0, 1) and "HTTP 404" in s.episodes[0].error
    http_server.route("feed.xml", RSS.format(base=http_server.base).encode(), "application/rss+xml")
    s = fake_batch(feed, out, options(g), backoff=0)  # a 404 is permanent: not retried by itself
    assert s.failed == 1 and "not retried" in s.episodes[0].error
    s = fake_batch(feed, out, options(g), backoff=0, retry_failed=True)
    assert s.ok and s.done == 2
    assert sorted(e.key for e in s.episodes) == [f"{feed} #ep11", f"{feed} #ep12"]
    assert sorted(e.slug for e in s.episodes) == ["第十一期", "第十二期"]
    assert (out / "第十二期" / "audio.wav").is_file()
    src = json.loads((out / "第十二期" / "source.json").read_text("utf-8"))
    assert src["audio"] == "audio.wav" and src["episode"]["title"] == "第十二期"
    s = fake_batch(feed, out, options(g))
    assert s.skipped == 2 and s.ok
    with Ledger.open_readonly(out) as ledger:  # the listing failure row is gone
        assert sorted(r.key for r in ledger.episodes()) == [f"{feed} #ep11", f"{feed} #ep12"]


# ---------------------------------------------------------------- kill -9


def _cli_cmd(sources: Path, out: Path, g: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "audio2digest",
        "-q",
        "batch",
        str(sources),
        "-o",
        str(out),
        "--no-default-glossary",
        "-g",
        str(g),
        "--jobs",
        str(jobs),
    ]


def _rendered(out: Path) -> int:
    db = out / LEDGER_NAME
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM stages WHERE stage = 'render'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


FAKE_BATCH = Path(__file__).with_name("fake_batch.py")


def kill_and_resume(
    tmp_path: Path,
    real_clips: Path,
    n: int,
    jobs: int,
    timeout: float,
    fake_delay: float | None = None,
    reference_in_process: bool = False,
):
    """Run a batch, kill -9 it once some episodes are done, run it again: the result must be
    the uninterrupted one. ``fake_delay``: the fake recogniser (slowed down), else the real one."""
    env = dict(os.environ)

    def _cmd(sources, out, g, jobs):
        if fake_delay is None:
            return _cli_cmd(sources, out, g, jobs)
        return [sys.executable, str(FAKE_BATCH), str(sources), str(out), str(g), str(jobs), str(fake_delay)]

    eps = make_episodes(real_clips, tmp_path / "media", n)
    g = tmp_path / "glossary.yaml"
    g.write_text(G2, "utf-8")
    sources = write_sources(tmp_path / "sources.txt", eps)
    # Reference: uninterrupted. Both OUTs sit at the same depth (outputs link the audio relatively).
    ref, out = tmp_path / "ref" / "out", tmp_path / "killed" / "out"
    if reference_in_process:  # the library call the CLI makes, without a second process start
        assert fake_batch(sources, ref, options(g), jobs=jobs).ok
    else:
        r = subprocess.run(
            _cmd(sources, ref, g, jobs), env=env, capture_output=True, text=True, timeout=timeout
        )
        assert r.returncode == 0, r.stderr
    proc = subprocess.Popen(
        _cmd(sources, out, g, jobs), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _descendants(proc.pid) or workers
        if 1 <= _rendered(out) < n:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the batch finished before it could be killed"
    done_at_kill = _rendered(out)
    workers = _descendants(proc.pid) or workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert 1 <= done_at_kill < n
    # No orphan worker keeps writing into OUT after the driver died.
    t0 = time.monotonic()
    while any(_alive(w) for w in workers) and time.monotonic() - t0 < 10:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "worker processes outlived the killed driver"
    r = subprocess.run(_cmd(sources, out, g, jobs), env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    # Every episode done exactly once: each stage recorded once per episode, no failures.
    events = done_events(out)
    assert sorted(events) == sorted((str(e), st) for e in eps for st in STAGES)
    with Ledger.open_readonly(out) as ledger:
        assert all(rec.done for rec in ledger.episodes()) and len(ledger.episodes()) == n
    assert snapshot(out) == snapshot(ref)
    assert len([p for p in out.iterdir() if p.is_dir()]) == n
    return done_at_kill, ref


def test_kill_9_mid_run_then_resume_fake_asr(tmp_path, real_clips):
    """Fast variant: one worker (a thread of the batch process), fake ASR."""
    kill_and_resume(tmp_path, real_clips, n=4, jobs=1, timeout=180, fake_delay=0.4, reference_in_process=True)


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_worker_processes(tmp_path, real_clips):
    """Two worker processes (fake ASR): they must die with the killed driver."""
    kill_and_resume(tmp_path, real_clips, n=6, jobs=2, timeout=180, fake_delay=0.6)


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_real_model(tmp_path, real_clips):
    """The real Whisper model on real clips, two worker processes, killed once some are done."""
    _, ref = kill_and_resume(tmp_path, real_clips, n=6, jobs=2, timeout=600)
    # A real end-to-end batch: the Mandarin clip was really recognised (reference text
    # 广州市房地产中介协会分析; Whisper base gets most of it).
    zh = next(ref.glob("ep03*/transcript.json")).read_text("utf-8")
    assert "fake-asr" not in zh and "whisper-base" in zh
    hits = sum(ch in zh for ch in "广州市房地产中介协会分析")
    assert hits >= 8, zh[:400]
    en = next(ref.glob("ep01*/transcript.srt")).read_text("utf-8").lower()
    assert "country" in en and "ask" in en


# ---------------------------------------------------------------- Ray


@pytest.mark.slow
def test_ray_executor_matches_local(tmp_path, real_clips):
    ray = pytest.importorskip("ray", reason="the Ray extra is not installed (make install-ray; .ci/run does)")
    import fakes
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(fakes)  # Ray workers do not have tests/ on their path
    eps = make_episodes(real_clips, tmp_path / "media", 4)
    g = tmp_path / "g.yaml"
    g.write_text(G2, "utf-8")
    sources = write_sources(tmp_path / "s.txt", [*eps, f"http://127.0.0.1:{free_port()}/gone.mp3"])
    local = fake_batch(sources, tmp_path / "local" / "out", options(g), jobs=2)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        s = fake_batch(sources, tmp_path / "ray" / "out", options(g), jobs=2, executor="ray")
        assert (s.done, s.failed) == (4, 1)
        assert "cannot connect" in s.episodes[4].error
        assert snapshot(tmp_path / "ray" / "out") == snapshot(tmp_path / "local" / "out")
        assert (local.done, local.failed) == (4, 1)
        again = fake_batch(sources, tmp_path / "ray" / "out", options(g), jobs=2, executor="ray")
        assert again.skipped == 4
        assert ray.is_initialized()  # a Ray the caller started is left running
    finally:
        ray.shutdown()


def test_bad_executor_and_jobs(setup):
    eps, g, sources, out = setup
    with pytest.raises(InputError, match="Invalid executor 'spark'"):
        fake_batch(sources, out, options(g), executor="spark")
    with pytest.raises(InputError, match="Invalid jobs 0"):
        fake_batch(sources, out, options(g), jobs=0)


def test_cli_help_lists_options():
    res = CliRunner().invoke(main, ["batch", "--help"])
    assert res.exit_code == 0
    for opt in (
        "--jobs",
        "--executor",
        "--ray-address",
        "--retry-failed",
        "--max-attempts",
        "--glossary",
        "--model",
    ):
        assert opt in res.output
    assert CliRunner().invoke(main, ["status", "--help"]).exit_code == 0


def test_changed_or_vanished_local_file(setup):
    eps, g, sources, out = setup
    fake_batch(sources, out, options(g), backoff=0)
    # A finished episode whose file changed is done: the ledger is the record, no re-hashing.
    # An unfinished one re-reads its source when the file changed (size/mtime) since fetch.
    with Ledger.open(out) as ledger:
        ledger.forget_stages(str(eps[0]), "render")
    shutil.copy(eps[2], eps[0])  # different audio under the same name
    s = fake_batch(sources, out, options(g), backoff=0)
    assert s.episodes[0].stages_run == STAGES
    eps[1].unlink()
    with Ledger.open(out) as ledger:
        ledger.forget_stages(str(eps[1]), "transcribe")
    s = fake_batch(sources, out, options(g), backoff=0)
    assert s.episodes[1].status == "failed"
    assert s.episodes[1].error.startswith(f"{eps[1]}: ") and "crashed" not in s.episodes[1].error


class _FailingWriter:
    """A digest writer that fails: the digest stage fails after segment finished in memory."""

    name = "failing"

    def __call__(self, digest, transcript):
        raise RuntimeError("writer down")


def test_a_stage_kept_in_memory_is_not_recorded_when_the_next_one_fails(tmp_path, real_clips):
    """segment keeps its items in memory for digest; digest fails: segment must not be
    recorded done on its own (the retry runs both, and history shows each done once)."""
    [ep] = make_episodes(real_clips, tmp_path / "media", 1)
    g = tmp_path / "glossary.yaml"
    g.write_text(G1, "utf-8")
    sources = write_sources(tmp_path / "sources.txt", [ep])
    out = tmp_path / "out"
    res = fake_batch(sources, out, options(g), digest_writers=(_FailingWriter(),))
    assert not res.ok
    assert ("segment" not in [st for _, st in done_events(out)]) and "correct" in [
        st for _, st in done_events(out)
    ]
    with Ledger.open_readonly(out) as ledger:
        [rec] = ledger.episodes()
        assert rec.state == "failed" and rec.failed_stage == "digest" and "segment" not in rec.stages
    assert fake_batch(sources, out, options(g), retry_failed=True).ok
    assert sorted(done_events(out)) == sorted((str(ep), st) for st in STAGES)


def test_a_failure_is_reported_once_in_the_summary_not_also_as_a_log_error(tmp_path):
    # it was an ERROR line on stderr and again a row of the summary
    missing = tmp_path / "missing.mp3"
    feed = f"http://127.0.0.1:{free_port()}/feed.xml"
    sources = write_sources(tmp_path / "sources.txt", [missing, feed])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", str(sources), "-o", str(out), "--no-default-glossary"])
    assert res.exit_code == 1
    assert res.stderr == "", res.stderr
    assert res.stdout.count(f"{missing}: no such file") == 1, res.stdout
    assert res.stdout.count(f"{feed}: cannot connect") == 1, res.stdout
    assert "0 done, 2 failed" in res.stdout
    # -v adds a one-line progress note per failure
    res = CliRunner().invoke(
        main, ["-v", "batch", str(sources), "-o", str(out), "--no-default-glossary", "--retry-failed"]
    )
    notes = [ln for ln in res.stderr.splitlines() if ln.startswith("INFO failed: ")]
    assert len(notes) == 2, res.stderr
