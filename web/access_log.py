"""The server's access log keeps no trace of who answered a survey or cast a ballot.

uvicorn logs every request with the client's address. On the citizens' and delegates' paths
that line would tie an address (a household's, a delegate's phone) to the moment an answer
or a ballot was given, while the forms promise anonymity; there the address is left out.
(Receipts never appear: they travel in a cookie, not in the address.)
"""

from __future__ import annotations

import logging

ANONYMOUS_PATHS = ("/s/", "/b/")
ANONYMOUS_EXACT = ("/b",)
HIDDEN = "-"


def anonymous_path(path: str) -> bool:
    bare = path.partition("?")[0]
    return bare in ANONYMOUS_EXACT or bare.startswith(ANONYMOUS_PATHS)


class HideRespondents(logging.Filter):
    """Blank the client address of access-log lines on survey and ballot paths."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access: (client address, method, path with query, HTTP version, status).
        if isinstance(args, tuple) and len(args) == 5 and anonymous_path(str(args[2])):
            record.args = (HIDDEN, *args[1:])
        return True


def hide_respondents(logger_name: str = "uvicorn.access") -> None:
    """Install the filter once on the access logger of this process."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, HideRespondents) for f in logger.filters):
        logger.addFilter(HideRespondents())
