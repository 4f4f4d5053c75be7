"""Full-text fetching: 2,000 article pages on 20 loopback hosts, within the per-host limits.

Twenty sites (127.0.0.2 … 127.0.0.21, one HTTP server each, all in one server process
so their CPU is not charged to the tracker) each publish a summary-only feed of 100
items naming both parties, and a boilerplate-heavy page (~30 KB) per item. One
polling pass (`Tracker.poll_feeds`) fetches the feeds, then every page (robots.txt
read once per host, at most `per_host` requests in flight per host and starts
`per_host_interval` apart), extracts the main text with trafilatura, stores it as the
article's content, and matches the rules on it.

Printed: pages/s over the pass, the floor the pace itself sets, and peak memory of the
tracker process (bounded by `concurrency` bodies in flight, not by the page count).

Environment: BENCH_HOSTS (20), BENCH_PAGES (100 per host), BENCH_INTERVAL (0.02 s; the
default for real publishers is 1 s), BENCH_PER_HOST (2).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

STATEMENT = """\
statement:
  id: bench
  title: {en: Joint Statement on Media Cooperation}
  kind: joint_statement
  date: 2020-01-15
  place: Moscow
  parties: [china, russia]
  sources:
    - document: bench.txt
      role: primary
      languages: [en]
commitments:
  - id: bench/1
    label: "1"
    type: action
    summary: Produce joint media content.
    text: {en: The two sides will produce joint media content.}
    tags: [media]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window: {start: 2020-01-15}
    verifiable: {value: true, reason: Agreements are announced.}
"""
RULES = """\
terms:
  china: {en: [china, chinese, beijing]}
  russia: {en: [russia, russian, moscow]}
rules:
  - id: memo
    targets: {commitments: [bench/1]}
    all: [$china, $russia]
    phrases: [joint content production]
"""


def page(host: int, n: int) -> bytes:
    nav = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(60))
    body = "".join(
        f"<p>Paragraph {i} of story {n} on host {host}: the Chinese and Russian delegations discussed "
        "news exchanges, broadcasting, film co-production and training of journalists in detail.</p>"
        for i in range(40)
    )
    act = "They signed a memorandum on joint content production." if n % 4 == 0 else "Talks continue."
    return (
        f"<!DOCTYPE html><html><head><title>Story {n}</title><script>var t={n};</script></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>Story {n}</h1>{body}<p>{act}</p>"
        "</article></main><aside>" + "<p>Related headline</p>" * 30 + "</aside>"
        "<footer>Copyright Example News. Subscribe to our newsletter.</footer></body></html>"
    ).encode()


def feed(base: str, pages: int) -> bytes:
    items = "".join(
        f"<item><title>China and Russia story {n}</title><link>{base}/a/{n}</link><guid>{base}/a/{n}</guid>"
        f"<description>{escape('Chinese and Russian officials met.')}</description></item>"
        for n in range(pages)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Host</title><link>{base}/</link>'
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


def _serve(hosts: int, pages: int, conn: Connection) -> None:
    """One server per host address, all in this process; sends back the ports."""

    def handler_for(index: int, base: str) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body in one segment, sent at once: a real server does not make
            # the client wait for TCP's delayed ACK between them (40 ms a request)
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                if path == "/feed.xml":
                    status, body, kind = 200, feed(base, pages), "application/rss+xml"
                elif path.startswith("/a/"):
                    status, body, kind = 200, page(index, int(path[3:])), "text/html; charset=utf-8"
                else:
                    status, body, kind = 404, b"not found", "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    servers = []
    for index in range(hosts):
        address = f"127.0.0.{index + 2}"
        server = ThreadingHTTPServer((address, 0), BaseHTTPRequestHandler)
        server.RequestHandlerClass = handler_for(index, f"http://{address}:{server.server_address[1]}")
        server.daemon_threads = True
        server.handle_error = lambda *args: None  # a client closing early is not news
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send([f"http://127.0.0.{i + 2}:{s.server_address[1]}" for i, s in enumerate(servers)])
    conn.recv()  # wait for "stop"


def main() -> None:
    from tracker.core import FetchSettings, PageSettings, Tracker, Workspace
    from tracker.feeds.pages import PAGE_USER_AGENT

    hosts = int(os.environ.get("BENCH_HOSTS", "20"))
    per = int(os.environ.get("BENCH_PAGES", "100"))
    interval = float(os.environ.get("BENCH_INTERVAL", "0.02"))
    per_host = int(os.environ.get("BENCH_PER_HOST", "2"))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(hosts, per, child), daemon=True)
    server.start()
    bases: list[str] = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "ws"
            for name in ("commitments", "rules", "feeds"):
                (root / name).mkdir(parents=True)
            (root / "commitments" / "bench.yaml").write_text(STATEMENT, encoding="utf-8")
            (root / "rules" / "rules.yaml").write_text(RULES, encoding="utf-8")
            (root / "feeds" / "feeds.yaml").write_text(
                "feeds:\n"
                + "".join(
                    f"  - name: host{i}\n    url: {b}/feed.xml\n    allow_private: true\n"
                    for i, b in enumerate(bases)
                ),
                encoding="utf-8",
            )
            tracker = Tracker(Workspace.locate(str(root)))
            tracker.page_settings = PageSettings(
                fetch=FetchSettings(
                    user_agent=PAGE_USER_AGENT,
                    per_host=per_host,
                    per_host_interval=interval,
                    max_body_bytes=2 * 1024 * 1024,
                    trust_env=False,
                ),
            )
            started = time.perf_counter()
            results = tracker.poll_feeds()
            seconds = time.perf_counter() - started
            if len(results) != hosts:  # a bench that polls nothing must not print a figure
                raise SystemExit(f"bench fulltext: {len(results)} of {hosts} feeds loaded")
            fetched = sum(r.fulltext for r in results)
            errors = [r.error for r in results if r.error]
            linked = len(tracker.unreviewed(limit=100_000))
            tracker.close()
    finally:
        parent.send("stop")
        server.join(timeout=5)
    total = hosts * per
    floor = per * interval  # one host's pages, one after another at the pace
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{hosts} hosts × {per} pages = {total} pages; per host: {per_host} in flight, {interval:g} s apart"
    )
    print(f"full text stored: {fetched} of {total} pages; signals linked through page text: {linked}")
    if errors:
        print(f"feed errors: {errors[:3]}")
    print(
        f"pass: {seconds:.1f} s, {fetched / seconds:.0f} pages/s"
        f" (the pace alone needs at least {floor:.1f} s: at most {hosts / interval:.0f} pages/s)"
    )
    print(f"peak memory: {peak:.0f} MB (tracker process: polling, extraction, storage, matching)")


if __name__ == "__main__":
    main()
