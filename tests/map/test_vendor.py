"""The vendored map libraries: recorded versions, integrity of every file, licences kept."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "theme" / "static" / "vendor"
EXPECTED = {"leaflet": "1.9.4", "leaflet.markercluster": "1.5.3"}
LICENCES = {"leaflet": "LICENSE", "leaflet.markercluster": "MIT-LICENCE.txt"}


def recorded_versions() -> dict[str, tuple[str, str]]:
    versions = {}
    for line in (VENDOR / "VERSIONS").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version, integrity = line.split()
            versions[name] = (version, integrity)
    return versions


def recorded_sums() -> dict[str, str]:
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        sums[path] = digest
    return sums


def test_versions_recorded_are_the_ones_the_issue_asks_for():
    versions = recorded_versions()
    assert {name: version for name, (version, _) in versions.items()} == EXPECTED
    for _, integrity in versions.values():
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", integrity)


def test_vendor_script_pins_the_recorded_versions_and_integrities():
    script = (ROOT / "scripts" / "vendor.sh").read_text()
    versions = recorded_versions()
    assert f"LEAFLET_VERSION={versions['leaflet'][0]}" in script
    assert f"LEAFLET_INTEGRITY={versions['leaflet'][1]}" in script
    assert f"CLUSTER_VERSION={versions['leaflet.markercluster'][0]}" in script
    assert f"CLUSTER_INTEGRITY={versions['leaflet.markercluster'][1]}" in script


def test_every_vendored_file_matches_its_recorded_sha256():
    sums = recorded_sums()
    on_disk = {
        str(path.relative_to(VENDOR)) for name in EXPECTED for path in (VENDOR / name).rglob("*") if path.is_file()
    }
    assert on_disk == set(sums), "a vendored file is missing or not recorded: run make vendor"
    for path, digest in sums.items():
        assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == digest, f"{path} was edited by hand"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_licence_is_kept_next_to_the_library(name):
    licence = (VENDOR / name / LICENCES[name]).read_text()
    assert "Permission is hereby granted" in licence or "Redistribution and use" in licence
    assert "Copyright" in licence


def test_leaflet_file_is_the_recorded_version():
    assert f't.version="{EXPECTED["leaflet"]}"' in (VENDOR / "leaflet" / "leaflet.js").read_text()


def test_only_what_the_map_needs_is_vendored():
    files = set(recorded_sums())
    assert not [f for f in files if f.endswith((".map", ".md", "-src.js", ".esm.js"))]
    assert {
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet.markercluster/leaflet.markercluster.js",
        "leaflet.markercluster/MarkerCluster.css",
    } <= files
