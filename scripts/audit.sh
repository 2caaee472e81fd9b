#!/usr/bin/env bash
# Lighthouse (npm `lighthouse` 12.2.3, Debian's Chromium) on the demo site as production builds it:
# the home page, a commune, an entry and the map with its tiles blocked. Prints the Performance,
# Accessibility and Best Practices scores (mobile, Lighthouse's default throttling) and keeps the
# JSON reports in $AUDIT_DIR. Nothing leaves 127.0.0.1 but npm's first install of Lighthouse.
# Run it on an otherwise idle machine: Lighthouse times the main thread, so a busy CPU lowers Performance.
#   scripts/audit.sh                 # or: make audit
#   AUDIT_PORT=9000 scripts/audit.sh   # default: a free port
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE_VERSION=12.2.3
NODE_PREFIX=tests/.node/audit
PYTHON=${PYTHON:-.venv/bin/python}
PELICAN=${PELICAN:-.venv/bin/pelican}
AUDIT_PORT=${AUDIT_PORT:-$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
AUDIT_DIR=${AUDIT_DIR:-.cache/audit}
SITE_URL="http://127.0.0.1:${AUDIT_PORT}"
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic"

lighthouse="$NODE_PREFIX/node_modules/.bin/lighthouse"
if [ "$("$lighthouse" --version 2>/dev/null || true)" != "$LIGHTHOUSE_VERSION" ]; then
  echo "Installing Lighthouse $LIGHTHOUSE_VERSION into $NODE_PREFIX/ ..."
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION"
fi
test -x "$CHROME_PATH" || { echo "Chromium is missing: make browser" >&2; exit 1; }

output="$AUDIT_DIR/site"
mkdir -p "$AUDIT_DIR"
echo "Building the demo site into $output/ (publishconf.py, as deployed) ..."
# A production build on loopback: publishconf.py allows it only when asked (ENTRAIDE_ALLOW_LOCAL_URLS).
ENTRAIDE_SITE_URL="$SITE_URL" ENTRAIDE_ENDPOINT_URL="${ENTRAIDE_ENDPOINT_URL:-http://127.0.0.1:8001}" \
  ENTRAIDE_ALLOW_LOCAL_URLS=1 ENTRAIDE_CACHE_PATH="$AUDIT_DIR/cache" \
  "$PELICAN" content -q -s publishconf.py -o "$output" -e 'SUBMISSIONS_PATH="submissions"'

"$PYTHON" tests/browser/serve_gzip.py "$output" --port "$AUDIT_PORT" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
"$PYTHON" -c 'import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1); break
    except OSError:
        time.sleep(0.1)' "$SITE_URL/"
kill -0 "$server" 2>/dev/null || { echo "Could not serve the site on port $AUDIT_PORT" >&2; exit 1; }

# The map's tile host, from the built page: blocked, as in the tests (and it is not ours to measure).
tile_host=$("$PYTHON" -c 'import re,sys; from urllib.parse import urlsplit; h=open(sys.argv[1]).read(); print(urlsplit(re.search(r"data-tile-url=\"([^\"]+)\"", h).group(1).replace("{s}","a")).hostname)' "$output/carte/index.html")
entries=("$output"/annonces/*/)
entry=${entries[0]#"$output"/}
commune=communes/grenoble/

printf '\n%-32s %12s %14s %15s\n' "page" "Performance" "Accessibility" "Best Practices"
for page in "/" "/$commune" "/$entry" "/carte/"; do
  name=$(echo "$page" | tr '/' '_' | sed 's/^_*//; s/_*$//'); name=${name:-home}
  report="$AUDIT_DIR/lighthouse-$name.json"
  "$lighthouse" "$SITE_URL$page" --quiet --output=json --output-path="$report" \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="$CHROME_FLAGS" --blocked-url-patterns="*${tile_host}*" >/dev/null 2>"$AUDIT_DIR/lighthouse-$name.log" \
    || { echo "Lighthouse failed on $page: see $AUDIT_DIR/lighthouse-$name.log" >&2; exit 1; }
  "$PYTHON" - "$report" "$page" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = [round(100 * (report["categories"][key]["score"] or 0)) for key in ("performance", "accessibility", "best-practices")]
print(f"{sys.argv[2]:<32} {scores[0]:>12} {scores[1]:>14} {scores[2]:>15}")
PY
done
echo
echo "JSON reports and logs: $AUDIT_DIR/lighthouse-*"
