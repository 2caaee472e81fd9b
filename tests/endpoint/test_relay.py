"""POST /contact, /withdraw, /report: the mails the author and the moderators receive, read from a real SMTP server."""

from __future__ import annotations

import html
import json
import re

from entraide.endpoint import routes
from entraide.pipeline import load_entries
from tests.harness.endpoint import (
    AUTHOR_EMAIL,
    GOOD_FORM,
    PHONE_ONLY_AUTHOR,
    THIRTEEN,
    VISITOR_EMAIL,
    approved_entry,
)
from tests.harness.ports import free_port

HOSTILE = "Bonjour <script>alert('x')</script> {{ config }} & merci \"beaucoup\""


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_visitor_writes_to_the_author_who_can_answer_by_replying(endpoint, mailbox):
    entry = approved_entry(endpoint).entry
    page = endpoint.post(
        "/contact",
        data={"entry": entry.id, "message": HOSTILE, "name": "Sam", "email": VISITOR_EMAIL, "phone": "", "website": ""},
    )
    assert page.status_code == 200
    assert "Votre message a été transmis à Odile" in text_of(page.text)
    assert AUTHOR_EMAIL not in page.text and "06 12" not in page.text  # the visitor never learns the contact

    [mail] = mailbox.wait(1)
    assert mail["To"] == AUTHOR_EMAIL
    assert mail["Reply-To"] == VISITOR_EMAIL
    assert mail.get_content_type() == "text/plain"
    body = mail.get_content()
    assert "Sam vous écrit à propos de votre annonce" in body
    assert "> " + HOSTILE in body  # hostile text kept as text, quoted as typed
    assert "répondez à cet e-mail" in body
    delay, counted = endpoint.app.store.first_messages.median_delay()
    assert counted == 1 and 0 <= delay < 120, "the first message's time is kept for the statistics"
    endpoint.post(
        "/contact", data={"entry": entry.id, "message": "Un second message.", "name": "Al", "phone": "0601020304"}
    )
    assert endpoint.app.store.first_messages.median_delay() == (delay, 1), "only the first message counts"


def test_a_phone_only_author_is_reached_through_the_moderators(endpoint, mailbox):
    entry = approved_entry(endpoint, email="", phone=PHONE_ONLY_AUTHOR).entry
    answer = endpoint.post(
        "/contact",
        json={"entry": entry.id, "message": "Je peux vous aider mardi.", "name": "Sam", "phone": "06 01 02 03 04"},
    )
    assert answer.status_code == 200
    assert PHONE_ONLY_AUTHOR not in answer.text

    [mail] = mailbox.wait(1)
    assert mail["To"] == "moderation@metropole.test"
    assert mail["Reply-To"] is None
    body = mail.get_content()
    assert PHONE_ONLY_AUTHOR in body and "Merci de l'appeler" in body
    assert "appelez Sam au 06 01 02 03 04" in body


def test_the_author_withdraws_with_the_key_and_the_file_is_gone(endpoint):
    result = approved_entry(endpoint)
    answer = endpoint.post("/withdraw", data={"entry": result.entry.id, "key": result.withdraw_key})
    assert answer.status_code == 200
    assert "Votre annonce « Je fais vos courses le samedi » est retirée" in text_of(answer.text)
    assert load_entries(endpoint.config.submissions_path) == []
    [record] = (endpoint.root / "reports" / "withdrawals.jsonl").read_text().splitlines()
    assert json.loads(record)["entry"] == result.entry.id


def test_a_pending_entry_can_be_withdrawn_too(endpoint):
    sent = endpoint.post("/submit", json=GOOD_FORM).json()
    answer = endpoint.post("/withdraw", json={"entry": sent["id"], "key": sent["withdraw_key"]})
    assert answer.status_code == 200 and "retirée" in answer.json()["message"]
    assert endpoint.pending_files() == []


def test_a_report_reaches_the_moderators_and_is_recorded(endpoint, mailbox):
    entry = approved_entry(endpoint).entry
    answer = endpoint.post("/report", data={"entry": entry.id, "reason": "Demande 20 € <b>par heure</b>"})
    assert answer.status_code == 200
    assert "transmis aux modérateurs" in text_of(answer.text)
    [mail] = mailbox.wait(1)
    assert mail["To"] == "moderation@metropole.test"
    assert f"Signalement de l'annonce {entry.id}" == mail["Subject"]
    assert "> Demande 20 € <b>par heure</b>" in mail.get_content()
    [record] = (endpoint.root / "reports" / "reports.jsonl").read_text().splitlines()
    assert json.loads(record)["reason"] == "Demande 20 € <b>par heure</b>"


def test_a_wrong_key_shows_the_form_again_with_the_error_next_to_the_key(endpoint):
    entry = approved_entry(endpoint).entry
    page = endpoint.post("/withdraw", data={"entry": entry.id, "key": "mauvaise"})
    assert page.status_code == 403
    assert 'aria-describedby="key-aide key-erreur"' in page.text and 'aria-invalid="true"' in page.text
    assert f'value="{entry.id}"' in page.text and 'value="mauvaise"' in page.text
    assert len(load_entries(endpoint.config.submissions_path)) == 1


def test_when_the_mail_server_is_down_the_visitor_is_asked_to_retry_and_keeps_the_message(make_endpoint, mailbox):
    endpoint = make_endpoint(ENTRAIDE_SMTP_PORT=free_port(), ENTRAIDE_SMTP_TIMEOUT_SECONDS=1)
    entry = approved_entry(endpoint).entry
    page = endpoint.post(
        "/contact",
        data={"entry": entry.id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": VISITOR_EMAIL},
    )
    assert page.status_code == 503 and page.headers["Retry-After"] == "300"
    assert "réessayez dans quelques minutes" in text_of(page.text)
    assert "Bonjour, je peux aider.</textarea>" in page.text


def test_a_sample_entry_without_a_real_contact_says_so_and_sends_nothing(endpoint, mailbox):
    from entraide.entries import write_entry
    from entraide.samples import generate

    [sample] = generate(1)
    write_entry(endpoint.config.submissions_path, sample)
    page = endpoint.post(
        "/contact",
        data={"entry": sample.id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": VISITOR_EMAIL},
    )
    assert page.status_code == 409
    assert "c'est une annonce d'exemple" in text_of(page.text)
    assert "Bonjour, je peux aider.</textarea>" in page.text
    assert mailbox.messages == []


def test_the_relay_never_mails_the_author_of_an_entry_no_moderator_has_approved(endpoint, mailbox):
    """The attack: file an entry with a victim's address, then 'contact' it while it waits for moderators."""
    victim = "victime@example.fr"
    filed = endpoint.post("/submit", json={**GOOD_FORM, "email": victim}).json()
    assert len(mailbox.wait(1)) == 1  # the confirmation, the one mail such an entry can bring

    for _ in range(3):
        answer = endpoint.post(
            "/contact",
            json={
                "entry": filed["id"],
                "message": "Un message que personne n'a relu.",
                "name": "X",
                "email": VISITOR_EMAIL,
            },
        )
        assert answer.status_code == 404
        assert "Aucune annonce ne porte ce numéro" in answer.json()["message"]
    assert [m["To"] for m in mailbox.wait(2, timeout=1.0)] == [victim]


def test_the_relay_serves_no_entry_the_build_would_refuse(endpoint, mailbox):
    """Merged without CI, a phone number in its text: the site refuses to build with it, the relay ignores it."""
    import dataclasses

    from entraide.entries import write_entry

    entry = approved_entry(endpoint).entry
    phoned = dataclasses.replace(entry, description="Appelez-moi au 06 12 34 56 78 le soir.")
    write_entry(endpoint.config.submissions_path, phoned)
    answer = endpoint.post(
        "/contact",
        json={"entry": entry.id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": VISITOR_EMAIL},
    )
    assert answer.status_code == 404
    assert "Aucune annonce ne porte ce numéro" in answer.json()["message"]
    assert mailbox.wait(1, timeout=1.0) == []


def test_a_relayed_message_carries_no_link_nor_anyone_s_contact_details(endpoint, mailbox):
    entry = approved_entry(endpoint).entry
    for message in (
        "Voyez mon offre sur https://arnaque.example/paiement avant demain.",
        "Appelez plutôt ma voisine au 06 11 22 33 44, elle vous aidera.",
        "Écrivez à quelquun@example.org pour les détails.",
    ):
        answer = endpoint.post(
            "/contact", json={"entry": entry.id, "message": message, "name": "Sam", "email": VISITOR_EMAIL}
        )
        assert answer.status_code == 400
        assert "retirez-les" in answer.json()["errors"]["message"]
    assert mailbox.wait(1, timeout=1.0) == []


def test_an_author_address_sealed_before_the_stricter_check_gets_no_mail_and_no_500(endpoint, mailbox, caplog):
    import dataclasses

    from entraide.entries import write_entry
    from entraide.sealing import Contact

    entry = approved_entry(endpoint).entry
    old = dataclasses.replace(entry, contact=endpoint.keys.seal(Contact(email=THIRTEEN)))
    write_entry(endpoint.config.submissions_path, old)
    page = endpoint.post(
        "/contact",
        data={"entry": entry.id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": VISITOR_EMAIL},
    )
    assert page.status_code == 503 and "Bonjour, je peux aider.</textarea>" in page.text
    assert mailbox.messages == []
    assert "not one plain address" in caplog.text and "x.fr" not in caplog.text


def test_an_author_gets_a_bounded_number_of_relayed_mails_whoever_writes(endpoint, mailbox):
    """Each visitor within the per-IP limit, yet together they flooded one author: now each entry has its own limit."""
    entry = approved_entry(endpoint).entry
    answers = [
        endpoint.post(
            "/contact",
            json={
                "entry": entry.id,
                "message": f"Bonjour, je peux aider, message {n}.",
                "name": "Sam",
                "email": VISITOR_EMAIL,
            },
        )
        for n in range(routes.RELAY_PER_ENTRY_PER_HOUR + 2)
    ]
    assert [a.status_code for a in answers].count(200) == routes.RELAY_PER_ENTRY_PER_HOUR
    assert answers[-1].status_code == 429 and "n'a pas été envoyé" in answers[-1].json()["message"]
    assert len(mailbox.wait(routes.RELAY_PER_ENTRY_PER_HOUR + 1, timeout=2.0)) == routes.RELAY_PER_ENTRY_PER_HOUR
