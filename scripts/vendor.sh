#!/bin/sh
# Re-vendor Leaflet and Leaflet.markercluster from the npm registry into theme/static/vendor/.
#
# Pinned versions and integrities: a tarball whose sha512 differs from the one recorded here is refused.
# Only the files the map needs are copied (minified JS, CSS, images) with each package's licence; the
# record of what was vendored is written to VERSIONS and SHA256SUMS (`sha256sum -c SHA256SUMS` checks it).
# Running it again gives the same files. The only network it uses is the npm registry, through npm itself.
set -eu

cd "$(dirname "$0")/.."
VENDOR=theme/static/vendor

LEAFLET_VERSION=1.9.4
LEAFLET_INTEGRITY=sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==
CLUSTER_VERSION=1.5.3
CLUSTER_INTEGRITY=sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION INTEGRITY: download the package tarball, check its integrity, unpack it in $WORK/NAME.
fetch() {
    (cd "$WORK" && npm pack --silent "$1@$2" >/dev/null)
    tarball="$WORK/$1-$2.tgz"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
    if [ "$actual" != "$3" ]; then
        echo "vendor.sh: $1@$2 has integrity $actual, expected $3: refusing it" >&2
        exit 1
    fi
    mkdir -p "$WORK/$1"
    tar -xzf "$tarball" -C "$WORK/$1"
}

# copy NAME TARGET FILE...: copy files (paths inside the package) flat into $VENDOR/TARGET, keeping images/.
copy() {
    name=$1 target=$VENDOR/$2
    shift 2
    for file in "$@"; do
        case "$file" in
            */images/*) mkdir -p "$target/images" && cp "$WORK/$name/package/$file" "$target/images/" ;;
            *) mkdir -p "$target" && cp "$WORK/$name/package/$file" "$target/" ;;
        esac
    done
}

fetch leaflet "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY"
fetch leaflet.markercluster "$CLUSTER_VERSION" "$CLUSTER_INTEGRITY"

rm -rf "$VENDOR/leaflet" "$VENDOR/leaflet.markercluster"
copy leaflet leaflet LICENSE dist/leaflet.js dist/leaflet.css \
    dist/images/layers.png dist/images/layers-2x.png \
    dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png
copy leaflet.markercluster leaflet.markercluster MIT-LICENCE.txt dist/leaflet.markercluster.js \
    dist/MarkerCluster.css
# Tarballs carry odd modes (executable CSS): vendored files are plain data.
find "$VENDOR/leaflet" "$VENDOR/leaflet.markercluster" -type f -exec chmod 644 {} +

cat > "$VENDOR/VERSIONS" <<RECORD
# Vendored from the npm registry by scripts/vendor.sh (make vendor); do not edit these files by hand.
# package version integrity-of-the-npm-tarball
leaflet $LEAFLET_VERSION $LEAFLET_INTEGRITY
leaflet.markercluster $CLUSTER_VERSION $CLUSTER_INTEGRITY
RECORD

(cd "$VENDOR" && find leaflet leaflet.markercluster -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "Vendored leaflet $LEAFLET_VERSION and leaflet.markercluster $CLUSTER_VERSION into $VENDOR/"
