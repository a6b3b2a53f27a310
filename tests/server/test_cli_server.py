"""`bedrockcache server` on the command line: a missing extra, and no pygls at startup."""

from __future__ import annotations

import subprocess
import sys


def test_cli_reports_a_missing_extra_in_one_line():
    code = (
        "import sys; sys.modules['pygls'] = None; sys.argv = ['bedrockcache', 'server'];"
        "from bedrockcache.cli import main; main()"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "bedrockcache: error: bedrockcache server needs pygls: pip install 'bedrockcache[lsp]'"
    ]


def test_cli_does_not_import_pygls_at_startup():
    code = "import sys, bedrockcache.cli; print('pygls' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "False"
