"""Reading the files a run lints: regular files only, and a failure is that file's diagnostic.

A path named on the command line can be anything: a FIFO (``<(cat app.py)``, or a pipe named
``app.py``) would block a plain ``open`` forever, a device would stream without end. The file is
opened without blocking and checked with ``fstat`` on the open descriptor (no window for a swap
between check and read) before a byte is read. A file or directory that cannot be read is BC005,
reported like ruff's E902, and the run goes on.
"""

from __future__ import annotations

import os
import stat

from bedrockcache.lint.diagnostic import Diagnostic
from bedrockcache.rules import catalogue

__all__ = ["UNREADABLE", "NotRegularFile", "read_regular", "unreadable"]

UNREADABLE = "BC005"
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path is not a regular file; it is skipped, not read."""


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file. Raises NotRegularFile for anything else, OSError when the
    file cannot be opened or read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotRegularFile(f"not a regular file ({kind})")
        return handle.read()


def unreadable(path: str, error: OSError, *, directory: bool = False) -> Diagnostic:
    """BC005 at the start of ``path`` (a file, or a directory whose files were not found)."""
    reason = error.strerror or str(error) or type(error).__name__
    what = "directory" if directory else "file"
    consequence = "nothing in it was checked" if directory else "it was not checked"
    entry = catalogue()[UNREADABLE]
    return Diagnostic(
        path=path,
        line=1,
        column=1,
        code=UNREADABLE,
        message=f"cannot read the {what} ({reason}); {consequence}",
        end_line=1,
        end_column=1,
        severity=entry.severity,
        fix=entry.fix,
    )
