"""Run the endpoint under waitress: `python -m entraide.endpoint.serve --host 127.0.0.1 --port 8001`.

Settings come from the environment (see `python -m entraide.endpoint.config`); `make serve` and
`make endpoint` run this.
"""

from __future__ import annotations

import argparse
import logging
import os

from entraide.endpoint.app import create_app
from entraide.endpoint.config import Config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Entraide form endpoint with waitress.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on (default 8001)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    options = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    config = Config.from_environ(os.environ)
    app = create_app(config)
    logging.getLogger("entraide.endpoint").info(
        "form endpoint on http://%s:%d/ (backend %s, site %s)",
        options.host,
        options.port,
        config.backend,
        config.site_url,
    )
    import waitress

    waitress.serve(app, host=options.host, port=options.port, threads=options.threads, ident="entraide")


if __name__ == "__main__":
    main()
