"""Production settings: `from pelicanconf import *` plus what changes when the site goes live."""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403
from pelicanconf import ENTRAIDE

SITEURL = os.environ.get("ENTRAIDE_SITE_URL", "").rstrip("/")
if not SITEURL.startswith(("https://", "http://")):
    raise SystemExit(
        "publishconf.py : définissez ENTRAIDE_SITE_URL, l'adresse publique du site "
        "(par exemple https://entraide.example.org)"
    )
ENTRAIDE = {**ENTRAIDE, "public_url": SITEURL, "minify_css": True}
