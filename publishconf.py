"""Production settings: `from pelicanconf import *` plus what changes when the site goes live.

A production build refuses an address visitors cannot reach: the site's (ENTRAIDE_SITE_URL: links,
feeds, sitemap) and the form endpoint's (ENTRAIDE_ENDPOINT_URL: where every form posts). Missing, on
loopback, or a reserved example name (.example, .invalid, .test, .localhost) stops the build, naming the
variable to set. ENTRAIDE_ALLOW_LOCAL_URLS=1 lets a production build be served on this machine
(`make audit`); never set it in a deployment.
"""

import ipaddress
import os
import sys
from urllib.parse import urlsplit

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403
from pelicanconf import ENTRAIDE

RESERVED_SUFFIXES = (".example", ".invalid", ".test", ".localhost")  # RFC 2606 and RFC 6761


def public_address(variable: str, what: str, example: str) -> str:
    """The address in `variable`, without a trailing slash; stops the build when visitors could not reach it."""
    value = os.environ.get(variable, "").strip().rstrip("/")
    fix = f"set {variable} to {what} (for example {variable}={example}) and run `make publish` again"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = f"is {value!r}" if value else "is not set"
        raise SystemExit(f"publishconf.py: {variable} {shown}: {fix}.")
    if _is_local(parts.hostname) and os.environ.get("ENTRAIDE_ALLOW_LOCAL_URLS") != "1":
        raise SystemExit(
            f"publishconf.py: {variable}={value} is not a public address: visitors' browsers cannot reach it; {fix}."
        )
    return value


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(RESERVED_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


SITEURL = public_address("ENTRAIDE_SITE_URL", "the site's public address", "https://entraide.example.fr")
ENDPOINT_URL = public_address(
    "ENTRAIDE_ENDPOINT_URL", "the form endpoint's public address", "https://formulaires.entraide.example.fr"
)
ENTRAIDE = {**ENTRAIDE, "public_url": SITEURL, "minify_css": True}
