"""Writing a user's file so that a failure leaves nothing behind, and says why in one line.

`export -o`, `feeds export -o` and the watcher's notes write whole files. Written in
place, a full disk leaves a 0-byte or half file that looks like a good one; written
beside the target and renamed, a failure leaves the old file (or none) and no debris.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Replace `path` with `data` in one step; raise OSError, leaving no partial file.

    Text is written as given (no newline translation): CSV keeps its CRLF.
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def describe_os_error(exc: OSError) -> str:
    """A one-line reason for a failed write: "disk full" said plainly."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full (no space left on the device)"
    return exc.strerror or str(exc)
