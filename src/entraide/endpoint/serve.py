"""Run the endpoint under waitress: `python -m entraide.endpoint.serve --host 127.0.0.1 --port 8001`.

Settings come from the environment (see `python -m entraide.config`); `make serve` and
`make endpoint` run this. Waitress runs with its own limits (`WAITRESS_LIMITS`) so that it holds against
slow clients and huge bodies even when nothing stands in front of it; docs/endpoint.md shows the reverse
proxy to put in front in production, and the same limits as `waitress-serve` flags.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from entraide.endpoint.app import app_from_environ
from entraide.endpoint.http import MAX_BODY_BYTES

BODY_LIMIT = 4 * MAX_BODY_BYTES

WAITRESS_LIMITS: dict[str, Any] = {
    # waitress reads a whole body before the endpoint sees it, spooling past inbuf_overflow (512 KB) to a
    # temporary file: a 500 MB chunked body went to disk before the endpoint's 413. Bodies up to four times
    # the endpoint's cap still reach it (a near miss gets its French message), larger ones are cut there,
    # and what waitress keeps stays in memory.
    "max_request_body_size": BODY_LIMIT,
    "inbuf_overflow": 2 * BODY_LIMIT,
    "max_request_header_size": 32 * 1024,
    # Waitress's default of 100 connections let 100 idle sockets lock every resident out for 2 minutes.
    # Far more connections fit (at most a few hundred KB each), idle ones are closed after 20 s, and
    # poll() watches them: select() cannot see a descriptor past 1024.
    "connection_limit": 500,
    "channel_timeout": 20,
    "cleanup_interval": 5,
    "asyncore_use_poll": True,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Entraide form endpoint with waitress.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on (default 8001)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    options = parser.parse_args(argv)
    app = app_from_environ()
    logging.getLogger("entraide.endpoint").info(
        "form endpoint on http://%s:%d/ (backend %s, site %s)",
        options.host,
        options.port,
        app.config.backend,
        app.config.site_url,
    )
    import waitress

    waitress.serve(
        app,
        host=options.host,
        port=options.port,
        threads=options.threads,
        ident="entraide",
        # Waitress drops X-Forwarded-For unless told to keep it: behind a proxy, every resident would be the
        # proxy's address, one client for the rate limits (10 POSTs a minute for the whole territory).
        clear_untrusted_proxy_headers=not app.config.trust_forwarded_for,
        **WAITRESS_LIMITS,
    )


if __name__ == "__main__":
    main()
