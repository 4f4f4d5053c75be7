"""Archived copies of pages as WARC files (ISO 28500, the Internet Archive's format), via warcio.

warcio is the Webrecorder project's reader and writer of WARC: files it writes open in
every archive tool (pywb, ArchiveWeb.page, the Wayback Machine's), and its reader
checks the digests. Each capture is one gzipped WARC file holding:

- a `warcinfo` record (the software, its User-Agent, robots policy);
- the `response` record: status line, response headers and the body as received
  (decoded: the Content-Encoding header is kept under `X-Archive-Orig-Content-Encoding`
  so the record says what it holds), with a SHA-256 payload digest and the fetch time;
  a body cut at the size limit carries the standard `WARC-Truncated: length`;
- the `request` record: the request as it was sent, concurrent to the response;
- a `metadata` record when the page was reached through redirects (each hop).

`archive_evidence`, `archived_page`, `verify_archives` and `embed_in_backup` are what the
core calls: fetch, write, record (storage.archives), read back, re-hash, carry in a backup.

Reading a capture back (`read_capture`) goes through warcio's own ArchiveIterator with
digest checking on, so a file altered after it was written fails loudly. The archived
text is extracted like full text (trafilatura), never rendered as markup.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from tracker import __version__
from tracker.errors import NotFoundError
from tracker.feeds.pages import PAGE_USER_AGENT, PageFetcher, PageSettings, extract_text
from tracker.feeds.pipeline import run_sync
from tracker.storage import archives as archive_store
from tracker.storage.db import Database
from tracker.textnorm import html_to_text, tidy
from tracker.types import ArchiveCheck, ArchivedPage, ArchiveOutcome, EvidenceArchive, FetchedPage

#: Response headers that describe the transfer, not the body we store (it is decoded, whole).
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class _Sha256Writer(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (its default is SHA-1):
    the payload digest is then the very hash the reports publish."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class ArchiveError(Exception):
    """A WARC file that cannot be read back (missing, corrupt, digest mismatch)."""


@dataclass(frozen=True)
class Written:
    """A capture written to disk: where, its size, and the two digests."""

    path: Path
    size: int
    payload_sha256: str
    file_sha256: str


@dataclass(frozen=True)
class Capture:
    """A capture read back from its WARC file."""

    url: str
    date: str
    status_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_capture(page: FetchedPage, target: Path) -> Written:
    """Write one fetched page (status `ok`) as a gzipped WARC file at `target`, atomically."""
    if page.body is None:
        raise ValueError("only a fetched page with a body can be archived")
    body = page.body
    uri = page.final_url or page.url
    when = _warc_date(page.fetched_at)
    payload_sha = hashlib.sha256(body).hexdigest()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            writer = _Sha256Writer(out, gzip=True, warc_version="1.1")
            writer.write_record(
                writer.create_warcinfo_record(
                    target.name,
                    {
                        "software": f"commitment-tracker/{__version__} (warcio)",
                        "http-header-user-agent": PAGE_USER_AGENT,
                        "robots": "obey",
                        "format": "WARC File Format 1.1",
                    },
                )
            )
            response = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                length=None,
                http_headers=StatusAndHeaders(
                    f"{page.http_status or 200} {page.reason or 'OK'}".strip(),
                    _stored_headers(page.response_headers, len(body)),
                    protocol=page.http_version or "HTTP/1.1",
                ),
                warc_headers_dict=_warc_headers(when, truncated=page.truncated),
            )
            writer.write_record(response)
            request = writer.create_warc_record(
                uri,
                "request",
                http_headers=StatusAndHeaders(
                    f"GET {_request_target(uri)} {page.http_version or 'HTTP/1.1'}",
                    list(page.request_headers),
                    is_http_request=True,
                ),
                warc_headers_dict={
                    "WARC-Date": when,
                    "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
                },
            )
            writer.write_record(request)
            if page.redirects and len(page.redirects) > 1:
                hops = "".join(f"via: {status} {url}\n" for status, url in page.redirects[:-1])
                text = f"requested: {page.url}\n{hops}".encode()
                writer.write_record(
                    writer.create_warc_record(
                        uri,
                        "metadata",
                        payload=io.BytesIO(text),
                        warc_content_type="text/plain",
                        warc_headers_dict={
                            "WARC-Date": when,
                            "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID"),
                        },
                    )
                )
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Written(target, target.stat().st_size, payload_sha, sha256_file(target))


def read_capture(path: Path) -> Capture:
    """The response of a WARC file the tracker wrote, digests checked by warcio."""
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                if record.rec_type != "response":
                    continue
                body = record.content_stream().read()
                headers = record.http_headers
                return Capture(
                    url=record.rec_headers.get_header("WARC-Target-URI") or "",
                    date=record.rec_headers.get_header("WARC-Date") or "",
                    status_line=headers.statusline if headers else "",
                    headers=tuple(headers.headers) if headers else (),
                    body=body,
                    truncated=bool(record.rec_headers.get_header("WARC-Truncated")),
                )
    except FileNotFoundError:
        raise ArchiveError(f"{path}: the archive file is missing") from None
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"{path}: not a readable WARC file: {exc}") from None
    raise ArchiveError(f"{path}: no response record in the archive")


def capture_text(capture: Capture) -> str:
    """The archived page as plain, inert text: its main text, else all of its text."""
    text = extract_text(capture.body, capture.url)
    if not text:
        text = tidy(html_to_text(capture.body.decode("utf-8", errors="replace")))
    return text


def _stored_headers(headers: tuple[tuple[str, str], ...], length: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "content-encoding":
            out.append(("X-Archive-Orig-Content-Encoding", value))
        elif lower not in _TRANSFER_HEADERS:
            out.append((name, value))
    out.append(("Content-Length", str(length)))
    return out


def warc_digest(sha256_hex: str) -> str:
    """A hex SHA-256 as a WARC digest header value (base 32, as warcio writes it)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _warc_headers(when: str, *, truncated: bool) -> dict[str, str]:
    headers = {"WARC-Date": when}
    if truncated:
        headers["WARC-Truncated"] = "length"
    return headers


def _request_target(uri: str) -> str:
    parts = urlsplit(uri)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- evidence archives


def archive_evidence(
    db: Database,
    folder: Path,
    evidence_ids: Sequence[int] | None,
    *,
    settings: PageSettings | None = None,
    private_hosts: frozenset[str] = frozenset(),
) -> list[ArchiveOutcome]:
    """Archive the pages of these evidence items (None: every current one with a URL).

    Each page is fetched politely (feeds.pages), under the feeds' address policy: a page
    on a loopback or private address only when its host is that of a feed that opted in
    (`private_hosts`). A new capture is written only when the
    body differs from the latest archive's; a 404/410 keeps every archive and flags the
    source gone since the first time it answered so.
    """
    if evidence_ids is None:
        targets: list[tuple[int, str | None]] = list(archive_store.evidence_with_urls(db))
    else:
        targets = []
        for evidence_id in evidence_ids:
            url, _withdrawn = archive_store.evidence_source(db, evidence_id)
            targets.append((evidence_id, url))

    async def archive_all() -> list[ArchiveOutcome]:
        async with PageFetcher(settings) as pages:

            async def one(evidence_id: int, url: str | None) -> ArchiveOutcome:
                if not url:
                    return _no_url(evidence_id)
                # the body is written out (or dropped) before the turn is given back
                allow = (urlsplit(url).hostname or "").lower() in private_hosts
                async with pages.hold(url):
                    page = await pages.get(url, allow_private=allow)
                    return _archive_one(db, folder, evidence_id, url, page)

            return list(await asyncio.gather(*(one(evidence_id, url) for evidence_id, url in targets)))

    return run_sync(archive_all) if targets else []


def _no_url(evidence_id: int) -> ArchiveOutcome:
    return ArchiveOutcome(evidence_id, None, "no_url", "no URL to archive (evidence from a document)")


def _archive_one(db: Database, folder: Path, evidence_id: int, url: str, page: FetchedPage) -> ArchiveOutcome:
    latest = archive_store.latest_archive(db, evidence_id)
    if page.status == "gone":
        with db.transaction() as conn:
            archive_store.record_check(
                conn, evidence_id, at=page.fetched_at, http_status=page.http_status, gone=True
            )
        kept = f"; the archive of {latest.archived_at.date()} is kept" if latest else "; nothing was archived"
        return ArchiveOutcome(
            evidence_id, url, "gone", f"source gone (HTTP {page.http_status}){kept}", _fresh(db, evidence_id)
        )
    if page.status != "ok" or page.body is None:
        return ArchiveOutcome(evidence_id, url, page.status, page.error or "not fetched", latest)
    digest = hashlib.sha256(page.body).hexdigest()
    if latest is not None and latest.sha256 == digest and (folder / latest.path).exists():
        with db.transaction() as conn:
            archive_store.record_check(
                conn, evidence_id, at=page.fetched_at, http_status=page.http_status, gone=False
            )
        message = f"unchanged since the archive of {latest.archived_at.date()}"
        return ArchiveOutcome(evidence_id, url, "unchanged", message, _fresh(db, evidence_id))
    relative = f"{evidence_id}/{page.fetched_at.strftime('%Y%m%dT%H%M%S%fZ')}.warc.gz"
    written = write_capture(page, folder / relative)
    record = EvidenceArchive(
        evidence_id=evidence_id,
        url=page.final_url or url,
        archived_at=page.fetched_at,
        path=relative,
        sha256=written.payload_sha256,
        file_sha256=written.file_sha256,
        size=written.size,
        http_status=page.http_status,
        content_type=page.content_type,
        truncated=page.truncated,
    )
    with db.transaction() as conn:
        archive_store.add_archive(conn, record)
        archive_store.record_check(
            conn, evidence_id, at=page.fetched_at, http_status=page.http_status, gone=False
        )
    cut = f", cut at {len(page.body):,} bytes" if page.truncated else ""
    message = f"archived {written.size:,} bytes, sha256 {written.payload_sha256[:16]}…{cut}"
    return ArchiveOutcome(evidence_id, url, "archived", message, _fresh(db, evidence_id))


def _fresh(db: Database, evidence_id: int) -> EvidenceArchive | None:
    return archive_store.latest_archive(db, evidence_id)


def archived_page(db: Database, folder: Path, evidence_id: int) -> ArchivedPage:
    """The latest archive of one evidence item, read back and turned into plain text.

    A file missing on disk but carried in the database (restored from a backup) is
    written back first. Raises NotFoundError (no archive) or ArchiveError (unreadable).
    """
    archive_store.evidence_source(db, evidence_id)  # NotFoundError for an unknown id
    archive = archive_store.latest_archive(db, evidence_id)
    if archive is None:
        raise NotFoundError(
            f"evidence {evidence_id} has no archived copy; run `tracker evidence archive {evidence_id}`"
        )
    path = folder / archive.path
    restored = False
    if not path.exists():
        restored = _restore(db, folder, archive)
    capture = read_capture(path)
    return ArchivedPage(archive, capture_text(capture), capture.status_line, restored)


def _restore(db: Database, folder: Path, archive: EvidenceArchive) -> bool:
    carried = archive_store.embedded_file(db, archive.path)
    if carried is None or hashlib.sha256(carried[1]).hexdigest() != archive.file_sha256:
        return False
    target = folder / archive.path
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".partial")
    temp.write_bytes(carried[1])
    temp.replace(target)
    return True


def verify_archives(db: Database, folder: Path) -> list[ArchiveCheck]:
    """Re-hash every archive file and read it back with warcio (digests checked)."""
    checks: list[ArchiveCheck] = []
    for archive in archive_store.every_archive(db):
        path = folder / archive.path
        restored = False
        if not path.exists():
            restored = _restore(db, folder, archive)
            if not restored:
                checks.append(ArchiveCheck(archive.evidence_id, archive.path, False, "file missing"))
                continue
        actual = sha256_file(path)
        if actual != archive.file_sha256:
            message = f"file hash {actual[:16]}… differs from the recorded {archive.file_sha256[:16]}…"
            checks.append(ArchiveCheck(archive.evidence_id, archive.path, False, message))
            continue
        try:
            capture = read_capture(path)
        except ArchiveError as exc:
            checks.append(ArchiveCheck(archive.evidence_id, archive.path, False, str(exc)))
            continue
        if hashlib.sha256(capture.body).hexdigest() != archive.sha256:
            checks.append(ArchiveCheck(archive.evidence_id, archive.path, False, "payload hash differs"))
            continue
        note = "ok (restored from the copy in the database)" if restored else "ok"
        checks.append(
            ArchiveCheck(archive.evidence_id, archive.path, True, f"{note}, sha256 {archive.sha256}")
        )
    return checks


def embed_in_backup(db: Database, folder: Path, backup: Path) -> int:
    """Carry every archive file inside a backup's database file; the number carried."""

    def files() -> Iterator[tuple[str, str, bytes]]:
        for archive in archive_store.every_archive(db):
            path = folder / archive.path
            if path.exists():
                yield archive.path, archive.file_sha256, path.read_bytes()

    return archive_store.embed_files(str(backup), files())
