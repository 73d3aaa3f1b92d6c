"""Telling a PostgreSQL URL from a file name, and writing it without its password.

No psycopg here: ``threadtree.open`` asks :func:`is_url` of every path it is given.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["is_url", "redact"]

_SCHEMES = ("postgresql://", "postgres://")
_SECRET_VALUE = re.compile(r"(^|&)((?:ssl)?password)=[^&]*", re.IGNORECASE)


def is_url(target: str) -> bool:
    """Whether ``target`` is a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
    return target[:13].lower().startswith(_SCHEMES)


def redact(url: str) -> str:
    """``url`` with any password (in the user part or the query string) replaced by ``***``:
    what messages, logs and ``repr`` show."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            if ":" in user:
                user = user.split(":", 1)[0] + ":***"
            netloc = f"{user}@{host}"
        # Only the secret values change: the rest of the query stays as given, so that the
        # shown URL still opens the same database (re-encoding it wrote a space of options as
        # '+', which libpq reads as a '+').
        query = _SECRET_VALUE.sub(r"\1\2=***", parts.query)
        if netloc == parts.netloc and query == parts.query:
            return url  # nothing secret in it: as given (urlunsplit would drop an empty host's //)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        # Unparseable: keep the scheme only, never a part that could hold a secret.
        return re.split(r"(?<=//)", url, maxsplit=1)[0] + "..."
