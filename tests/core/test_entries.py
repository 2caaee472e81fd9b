import datetime as dt

import pytest

from entraide.communes import load_communes
from entraide.entries import Entry, check, parse, to_yaml, write_entry
from entraide.samples import generate

HOSTILE = "<script>alert('x')</script> {{ 7*7 }} {% raw %} \"quotes\" & 'apostrophes'"


def an_entry(**changes) -> Entry:
    fields = {
        "id": "grenoble-aide-01",
        "kind": "request",
        "category": "conversation",
        "commune": "38185",
        "title": "Envie de parler",
        "description": "Je vis seule.\nUn appel de temps en temps me ferait du bien.",
        "name": "Odile",
        "created": "2026-11-20T09:30:00+01:00",
        "expires": "2026-12-20",
        "contact": "sealed:v1:0123456789abcdef01234567:AAAA",
    }
    fields.update(changes)
    return Entry(**fields)


def test_yaml_round_trips_exactly_even_with_hostile_text_and_yaml_lookalikes(tmp_path):
    tricky = [HOSTILE, "yes", "null", "12", "2026-01-01", "- liste", "# pas un commentaire", "a: b", "  espaces  "]
    for number, text in enumerate(tricky):
        entry = an_entry(
            id=f"grenoble-tricky-{number}",
            title=f"Titre {text}"[:80],
            availability=text,
            description=f"Ligne un {text}\nLigne deux\n\nLigne quatre",
        )
        assert Entry.from_data(parse(to_yaml(entry))) == entry
        path = write_entry(tmp_path, entry)
        assert path == tmp_path / "grenoble" / f"grenoble-tricky-{number}.yaml"
        assert check(parse(path.read_text("utf-8")), filename=str(path)) == []


def test_public_data_never_holds_the_contact_nor_the_withdraw_key_hash():
    entry = an_entry(withdraw_key_hash="sha256:secret")
    assert "contact" not in entry.public() and "withdraw_key_hash" not in entry.public()
    assert "sealed:v1" not in repr(entry.public())


def test_file_name_folder_and_location_are_checked(tmp_path):
    data = parse(to_yaml(an_entry(location=(5.9, 45.4))))
    messages = {p.key: p.message for p in check(data, filename=str(tmp_path / "meylan" / "autre-nom.yaml"))}
    assert "renommez le fichier en grenoble-aide-01.yaml" in messages["id"]
    assert "dossier grenoble/" in messages["commune"]
    assert "km de Grenoble" in messages["location"]


def test_a_point_up_to_300_m_outside_the_boundary_is_tolerated_beyond_it_refused():
    grenoble = load_communes().by_slug["grenoble"]
    (vertex_lon, vertex_lat), (centre_lon, centre_lat) = grenoble.polygons[0][0][0], grenoble.centre
    near, far = None, None
    for step in range(1, 200):  # walk away from the centre, across the boundary
        t = 1 + step / 400
        lon, lat = centre_lon + (vertex_lon - centre_lon) * t, centre_lat + (vertex_lat - centre_lat) * t
        distance = grenoble.distance_m(lon, lat)
        if 50 < distance < 250 and near is None:
            near = (lon, lat)
        if distance > 400:
            far = (lon, lat)
            break
    assert near and far and not grenoble.contains(*near)
    assert check(parse(to_yaml(an_entry(location=near)))) == []
    assert [p.key for p in check(parse(to_yaml(an_entry(location=far))))] == ["location"]


def test_expiry_before_creation_is_refused():
    problems = check(parse(to_yaml(an_entry(expires="2026-01-01"))))
    assert [p.key for p in problems] == ["expires"]


def test_generated_samples_are_valid_deterministic_and_cover_every_category_and_kind(tmp_path):
    entries = list(generate(400))
    assert entries == list(generate(400))
    assert {(e.category, e.kind) for e in entries} == {
        (c, k) for c in ("groceries", "homework", "conversation", "other") for k in ("offer", "request")
    }
    for entry in entries[:50]:
        path = write_entry(tmp_path, entry)
        assert check(parse(path.read_text("utf-8")), filename=str(path)) == []


@pytest.mark.parametrize(
    ("today", "active"),
    [
        ("2026-11-19", False),  # created the next day: not published yet
        ("2026-11-20", True),  # created that day, at 09:30
        ("2026-12-20", True),  # its last day
        ("2026-12-21", False),  # expired
    ],
)
def test_an_entry_is_on_the_site_from_the_day_it_was_created_to_the_day_it_expires(today, active):
    assert an_entry().is_active(dt.date.fromisoformat(today)) is active


def test_the_day_of_creation_is_the_authors_not_utcs():
    just_after_midnight = an_entry(created="2026-11-21T00:30:00+01:00")  # 23:30 on the 20th in UTC
    assert not just_after_midnight.is_active(dt.date(2026, 11, 20))
    assert just_after_midnight.is_active(dt.date(2026, 11, 21))


def test_text_is_parsed_as_written_whatever_the_yaml_form():
    """The loader's shortcut for text keeps YAML's meaning: anchors, explicit tags, blocks, other types."""
    text = "a: &x texte\nb: *x\nc: !!str 12\nd: 12\ne: null\nf: 2026-01-01\ng: |\n  une\n  deux\nh: {lat: 45.2}\n"
    assert parse(text) == {
        "a": "texte",
        "b": "texte",
        "c": "12",
        "d": 12,
        "e": None,
        "f": "2026-01-01",
        "g": "une\ndeux\n",
        "h": {"lat": 45.2},
    }
