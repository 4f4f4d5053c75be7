"""Side by side in one run: our ingest, lemon24/reader and newsboat on one loopback corpus.

The corpus is built from real 2022 news texts (`../shared/corpus`: the news-2022 archive,
its key day, the state-media items): N feeds × M entries, every entry with a title of its
own (two real headlines joined, no pair twice; no two share a title key, so the syndication
de-duplication cannot fold them and flatter a figure), its own link and guid, a real
description and an RFC 822 date. A server in its own process serves the feeds over
HTTP/1.1 with ETag and Last-Modified, and counts the body bytes it sends per run.

Each system runs in its own process, one after the other, on the same corpus:
- ours: `Tracker.poll_feeds` on a workspace with the bundled commitments and rules, so
  storing *and matching* are in the figure (the per-host politeness limit is lifted: one
  loopback server stands for many publishers; `fulltext: off`, as the peers fetch no
  article pages);
- lemon24/reader (`pip install -e '.[bench]'`): `update_feeds(workers=4)`;
- newsboat, when installed (`apt-get install newsboat`): `newsboat -x reload` with
  `reload-threads 4`.
Each runs twice: the second pass finds every feed unchanged (304s, no bodies for those
that send validators). Printed: seconds, entries/s, ratios to ours, body bytes, and peak
memory (the whole process tree's RSS, sampled every 20 ms).

Environment: BENCH_FEEDS (400), BENCH_ENTRIES (50); BENCH_SCALE=1 adds the 4,000-feed
run of ours alone (and of the peers with BENCH_SCALE_PEERS=1; minutes each).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TARGET_NEWSBOAT = 2.0
TARGET_READER = 4.0
TARGET_SECOND_PASS = 10.0


# ---------------------------------------------------------------- the corpus


def real_texts() -> list[dict[str, str]]:
    """Titles and descriptions of real 2022 news items, in the shared corpus's order."""
    texts: list[dict[str, str]] = []
    files = [CORPUS / "news-2022" / "2022_china_and_russia_entries.jsonl"]
    files += sorted((CORPUS / "state-media").glob("*.jsonl"))
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(_text(json.loads(line)["entry"]))
    for path in sorted((CORPUS / "news-2022" / "key-day-2022-02-04").glob("*.json")):
        texts.extend(_text(entry) for entry in json.loads(path.read_text(encoding="utf-8")))
    return [t for t in texts if t["title"]]


def _text(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "title": " ".join(str(entry.get("title") or "").split()),
        "description": str(entry.get("description") or ""),
        "language": str(entry.get("language") or "en")[:2],
    }


def _key(title: str) -> str:
    """What the syndication de-duplication compares (its title key), or for a title too
    generic to have one, its letters and digits."""
    from tracker.textnorm import title_key

    return title_key(title) or "".join(ch for ch in title.casefold() if ch.isalnum())


def build_corpus(feeds: int, entries: int) -> dict[str, bytes]:
    """`/f{i}.xml` → an RSS 2.0 body; deterministic, so every process builds the same one."""
    texts = []
    seen: set[str] = set()
    for text in real_texts():  # one text per title key: the pairs below are then distinct
        key = _key(text["title"])
        if key not in seen:
            seen.add(key)
            texts.append(text)
    n = len(texts)
    if feeds * entries > n * (n - 1):
        raise SystemExit(f"bench: {feeds * entries:,} entries need more than {n} real texts")
    keys: set[str] = set()
    start = datetime(2022, 12, 31, 12, 0, tzinfo=UTC)
    bodies: dict[str, bytes] = {}
    for f in range(feeds):
        items = []
        for e in range(entries):
            k = f * entries + e
            # Entry k joins text k mod n with half of another text, a different one for
            # each round through the texts: no (base, other) pair repeats.
            base = texts[k % n]
            other = texts[(k % n + 1 + k // n) % n]["title"]
            title = f"{base['title']} | {other}"
            key = _key(title)
            if key in keys:
                raise SystemExit(f"bench: two corpus entries share the title key of {title!r}")
            keys.add(key)
            published = format_datetime(start - timedelta(minutes=13 * k), usegmt=True)
            link = f"https://news{f % 97}.example.org/{f}/{e}/story.html"
            items.append(
                f"<item><title>{escape(title)}</title><link>{link}</link>"
                f'<guid isPermaLink="true">{link}</guid><pubDate>{published}</pubDate>'
                f"<description>{escape(base['description'])}</description></item>"
            )
        bodies[f"/f{f}.xml"] = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Bench feed {f}</title><link>https://news{f % 97}.example.org/</link>"
            f"<description>real 2022 news texts</description>{''.join(items)}</channel></rss>"
        ).encode()
    return bodies


# ---------------------------------------------------------------- the server (own process)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops the SYNs of a burst of new connections: each dropped
    # one costs its client a 1 s retransmission, whichever system is being measured.
    request_queue_size = 1024


def _serve(feeds: int, entries: int, conn: Connection) -> None:
    """Serve the corpus with validators; answer "bytes" (sent since last asked) and "stop"."""
    import hashlib

    bodies = build_corpus(feeds, entries)
    tags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}
    modified = format_datetime(datetime(2022, 12, 31, 12, 0, tzinfo=UTC), usegmt=True)
    sent = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK hold each response back 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            unchanged = self.headers.get("If-None-Match") == tags[self.path] or (
                self.headers.get("If-None-Match") is None
                and self.headers.get("If-Modified-Since") == modified
            )
            if unchanged:
                self.send_response(304)
                self.send_header("ETag", tags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", tags[self.path])
            self.send_header("Last-Modified", modified)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            with lock:
                sent[0] += len(body)

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send((server.server_address[1], sum(len(b) for b in bodies.values())))
    while True:
        command = conn.recv()
        if command == "bytes":
            with lock:
                conn.send(sent[0])
                sent[0] = 0
        else:
            break
    server.shutdown()


# ---------------------------------------------------------------- the systems (each a process)


def run_ours(urls: list[str], state: Path) -> int:
    """Poll every feed once with the bundled rules; print the new entries; return 0."""
    started = time.perf_counter()
    from tracker.core import Tracker
    from tracker.feeds.fetching import FetchSettings
    from tracker.feeds.pipeline import PollSettings
    from tracker.records.workspace import Workspace

    workspace = state / "workspace"
    if not workspace.exists():
        (workspace / "feeds").mkdir(parents=True)
        shutil.copytree(REPO / "commitments", workspace / "commitments")
        shutil.copytree(REPO / "rules", workspace / "rules")
        lines = ["feeds:"]
        for n, url in enumerate(urls):
            lines += [f"  - name: f{n}", f'    url: "{url}"', "    allow_private: true"]
        (workspace / "feeds" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        # The peers read feeds only: no article pages (and no network beyond loopback).
        (workspace / "tracker.yaml").write_text("fulltext: off\n", encoding="utf-8")
    tracker = Tracker(Workspace(workspace))
    settings = PollSettings(fetch=FetchSettings(trust_env=False, per_host=64))
    polling = time.perf_counter()
    results = tracker.poll_feeds(settings=settings)
    polled = time.perf_counter()
    tracker.close()
    errors = [r.error for r in results if r.error]
    phases = {"start": polling - started, "poll": polled - polling, "close": time.perf_counter() - polled}
    print(json.dumps({"new": sum(r.new for r in results), "errors": errors[:3], "phases": phases}))
    return 0


def run_reader(urls: list[str], state: Path) -> int:
    from reader import make_reader

    reader = make_reader(str(state / "reader.sqlite"))
    before = reader.get_entry_counts().total
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    reader.update_feeds(workers=4)
    after = reader.get_entry_counts().total
    errors = [str(f.last_exception) for f in reader.get_feeds() if f.last_exception][:3]
    print(json.dumps({"new": after - before, "errors": errors}))
    reader.close()
    return 0


def run_newsboat(urls: list[str], state: Path) -> int:
    cache = state / "newsboat.db"
    urls_file = state / "urls"
    config = state / "config"
    urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    config.write_text("reload-threads 4\n", encoding="utf-8")
    before = _count_rows(cache, "rss_item")
    done = subprocess.run(
        ["newsboat", "-x", "reload", "-u", str(urls_file), "-c", str(cache), "-C", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": str(state)},
    )
    after = _count_rows(cache, "rss_item")
    errors = [done.stderr.strip()[:200]] if done.returncode else []
    print(json.dumps({"new": after - before, "errors": errors}))
    return 0


def _count_rows(path: Path, table: str) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


RUNNERS = {"ours": run_ours, "reader": run_reader, "newsboat": run_newsboat}


# ---------------------------------------------------------------- measuring


class _PeakTree:
    """Peak RSS of a process and all its descendants together, sampled."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
                total = 0
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            self._stop.wait(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _one_run(system: str, urls_file: Path, state: Path) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_peers", "--run", system, str(urls_file), str(state)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = _PeakTree(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    peak.stop()
    try:
        report = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        report = {"new": 0, "errors": [f"exit {proc.returncode}: {err.strip()[-300:]}"]}
    return {"seconds": seconds, "peak": peak.peak, **report}


def available_systems() -> tuple[list[str], list[str]]:
    """The systems to run, and why any peer is left out."""
    systems, missing = ["ours"], []
    try:
        import reader  # noqa: F401

        systems.append("reader")
    except ImportError:
        missing.append("lemon24/reader is not installed (pip install -e '.[bench]')")
    else:
        # reader's vendored feedparser imports `sgmllib`; feedparser 6.0.11 brought it
        # (sgmllib3k), 6.0.14 brings feedparser-sgmllib instead: without it every reader
        # run fails with nothing stored.
        try:
            import sgmllib  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            systems.remove("reader")
            missing.append("lemon24/reader needs the sgmllib module (pip install sgmllib3k)")
    if shutil.which("newsboat"):
        systems.append("newsboat")
    else:
        missing.append("newsboat is not installed (apt-get install newsboat): no newsboat figures")
    return systems, missing


def side_by_side(feeds: int, entries: int, systems: list[str]) -> dict[str, list[dict[str, Any]]]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(feeds, entries, child), daemon=True)
    server.start()
    port, served = parent.recv()
    total = feeds * entries
    print(
        f"corpus: {feeds} feeds × {entries} entries = {total:,} distinct entries, "
        f"{served / 1e6:.1f} MB of RSS"
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
            urls = [f"http://127.0.0.1:{port}/f{i}.xml" for i in range(feeds)]
            urls_file = Path(tmp) / "urls.json"
            urls_file.write_text(json.dumps(urls), encoding="utf-8")
            for system in systems:
                state = Path(tmp) / system
                state.mkdir()
                runs[system] = []
                for _pass in (1, 2):
                    parent.send("bytes")
                    parent.recv()
                    result = _one_run(system, urls_file, state)
                    parent.send("bytes")
                    result["bytes"] = parent.recv()
                    runs[system].append(result)
                    print(
                        f"  {system} pass {_pass}: {result['seconds']:.2f} s, {result['new']:,} new",
                        flush=True,
                    )
    finally:
        parent.send("stop")
        server.join(timeout=10)
    return runs


def report(runs: dict[str, list[dict[str, Any]]], total: int) -> None:
    ours = runs["ours"][0]["seconds"]
    ours_second = runs["ours"][1]["seconds"]
    print()
    print(
        f"{'system':<10} {'entries':>8} {'seconds':>8} {'entries/s':>10} {'ours ×':>7} "
        f"{'body MB':>8} {'peak MB':>8} {'2nd pass s':>10} {'2nd MB':>7} {'ours × (2nd)':>12}"
    )
    for system, (first, second) in runs.items():
        rate = first["new"] / first["seconds"] if first["seconds"] else 0
        print(
            f"{system:<10} {first['new']:>8,} {first['seconds']:>8.2f} {rate:>10,.0f} "
            f"{first['seconds'] / ours:>7.2f} {first['bytes'] / 1e6:>8.1f} {first['peak'] / 2**20:>8.0f} "
            f"{second['seconds']:>10.2f} {second['bytes'] / 1e6:>7.2f} "
            f"{second['seconds'] / ours_second:>12.1f}"
        )
        for run in (first, second):
            if run.get("errors"):
                print(f"  {system} errors: {run['errors']}")
    print("(ours × : how many times longer than ours the system took; ours matches with the bundled rules)")
    if runs["ours"][0]["new"] != total:
        print(f"WARNING: ours stored {runs['ours'][0]['new']:,} of {total:,} distinct entries")
    _verdict(runs, "newsboat", TARGET_NEWSBOAT, 0)
    _verdict(runs, "reader", TARGET_READER, 0)
    _verdict(runs, "newsboat", TARGET_SECOND_PASS, 1)


def _verdict(runs: dict[str, list[dict[str, Any]]], peer: str, target: float, index: int) -> None:
    if peer not in runs:
        return
    ratio = runs[peer][index]["seconds"] / runs["ours"][index]["seconds"]
    label = "second pass" if index else "end to end"
    verdict = "meets" if ratio >= target else "MISSES"
    print(f"target {label} ≥ {target:g}× {peer}: {ratio:.2f}× — {verdict}")


def main() -> None:
    if not CORPUS.is_dir():
        print(f"skipped: the shared corpus is not at {CORPUS}")
        return
    feeds = int(os.environ.get("BENCH_FEEDS", "400"))
    entries = int(os.environ.get("BENCH_ENTRIES", "50"))
    systems, missing = available_systems()
    for line in missing:
        print(f"note: {line}")
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; uptime: {load}")
    runs = side_by_side(feeds, entries, systems)
    report(runs, feeds * entries)
    if os.environ.get("BENCH_SCALE") == "1":
        big = 4000
        scale_systems = systems if os.environ.get("BENCH_SCALE_PEERS") == "1" else ["ours"]
        print(f"\nscale: {big} feeds × {entries} entries")
        runs = side_by_side(big, entries, scale_systems)
        for system, (first, second) in runs.items():
            print(
                f"{system:<10} {first['new']:>9,} new in {first['seconds']:.1f} s = "
                f"{first['new'] / first['seconds']:,.0f} entries/s, peak {first['peak'] / 2**20:.0f} MB; "
                f"second pass {second['seconds']:.1f} s"
            )
    else:
        print("(BENCH_SCALE=1 adds the 4,000-feed run)")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--run":
        system, urls_path, state_dir = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        raise SystemExit(RUNNERS[system](json.loads(urls_path.read_text(encoding="utf-8")), state_dir))
    main()
