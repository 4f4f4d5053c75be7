"""HTTPS and proxies through the fetcher, on 127.0.0.1 only.

TLS: the guarded resolver hands the connector checked addresses while the certificate
is still verified against the host name; a certificate no trusted authority signed is
refused. The authority here is a throw-away one (trustme), trusted through
SSL_CERT_FILE, which the fetcher reads only with `trust_env`.

Proxies: with HTTP_PROXY set (and `trust_env`), requests go through the proxy, and the
address policy still judges each feed's host before anything is sent.
"""

from __future__ import annotations

import asyncio
import http.server
import socketserver
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, make_rss
from tracker.feeds import fetching
from tracker.feeds.fetching import Fetcher, FetchResult, FetchSettings

trustme = pytest.importorskip("trustme", reason="trustme (the test extra) makes the throw-away CA")

QUICK = {"connect_timeout": 2.0, "read_timeout": 2.0, "total_timeout": 5.0}


def fetch(url: str, settings: FetchSettings, *, allow_private: bool = True) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, allow_private=allow_private)

    return asyncio.run(run())


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A feed server speaking TLS with a certificate for `localhost` from a CA trusted
    through SSL_CERT_FILE; the process's cached TLS contexts are set aside."""
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost")
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(fetching, "_SSL_CONTEXTS", {})
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    server = FeedServer()
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    with server:
        yield server


def test_https_is_verified_against_the_host_name(tls_server: FeedServer) -> None:
    tls_server.feed("/f.xml", make_rss(3))
    url = tls_server.url("/f.xml").replace("http://127.0.0.1", "https://localhost")
    result = fetch(url, FetchSettings(trust_env=True, **QUICK))
    assert (result.status, result.http_status, result.error) == ("ok", 200, None)
    assert b"<rss" in (result.body or b"")


def test_a_certificate_for_another_name_is_refused(tls_server: FeedServer) -> None:
    tls_server.feed("/f.xml", make_rss(1))
    url = tls_server.url("/f.xml").replace("http://", "https://")  # 127.0.0.1: not the name signed
    result = fetch(url, FetchSettings(trust_env=True, **QUICK))
    assert result.status == "error" and result.error_kind == "temporary"
    assert "cannot connect" in (result.error or "") and "certificate" in (result.error or "").lower()


def test_an_untrusted_authority_is_refused(tls_server: FeedServer) -> None:
    """Without `trust_env` SSL_CERT_FILE is not read: the throw-away CA is unknown."""
    tls_server.feed("/f.xml", make_rss(1))
    url = tls_server.url("/f.xml").replace("http://127.0.0.1", "https://localhost")
    result = fetch(url, FetchSettings(trust_env=False, **QUICK))
    assert result.status == "error" and "certificate" in (result.error or "").lower()
    assert tls_server.hits["/f.xml"] == 0


class _ForwardingProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    seen: list[str]


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy: GET with an absolute URL, fetched and passed back."""

    server: _ForwardingProxy

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        request = urllib.request.Request(self.path, headers={"User-Agent": self.headers["User-Agent"] or ""})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as upstream:
            body = upstream.read()
            self.send_response(upstream.status)
            self.send_header("Content-Type", upstream.headers.get("Content-Type", "text/xml"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads `seen`."""


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_ForwardingProxy]:
    server = _ForwardingProxy(("127.0.0.1", 0), _ProxyHandler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", address)
    monkeypatch.setenv("http_proxy", address)
    yield server
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_environment_proxy(proxy: _ForwardingProxy) -> None:
    with FeedServer() as origin:
        origin.feed("/f.xml", make_rss(2))
        result = fetch(origin.url("/f.xml"), FetchSettings(trust_env=True, **QUICK))
        assert (result.status, result.http_status) == ("ok", 200)
        assert proxy.seen == [origin.url("/f.xml")]
        assert fetch(origin.url("/f.xml"), FetchSettings(trust_env=False, **QUICK)).status == "ok"
        assert len(proxy.seen) == 1  # without trust_env the environment is not read


def test_behind_a_proxy_the_policy_still_judges_each_host(proxy: _ForwardingProxy) -> None:
    with FeedServer() as origin:
        origin.feed("/f.xml", make_rss(1))
        by_name = origin.url("/f.xml").replace("127.0.0.1", "localhost")
        result = fetch(by_name, FetchSettings(trust_env=True, **QUICK), allow_private=False)
        assert result.status == "error" and "localhost resolves only to refused addresses" in (
            result.error or ""
        )
        assert proxy.seen == [] and origin.hits["/f.xml"] == 0
