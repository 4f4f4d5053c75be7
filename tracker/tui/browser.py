"""Opening a link from the dashboard: the configured command, else $BROWSER, else the system's.

Textual's `App.open_url` hands the link to Python's `webbrowser`, which says nothing
when no browser exists (a server over SSH, a container): the analyst pressed `o` and
nothing happened. Here every way is tried in order and the caller learns which one
worked or why none did, so the dashboard can say so (and copy the link instead).

$BROWSER is read on each call (not once per process as `webbrowser` does), as the
convention has it: a colon-separated list of commands, `%s` standing for the URL.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import webbrowser
from collections.abc import Mapping, Sequence


def commands(url: str, configured: Sequence[str], environ: Mapping[str, str]) -> list[list[str]]:
    """The argv lists to try, in order: tracker.yaml's `browser`, then each of $BROWSER."""
    out: list[list[str]] = []
    if configured:
        argv = [part.replace("{url}", url) for part in configured]
        out.append(argv if any("{url}" in part for part in configured) else [*argv, url])
    for entry in environ.get("BROWSER", "").split(os.pathsep):
        try:
            words = shlex.split(entry)
        except ValueError:
            continue
        if words:
            out.append(
                [w.replace("%s", url) for w in words] if any("%s" in w for w in words) else [*words, url]
            )
    return out


def open_link(url: str, configured: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> str:
    """Open `url`; returns how it was opened. Raises OSError saying what was tried when nothing works.

    Commands run detached (own session, no terminal I/O): a browser must never draw
    over the dashboard or be stopped when it quits.
    """
    if not url.startswith(("http://", "https://")):
        raise OSError("only http(s) links are opened")
    environ = os.environ if environ is None else environ
    tried: list[str] = []
    for argv in commands(url, configured, environ):
        try:
            subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            tried.append(f"{argv[0]}: {exc.strerror or exc}")
            continue
        return argv[0]
    if not environ.get("BROWSER") and not configured:
        try:
            browser = webbrowser.get()
        except webbrowser.Error:
            browser = None
        # A text browser (lynx, w3m) would take over the dashboard's terminal: not that.
        console = type(browser) is webbrowser.GenericBrowser
        if browser is not None and not console and browser.open(url):
            return "the system's browser"
        tried.append("no graphical browser found")
    raise OSError("; ".join(tried) + " (set $BROWSER or `browser:` in tracker.yaml)")
