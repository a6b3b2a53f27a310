"""Named test sessions for people; `.ci/run` stays the pinned suite (README, "Development").

``nox -s latest`` is the refresh routine: the conformance suite against the newest release of every
library bedrockcache models. A failure names a fact that changed in a release; fix the data or the
backend with that evidence, then move the pin in ``constraints/conformance.txt``.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["pinned"]


@nox.session
def pinned(session: nox.Session) -> None:
    """The whole suite against the pins: what `.ci/run` runs."""
    session.install("-e", ".[test]", "-c", "constraints/conformance.txt")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def latest(session: nox.Session) -> None:
    """The conformance suite against the newest releases (no constraints); versions first."""
    session.install("-U", "--upgrade-strategy", "eager", "-e", ".[test]")
    session.run("python", "-m", "pip", "list", "--format=freeze")
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/conformance",
        "tests/capture",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )
