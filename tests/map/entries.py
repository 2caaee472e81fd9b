"""The entries the map's site is built from, besides 400 generated ones: a hostile one in a small commune."""

from __future__ import annotations

import datetime as dt

from entraide.entries import Entry
from tests.harness.workspace import TERRITORY

TODAY = dt.datetime.now(TERRITORY).date()  # the build's day
HOSTILE_TITLE = '<img src=x onerror=alert(1)> "{{7*7}}"'
HOSTILE_COMMUNE = ("38533", "venon")  # a small commune: its entries fit in the list under the map


def hostile_entry() -> Entry:
    created = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(10), dt.timezone(dt.timedelta(hours=1)))
    return Entry(
        id="carte-hostile-000001",
        kind="request",
        category="other",
        commune=HOSTILE_COMMUNE[0],
        title=HOSTILE_TITLE,
        description="<script>alert('description')</script> et {{ config }}",
        name="<b>Eve</b>",
        created=created.isoformat(),
        expires=(TODAY + dt.timedelta(days=20)).isoformat(),
        contact="sealed:v1:000000000000000000000000:exemple-sans-contact",
    )
