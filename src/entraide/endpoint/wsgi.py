"""The endpoint for any WSGI server, as the module-level `application` with settings from the environment.

    gunicorn --bind 127.0.0.1:8001 --workers 2 --threads 4 entraide.endpoint.wsgi:application
    waitress-serve --listen=127.0.0.1:8001 ... entraide.endpoint.wsgi:application

(the full waitress-serve command, with the limits `python -m entraide.endpoint.serve` sets, is in
docs/endpoint.md). The application is built when the server imports this module, once per worker: a wrong
setting stops the server at start, naming the variable, before any resident meets it. The Lambda handler
does the opposite (it builds on the first event) because there a cold start is paid on every new container.
"""

from __future__ import annotations

from entraide.endpoint.app import app_from_environ

application = app_from_environ()
