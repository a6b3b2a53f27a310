"""``bedrockcache server``: a Language Server Protocol server over stdio (extra ``lsp``).

Editors get the findings of ``bedrockcache lint`` as they type, with the rule's fix as a code
action and its documentation on hover. pygls is imported only here, never by the CLI at startup.
"""

from __future__ import annotations

__all__ = ["MissingExtra", "serve"]


class MissingExtra(RuntimeError):
    """pygls is not installed: the server needs ``pip install 'bedrockcache[lsp]'``."""


def serve() -> None:
    """Serve one editor session over stdin/stdout until the client says exit."""
    try:
        from bedrockcache.server.app import create_server
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        raise MissingExtra(
            "bedrockcache server needs pygls: pip install 'bedrockcache[lsp]'"
        ) from None
    create_server().start_io()
