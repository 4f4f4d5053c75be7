"""Archived copies (WARC) of confirmed evidence, against real pages on 127.0.0.1.

The acceptance path runs the real CLI: fetch a summary-only feed, explain the link
made through the full text, confirm it (which archives the page), stop the page
server, and print the archived page. The WARC files are read back with warcio's own
ArchiveIterator, digests checked.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.clirun import run_cli
from tests.feedserver import FeedServer
from tests.pagesite import BOILERPLATE, EVIDENCE_SENTENCE, article_page, make_workspace, serve_site
from tests.test_fulltext import fast
from tracker.core import Tracker, Workspace
from tracker.errors import NotFoundError
from tracker.feeds.archive import warc_digest
from tracker.tui.screens.commitment import item_cells

LOOPBACK = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        serve_site(running)
        yield running


@pytest.fixture
def tracker(server: FeedServer, tmp_path: Path) -> Iterator[Tracker]:
    opened = Tracker(Workspace.locate(str(make_workspace(tmp_path / "ws", server))))
    opened.page_settings = fast()
    yield opened
    opened.close()


def confirm_first(tracker: Tracker) -> int:
    """Poll, confirm the one signal, archive its page; the evidence id."""
    tracker.poll_feeds()
    [signal] = tracker.unreviewed()
    evidence_id = tracker.confirm_signal(signal["id"])
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "archived", outcome
    return evidence_id


def records(path: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, content) of every record, through warcio with digests checked."""
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            headers = dict(record.rec_headers.headers)
            out.append((record.rec_type, headers, record.content_stream().read()))
    return out


# ---------------------------------------------------------------- acceptance, through the CLI


@pytest.mark.slow
def test_fetch_explain_confirm_archive_and_show_with_the_server_stopped(tmp_path: Path) -> None:
    with FeedServer() as server:
        serve_site(server)
        root = make_workspace(tmp_path / "ws", server)
        page_url = server.url("/news/1")
        fetched = run_cli("fetch", workspace=root, env=LOOPBACK)
        assert fetched.code == 0, fetched.err
        assert "1 read in full from their pages" in fetched.err
        explained = run_cli("explain", "1", "demo/1", workspace=root, env=LOOPBACK)
        assert explained.code == 0, explained.err
        assert f"content: the full text of the page from {page_url}" in explained.out
        assert "full text" in explained.out and "joint content production" in explained.out
        assert "linked through the full text" in explained.out and "memo → demo/1" in explained.out
        confirmed = run_cli("review", "confirm", "1", workspace=root, env=LOOPBACK)
        assert confirmed.code == 0, confirmed.err
        assert "signal 1 confirmed as evidence 1" in confirmed.out
        assert "evidence 1: archived: archived" in confirmed.out
    # the page server is gone: the archive still serves the page
    shown = run_cli("evidence", "show", "1", workspace=root)
    assert shown.code == 0, shown.err
    assert f"evidence 1: {page_url}" in shown.out
    assert EVIDENCE_SENTENCE in shown.out
    assert BOILERPLATE not in shown.out
    [warc] = list((root / ".tracker" / "archive").rglob("*.warc.gz"))
    types = [kind for kind, _headers, _content in records(warc)]
    assert types == ["warcinfo", "response", "request"]
    verified = run_cli("archive", "verify", workspace=root)
    assert verified.code == 0 and "1 archive file(s), 0 failed" in verified.out
    exported = run_cli("export", "--what", "evidence", "--format", "csv", workspace=root)
    header, row = exported.out.splitlines()[:2]
    assert header.endswith(",archive_sha256,archived_at,source_gone_since")
    digest = hashlib.sha256(records(warc)[1][2]).hexdigest()
    assert digest in row
    # the page cannot be fetched now: archiving again fails and says why, the archive stays
    again = run_cli("evidence", "archive", "1", workspace=root)
    assert again.code == 1 and "evidence 1: error: robots.txt" in again.out
    assert run_cli("evidence", "show", "1", workspace=root).code == 0


@pytest.mark.slow
def test_archive_command_usage_and_unknown_ids(tmp_path: Path, server: FeedServer) -> None:
    root = make_workspace(tmp_path / "ws", server)
    both = run_cli("evidence", "archive", "1", "--all", workspace=root)
    assert both.code == 2 and "EVIDENCE: give evidence ids or --all, not both" in both.err
    unknown = run_cli("evidence", "show", "7", workspace=root)
    assert unknown.code == 1 and "no evidence 7" in unknown.err
    assert "Traceback" not in unknown.err


# ---------------------------------------------------------------- the WARC file


def test_warc_holds_request_response_and_digests(tracker: Tracker, server: FeedServer) -> None:
    evidence_id = confirm_first(tracker)
    [item] = tracker.evidence("demo/1")
    archive = item.archive
    assert archive is not None and archive.evidence_id == evidence_id
    path = tracker.archive_dir / archive.path
    assert path.is_file() and path.stat().st_size == archive.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == archive.file_sha256
    (info_type, _info, info), (resp_type, resp, body), (req_type, req, request) = records(path)
    assert (info_type, resp_type, req_type) == ("warcinfo", "response", "request")
    assert b"commitment-tracker" in info
    assert resp["WARC-Target-URI"] == server.url("/news/1")
    assert resp["WARC-Payload-Digest"] == warc_digest(archive.sha256)
    assert hashlib.sha256(body).hexdigest() == archive.sha256
    assert body == article_page("China and Russia media talks")
    assert req["WARC-Concurrent-To"] == resp["WARC-Record-ID"]
    assert request == b""  # a GET has no body; its request line and headers are the record's
    with path.open("rb") as stream:
        response = next(r for r in ArchiveIterator(stream) if r.rec_type == "response")
        assert response.http_headers.get_statuscode() == "200"
        assert response.http_headers.get_header("Content-Type") == "text/html"
    with path.open("rb") as stream:
        request_record = next(r for r in ArchiveIterator(stream) if r.rec_type == "request")
        assert request_record.http_headers.protocol == "GET"
        assert request_record.http_headers.get_header("User-Agent").startswith("commitment-tracker/")


def test_redirected_page_archives_the_final_url_and_the_hops(tracker: Tracker, server: FeedServer) -> None:
    server.redirect("/short/1", server.url("/news/1"), status=301)
    evidence_id = tracker.add_evidence("demo/1", title="Short link", url=server.url("/short/1"))
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "archived" and outcome.archive is not None
    assert outcome.archive.url == server.url("/news/1")
    kinds = {kind: content for kind, _h, content in records(tracker.archive_dir / outcome.archive.path)}
    assert f"via: 301 {server.url('/short/1')}".encode() in kinds["metadata"]


def test_huge_page_archive_is_cut_and_marked(tracker: Tracker, server: FeedServer) -> None:
    server.route("/huge", body=article_page("Huge", paragraphs=5000), content_type="text/html")
    tracker.page_settings = fast(max_body_bytes=64 * 1024)
    evidence_id = tracker.add_evidence("demo/1", title="Huge", url=server.url("/huge"))
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "archived" and "cut at 65,536 bytes" in outcome.message
    assert outcome.archive is not None and outcome.archive.truncated
    [(_, _, _), (_, response, body), _request] = records(tracker.archive_dir / outcome.archive.path)
    assert response["WARC-Truncated"] == "length" and len(body) == 64 * 1024


def test_non_html_evidence_is_refused_with_a_reason(tracker: Tracker, server: FeedServer) -> None:
    server.route("/file.zip", body=b"PK\3\4" + b"\0" * 1000, content_type="application/zip")
    evidence_id = tracker.add_evidence("demo/1", title="Zip", url=server.url("/file.zip"))
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "refused"
    assert outcome.message == "not a web page: the server answered application/zip"
    assert not tracker.archive_dir.exists() or not list(tracker.archive_dir.rglob("*.warc.gz"))


def test_evidence_without_a_url_has_nothing_to_archive(tracker: Tracker) -> None:
    evidence_id = tracker.add_evidence("demo/1", title="Note verbale", document="MFA note 2026/1")
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "no_url"
    with pytest.raises(NotFoundError, match="has no archived copy"):
        tracker.archived_page(evidence_id)


def test_unchanged_page_is_checked_not_archived_twice(tracker: Tracker) -> None:
    evidence_id = confirm_first(tracker)
    [outcome] = tracker.archive_evidence([evidence_id])
    assert outcome.status == "unchanged"
    assert len(list(tracker.archive_dir.rglob("*.warc.gz"))) == 1


# ---------------------------------------------------------------- the source disappears


def test_page_gone_later_keeps_its_archive_and_flags_the_evidence(
    tracker: Tracker, server: FeedServer
) -> None:
    evidence_id = confirm_first(tracker)
    server.route("/news/1", status=404, body=b"gone", content_type="text/html")
    [outcome] = tracker.archive_evidence(None)  # --all
    assert outcome.status == "gone"
    assert "source gone (HTTP 404)" in outcome.message and "is kept" in outcome.message
    page = tracker.archived_page(evidence_id)
    assert EVIDENCE_SENTENCE in page.text
    assert page.archive.source_gone_since is not None
    # the reports and the dashboard say so
    csv = tracker.export("csv", what="evidence")
    assert page.archive.source_gone_since.isoformat(timespec="seconds") in csv
    markdown = tracker.export("markdown")
    assert f"source gone since {page.archive.source_gone_since.date()}" in markdown
    [item] = [i for i in tracker.commitment_view("demo/1").items if i.evidence is not None]
    assert item.archive_mark.startswith("archived ") and "source gone since" in item.archive_mark
    assert "source gone since" in item_cells(item)["title"].plain
    # the page comes back: the flag is cleared, the old archive still counts
    server.route("/news/1", body=article_page("China and Russia media talks"), content_type="text/html")
    [back] = tracker.archive_evidence([evidence_id])
    assert back.status == "unchanged" and back.archive is not None
    assert back.archive.source_gone_since is None


# ---------------------------------------------------------------- integrity, backups, safety


def test_verify_finds_a_tampered_archive(tracker: Tracker) -> None:
    confirm_first(tracker)
    [good] = tracker.verify_archives()
    assert good.ok
    [path] = list(tracker.archive_dir.rglob("*.warc.gz"))
    raw = gzip.decompress(path.read_bytes()).replace(
        b"joint content production", b"joint content destruction"
    )
    path.write_bytes(gzip.compress(raw))
    [bad] = tracker.verify_archives()
    assert not bad.ok and "differs from the recorded" in bad.message
    path.unlink()
    [missing] = tracker.verify_archives()
    assert not missing.ok and missing.message == "file missing"


def test_backup_carries_the_archives_and_a_restore_brings_them_back(
    tracker: Tracker, tmp_path: Path, server: FeedServer
) -> None:
    evidence_id = confirm_first(tracker)
    backup = tmp_path / "backup.db"
    assert tracker.backup(backup) == 1
    with sqlite3.connect(backup) as conn:
        [(name, digest)] = conn.execute("SELECT path, sha256 FROM archive_files").fetchall()
    [archive] = tracker.verify_archives()
    assert archive.path == name
    # restore into a new workspace: the database file only, no archive folder
    other = make_workspace(tmp_path / "restored", server)
    (other / ".tracker").mkdir()
    shutil.copy(backup, other / ".tracker" / "tracker.db")
    restored = Tracker(Workspace.locate(str(other)))
    try:
        page = restored.archived_page(evidence_id)
        assert page.restored and EVIDENCE_SENTENCE in page.text
        assert hashlib.sha256((restored.archive_dir / name).read_bytes()).hexdigest() == digest
        assert all(check.ok for check in restored.verify_archives())
    finally:
        restored.close()


def test_archived_markup_and_control_characters_stay_inert(tracker: Tracker, server: FeedServer) -> None:
    hostile = (
        "<html><body><article><p>The sides agreed. \x1b[2J\x1b]0;pwned\x07 [bold red]styled[/] "
        "<script>alert(1)</script>and signed it.</p>" + "<p>More text of the article follows here.</p>" * 5
    )
    server.route("/hostile", body=(hostile + "</article></body></html>").encode(), content_type="text/html")
    evidence_id = tracker.add_evidence("demo/1", title="Hostile", url=server.url("/hostile"))
    assert tracker.archive_evidence([evidence_id])[0].status == "archived"
    text = tracker.archived_page(evidence_id).text
    assert "\x1b" not in text and "\x07" not in text
    assert "alert(1)" not in text
    shown = run_cli("evidence", "show", str(evidence_id), workspace=tracker.workspace.root)
    assert shown.code == 0 and "[bold red]styled[/]" in shown.out  # printed as text, not as markup
    assert "\x1b" not in shown.out


async def test_dashboard_shows_archived_and_gone_beside_the_evidence(
    tracker: Tracker, server: FeedServer
) -> None:
    from textual.widgets import DataTable

    from tracker.tui.app import build_app
    from tracker.tui.screens.commitment import CommitmentScreen

    confirm_first(tracker)
    server.route("/news/1", status=410, body=b"", content_type="text/html")
    tracker.archive_evidence(None)
    app = build_app(tracker, monitor=False)
    async with app.run_test(size=(200, 40)) as pilot:
        app.open_commitment("demo/1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CommitmentScreen)
        table = screen.query_one("#items", DataTable)
        cells = [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
        [title] = [c for c in cells if c.startswith("China and Russia media talks")]
        assert "archived " in title and "source gone since " in title
