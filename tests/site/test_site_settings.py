"""The plugin's settings: checked at start-up with a clear message, and every one documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from entraide_site.settings import SETTINGS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def pelican_settings(**overrides) -> dict:
    namespace: dict = {}
    exec((ROOT / "pelicanconf.py").read_text("utf-8"), {"__file__": str(ROOT / "pelicanconf.py")}, namespace)
    return {**namespace, **overrides}


def test_defaults_load() -> None:
    settings = load_settings(pelican_settings(BUILD_DATE="2026-12-01"), "output")
    assert settings.build_date.isoformat() == "2026-12-01"
    assert settings.endpoint_url == "http://127.0.0.1:8001"
    assert settings.per_page == 20


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])  # UTC+14 and UTC-12: never the same day
def test_today_is_the_territorys_day(zone: str) -> None:
    before = dt.datetime.now(ZoneInfo(zone)).date()
    built_as_of = load_settings(pelican_settings(BUILD_DATE="", TIMEZONE=zone), "output").build_date
    assert built_as_of in {before, dt.datetime.now(ZoneInfo(zone)).date()}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"BUILD_DATE": "01/12/2026"}, "BUILD_DATE must be empty (today) or a date YYYY-MM-DD"),
        ({"ENDPOINT_URL": "127.0.0.1:8001"}, "ENDPOINT_URL must start with http:// or https://"),
        ({"ENTRAIDE": {"per_page": 20}}, "missing keys"),
    ],
)
def test_wrong_settings_stop_with_a_message(overrides: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(pelican_settings(**overrides), "output")


def test_wrong_type_names_the_setting() -> None:
    namespace = pelican_settings()["ENTRAIDE"]
    with pytest.raises(SettingsError, match=r"ENTRAIDE\['per_page'\] must be a int"):
        load_settings(pelican_settings(ENTRAIDE={**namespace, "per_page": "20"}), "output")
    with pytest.raises(SettingsError, match="unknown keys \\['per_pages'\\]"):
        load_settings(pelican_settings(ENTRAIDE={**namespace, "per_pages": 20}), "output")


def test_every_setting_is_documented() -> None:
    documentation = (ROOT / "docs" / "site.md").read_text("utf-8")
    for name in [
        *SETTINGS,
        "SUBMISSIONS_PATH",
        "BUILD_DATE",
        "ENDPOINT_URL",
        "MAP_TILE_URL",
        "MAP_TILE_ATTRIBUTION",
        "MAP_TILE_MAX_ZOOM",
        "ENTRAIDE_SITE_URL",
        "ENTRAIDE_PHONE_LINE",
        "ENTRAIDE_CACHE_PATH",
        "ENTRAIDE_SEARCH_ENABLED",
        "ENTRAIDE_ALLOW_LOCAL_URLS",
    ]:
        assert f"`{name}`" in documentation, f"{name} is not documented in docs/site.md"
