"""POST /submit: a resident's offer becomes one pending entry, with or without JavaScript."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor

from entraide.sealing import Contact, withdraw_key_matches
from tests.harness.endpoint import AUTHOR_EMAIL, GOOD_FORM, SITE
from tests.harness.ports import free_port


def confirm_token(page: str) -> str:
    return html.unescape(re.search(r'name="confirm_token" value="([^"]+)"', page).group(1))


def text_of(page: str) -> str:
    """What a reader sees: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_without_javascript_the_resident_previews_confirms_and_gets_the_withdraw_key_once(endpoint, mailbox):
    preview = endpoint.post("/submit", data=GOOD_FORM)
    assert preview.status_code == 200
    assert "Vérifiez votre annonce" in preview.text
    assert "Je fais vos courses le samedi" in preview.text
    assert f'href="{SITE}/theme/css/main.css"' in preview.text
    assert endpoint.pending_files() == []  # nothing written before the resident confirms

    # The confirm button is on the endpoint's own page: a browser sends the endpoint's origin.
    confirm = {**GOOD_FORM, "confirm_token": confirm_token(preview.text), "website": ""}
    thanks = endpoint.post("/submit", data=confirm, origin=endpoint.url)
    assert thanks.status_code == 200
    seen = text_of(thanks.text)
    assert "Merci, votre annonce est envoyée" in seen
    key = re.search(r'withdraw-key__value">([^<]+)<', thanks.text).group(1)
    [entry] = endpoint.pending_entries()
    assert entry.id in seen
    assert withdraw_key_matches(key, entry.withdraw_key_hash)
    assert entry.title == GOOD_FORM["title"] and entry.description == GOOD_FORM["description"]
    assert endpoint.keys.unseal(entry.contact) == Contact(AUTHOR_EMAIL, "06 12 34 56 78")

    [mail] = mailbox.wait(1)
    assert mail["To"] == AUTHOR_EMAIL
    assert key in mail.get_content() and entry.id in mail.get_content()
    assert "clé de retrait" in mail.get_content()


def test_with_javascript_the_form_gets_a_json_answer_with_id_and_withdraw_key(endpoint):
    answer = endpoint.post("/submit", json={**GOOD_FORM, "submission_id": "b1946ac92492d2347c6235b4d2611184"})
    assert answer.status_code == 201
    body = answer.json()
    [entry] = endpoint.pending_entries()
    assert body["id"] == entry.id and body["status"] == "pending"
    assert withdraw_key_matches(body["withdraw_key"], entry.withdraw_key_hash)
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    assert (endpoint.pending / "grenoble" / f"{entry.id}.yaml").exists()


def test_json_errors_come_per_field_in_french(endpoint):
    answer = endpoint.post("/submit", json={**GOOD_FORM, "title": "", "email": "pas-une-adresse", "phone": ""})
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors["title"] == "écrivez un titre court"
    assert "n'a pas la bonne forme" in errors["email"]
    assert endpoint.pending_files() == []


def test_errors_are_shown_next_to_each_field_and_what_was_typed_is_kept(endpoint):
    typed = {**GOOD_FORM, "description": "Appelez-moi au 06 11 22 33 44 <b>vite</b>", "consent": ""}
    page = endpoint.post("/submit", data=typed)
    assert page.status_code == 400
    assert 'role="alert"' in page.text and 'href="#description"' in page.text
    assert 'aria-describedby="description-aide description-erreur"' in page.text
    assert "contient un numéro de téléphone" in text_of(page.text)
    assert "cochez la case" in text_of(page.text)
    assert "Appelez-moi au 06 11 22 33 44 &lt;b&gt;vite&lt;/b&gt;</textarea>" in page.text  # kept, as text
    assert 'value="Je fais vos courses le samedi"' in page.text
    assert '<option value="38185" selected>' in page.text
    assert endpoint.pending_files() == []


def test_hostile_text_is_accepted_and_shown_as_text(endpoint):
    hostile = {**GOOD_FORM, "title": "<script>alert('x')</script> {{ 7*7 }}", "name": '"><img src=x onerror=alert(1)>'}
    preview = endpoint.post("/submit", data=hostile)
    assert preview.status_code == 200
    assert "<script>alert" not in preview.text and "<img src=x" not in preview.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {{ 7*7 }}" in preview.text
    thanks = endpoint.post("/submit", data={**hostile, "confirm_token": confirm_token(preview.text)})
    assert thanks.status_code == 200
    [entry] = endpoint.pending_entries()
    assert entry.title == "<script>alert('x')</script> {{ 7*7 }}"


def test_emoji_sequences_are_accepted_and_kept_as_typed(endpoint):
    typed = {**GOOD_FORM, "title": "Médecin 👩\u200d⚕\ufe0f à la retraite", "name": "Odile 🏳\ufe0f\u200d🌈"}
    preview = endpoint.post("/submit", data=typed)
    assert preview.status_code == 200
    assert typed["title"] in text_of(preview.text) and typed["name"] in text_of(preview.text)
    answer = endpoint.post("/submit", json=typed)
    assert answer.status_code == 201
    [entry] = endpoint.pending_entries()
    assert (entry.title, entry.name) == (typed["title"], typed["name"])


def test_edit_from_the_preview_brings_the_form_back_filled(endpoint):
    page = endpoint.post("/submit", data={**GOOD_FORM, "edit": "on"})
    assert page.status_code == 200
    assert "Vérifier mon annonce" in page.text and 'value="Odile"' in page.text


def test_a_preview_confirmed_with_different_text_is_shown_again(endpoint):
    preview = endpoint.post("/submit", data=GOOD_FORM)
    changed = {**GOOD_FORM, "title": "Un autre titre", "confirm_token": confirm_token(preview.text)}
    page = endpoint.post("/submit", data=changed)
    assert page.status_code == 400
    assert "a changé depuis l'aperçu" in text_of(page.text)
    assert endpoint.pending_files() == []


def test_confirming_too_fast_shows_the_preview_again_and_writes_nothing(make_endpoint):
    endpoint = make_endpoint(ENTRAIDE_MIN_FILL_SECONDS=30)
    preview = endpoint.post("/submit", data=GOOD_FORM)
    page = endpoint.post("/submit", data={**GOOD_FORM, "confirm_token": confirm_token(preview.text)})
    assert page.status_code == 400
    assert "envoyé trop vite" in text_of(page.text)
    assert confirm_token(page.text) == confirm_token(preview.text)  # waiting a little is enough
    assert endpoint.pending_files() == []


def test_the_same_form_sent_again_is_recognised_without_handing_back_its_key(endpoint, mailbox):
    """Whoever resends an entry's fields (its author, or someone who guessed them) never sees the withdraw key."""
    first = endpoint.post("/submit", json=GOOD_FORM)
    again = endpoint.post("/submit", json=GOOD_FORM)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "already_received"
    assert "withdraw_key" not in again.json() and first.json()["withdraw_key"] not in again.text
    assert "déjà reçue" in again.json()["message"]
    assert len(endpoint.pending_files()) == 1
    confirmation, resent = mailbox.wait(2)
    assert {confirmation["To"], resent["To"]} == {AUTHOR_EMAIL}
    assert "déjà reçue" in resent["Subject"] and first.json()["withdraw_key"] in resent.get_content()

    preview = endpoint.post("/submit", data=GOOD_FORM)
    page = endpoint.post("/submit", data={**GOOD_FORM, "confirm_token": confirm_token(preview.text)})
    assert page.status_code == 200 and "Annonce déjà reçue" in text_of(page.text)
    assert first.json()["withdraw_key"] not in page.text
    assert len(endpoint.pending_files()) == 1


def test_fifty_parallel_sends_of_one_submission_make_one_pending_file(endpoint):
    form = {**GOOD_FORM, "submission_id": "f00dcafe-0000-4000-8000-000000000050"}
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: endpoint.post("/submit", json=form), range(50)))
    assert sorted(a.status_code for a in answers) == [200] * 49 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum("withdraw_key" in a.json() for a in answers) == 1
    assert len(endpoint.pending_files()) == 1
    assert len(endpoint.pending_entries()) == 1


def test_an_unreachable_store_gives_503_retry_after_writes_nothing_and_keeps_the_form(make_endpoint):
    """No database (down, or a network cut): the resident is told to retry and loses nothing already typed."""
    endpoint = make_endpoint(ENTRAIDE_DATABASE_URL=f"postgresql://entraide:x@127.0.0.1:{free_port()}/entraide")
    answer = endpoint.post("/submit", json=GOOD_FORM)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "momentanément indisponible" in answer.json()["message"] and "rien n'a été enregistré" in answer.text

    preview = endpoint.post("/submit", data=GOOD_FORM)
    assert preview.status_code == 200  # checking a form needs no store
    page = endpoint.post("/submit", data={**GOOD_FORM, "confirm_token": confirm_token(preview.text)})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "momentanément indisponible" in text_of(page.text)
    assert "Confirmer et envoyer" in page.text and 'value="Je fais vos courses le samedi"' in page.text
    assert list(endpoint.pending.rglob("*.yaml")) == [] and endpoint.get("/health").status_code == 503


def test_payment_mentions_are_accepted_and_the_preview_reminds_help_is_free(endpoint):
    preview = endpoint.post("/submit", data={**GOOD_FORM, "description": "Courses faites pour 10 € de l'heure."})
    assert preview.status_code == 200
    assert "l'entraide est gratuite" in text_of(preview.text)


def test_the_enhanced_form_gets_a_token_and_must_wait_before_sending(make_endpoint):
    endpoint = make_endpoint(ENTRAIDE_MIN_FILL_SECONDS=5)
    token = endpoint.get("/token", headers={"Origin": SITE})
    assert token.status_code == 200 and token.json()["min_fill_seconds"] == 5
    assert token.headers["Access-Control-Allow-Origin"] == SITE
    too_soon = endpoint.post("/submit", json={**GOOD_FORM, "form_token": token.json()["token"]})
    assert too_soon.status_code == 400 and "trop vite" in too_soon.json()["errors"]["form_token"]
    assert endpoint.post("/submit", json={**GOOD_FORM, "form_token": endpoint.form_token(age=6)}).status_code == 201


def test_a_form_token_files_one_entry_and_does_not_outlive_the_afternoon(make_endpoint):
    """A token was still accepted 23 hours later, and one token could file any number of entries."""
    endpoint = make_endpoint(ENTRAIDE_MIN_FILL_SECONDS=5)
    token = endpoint.form_token(age=6)
    assert endpoint.post("/submit", json={**GOOD_FORM, "form_token": token}).status_code == 201
    retry = endpoint.post("/submit", json={**GOOD_FORM, "form_token": token})  # its answer was lost: a retry
    assert retry.status_code == 200 and retry.json()["status"] == "already_received"
    other = endpoint.post("/submit", json={**GOOD_FORM, "title": "Une autre annonce", "form_token": token})
    assert other.status_code == 400 and "déjà servi" in other.json()["errors"]["form_token"]

    stale = endpoint.post(
        "/submit", json={**GOOD_FORM, "title": "Plus tard", "form_token": endpoint.form_token(23 * 3600)}
    )
    assert stale.status_code == 400 and "trop longtemps" in stale.json()["errors"]["form_token"]
    assert len(endpoint.pending_files()) == 1


def test_cors_preflight_is_answered_for_the_site_only(endpoint):
    allowed = endpoint.session.options(
        endpoint.url + "/submit",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    other = endpoint.session.options(endpoint.url + "/submit", headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and "Access-Control-Allow-Origin" not in other.headers


def test_rate_limits_refuse_a_flood_with_retry_after(make_endpoint):
    endpoint = make_endpoint(ENTRAIDE_RATE_LIMIT_PER_IP=3)
    statuses = [
        endpoint.post("/submit", json={**GOOD_FORM, "title": f"Titre numéro {n}"}).status_code for n in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]
    refused = endpoint.post("/submit", json=GOOD_FORM)
    assert int(refused.headers["Retry-After"]) >= 1 and "Trop d'envois" in refused.json()["message"]
    assert len(endpoint.pending_files()) == 3


def test_health_answers_with_the_store_and_the_queue(endpoint):
    health = endpoint.get("/health").json()
    assert health == {
        "status": "ok",
        "backend": "local",
        "store": "ok",
        "queue": {"waiting": 0, "failed": 0, "oldest_seconds": 0},
    }


def test_pages_are_never_cached_and_run_no_script(endpoint):
    page = endpoint.post("/submit", data=GOOD_FORM)
    assert page.headers["Cache-Control"] == "no-store"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and f"style-src {SITE}" in policy and "script-src" not in policy
