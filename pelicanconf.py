"""Pelican settings for the Entraide site (development defaults; publishconf.py overrides for production).

Every setting can be overridden on the command line, as the Makefile does:
    pelican content -o output -s pelicanconf.py -e 'SUBMISSIONS_PATH="other/"' 'BUILD_DATE="2026-12-01"'
"""

import os

PROJECT_ROOT = os.path.dirname(os.path.abspath(__file__))

SITENAME = "Entraide Grenoble-Alpes Métropole"
SITEURL = ""  # links are root-relative in development; publishconf.py makes them absolute
DEFAULT_LANG = "fr"
TIMEZONE = "Europe/Paris"

PATH = "content"
THEME = os.path.join(PROJECT_ROOT, "theme")
PLUGIN_PATHS = [os.path.join(PROJECT_ROOT, "plugins")]
PLUGINS = ["entraide_site", "entraide_search"]

# --- The data: approved entries, and the date the build is made "as of" ------------------------------
# Beside this file, whatever folder pelican runs from; a path given instead is from the current folder.
SUBMISSIONS_PATH = os.environ.get("ENTRAIDE_SUBMISSIONS_PATH") or os.path.join(PROJECT_ROOT, "submissions")
BUILD_DATE = os.environ.get("ENTRAIDE_BUILD_DATE", "")  # "" = today; else YYYY-MM-DD

# --- Where the forms post, and the map tiles ----------------------------------------------------------
ENDPOINT_URL = os.environ.get("ENTRAIDE_ENDPOINT_URL") or "http://127.0.0.1:8001"
MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>'
MAP_TILE_MAX_ZOOM = 19

# --- Our plugin's own settings, checked at start-up (plugins/entraide_site/settings.py documents each) ---
ENTRAIDE = {
    "per_page": 20,
    "feed_size": 30,
    "recent_count": 5,
    "print_limit": 200,
    "phone_line": os.environ.get("ENTRAIDE_PHONE_LINE") or "04 76 00 00 00 (numéro fictif)",
    "public_url": os.environ.get("ENTRAIDE_SITE_URL") or "http://127.0.0.1:8000",
    "cache_path": os.environ.get("ENTRAIDE_CACHE_PATH") or os.path.join(PROJECT_ROOT, ".cache", "site"),
    "workers": 0,
    "minify_css": False,
    "first_messages_path": os.environ.get("ENTRAIDE_FIRST_MESSAGES_PATH", ""),
}

# --- Search (plugins/entraide_search): Pagefind indexes the entry pages after the build -----------------
ENTRAIDE_SEARCH = {"enabled": os.environ.get("ENTRAIDE_SEARCH_ENABLED", "1") != "0"}

# --- Pelican's own outputs we do not use: our generator writes every page -----------------------------
ARTICLE_PATHS = []
PAGE_PATHS = []
STATIC_PATHS = []
THEME_STATIC_PATHS = []  # our generator copies theme/static/ itself, leaving unchanged files alone
READERS = {"md": None, "markdown": None, "html": None, "htm": None, "rst": None}
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {}
TEMPLATE_PAGES = {}
ARTICLE_SAVE_AS = PAGE_SAVE_AS = DRAFT_SAVE_AS = DRAFT_PAGE_SAVE_AS = ""
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = TAG_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_SAVE_AS = DAY_ARCHIVE_SAVE_AS = ""
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
DELETE_OUTPUT_DIRECTORY = False  # unchanged pages are left alone so a rebuild writes nothing
CACHE_CONTENT = False
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True, "extensions": []}
