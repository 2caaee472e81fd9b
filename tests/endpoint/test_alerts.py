"""/alertes: subscribe, confirm by mail (double opt-in), change, unsubscribe; bad input stores and sends nothing."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from entraide.alerts import links
from tests.harness.endpoint import TOKEN_SECRET

ADDRESS = "lea.durand@example.fr"
GRENOBLE = "38185"


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def count(endpoint, table: str) -> int:
    with endpoint.app.store.engine.transaction(write=False) as transaction:
        return transaction.row(f"SELECT COUNT(*) FROM {table}")[0]


def form(**changes) -> list[tuple[str, str]]:
    fields = {"email": ADDRESS, "communes": [GRENOBLE], "categories": ["groceries"], "kinds": [], "frequency": "daily"}
    fields.update(changes)
    listed = {key: [values] if isinstance(values, str) else values for key, values in fields.items()}
    return [(key, value) for key, values in listed.items() for value in values]


def link_in(body: str, path: str) -> str:
    found = re.search(r"http://\S+/" + path + r"\?t=[^\s\"<>]+", body)
    assert found, body
    return found[0]


def local(endpoint, url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint(ENTRAIDE_ENDPOINT_URL="http://formulaires.test")


def test_the_form_is_prefilled_with_the_commune_or_category_of_the_page(endpoint):
    page = endpoint.get("/alertes/?commune=38185&categorie=groceries")
    assert page.status_code == 200
    assert re.search(r'<input type="checkbox" id="communes-38185" name="communes" value="38185" checked>', page.text)
    assert re.search(r'id="categories-groceries" name="categories" value="groceries" checked', page.text)
    assert 'action=""' in page.text and "<script" not in page.text
    assert endpoint.get("/alertes/?commune=<script>").status_code == 200  # an unknown one is just not ticked


def test_subscribing_sends_a_confirmation_and_stores_nothing_in_clear(endpoint, mailbox):
    answer = endpoint.post("/alertes/", data=form())
    assert answer.status_code == 200
    assert "Vérifiez votre boîte aux lettres" in text_of(answer.text)
    [mail] = mailbox.wait(1)
    assert mail["To"] == ADDRESS and "Confirmez votre abonnement" in mail["Subject"]
    body = mail.get_content()
    assert "Communes : Grenoble" in body and "Catégories : Courses" in body
    assert count(endpoint, "alert_pending") == 1 and count(endpoint, "alert_subscriptions") == 0
    confirm = local(endpoint, link_in(body, "alertes/confirmer"))
    assert ADDRESS not in confirm
    page = endpoint.get(confirm)  # opening the link (or a scanner opening it) changes nothing
    assert "Confirmer mon inscription" in text_of(page.text) and count(endpoint, "alert_subscriptions") == 0
    done = endpoint.post(confirm, origin=endpoint.url)
    assert done.status_code == 200 and "Inscription confirmée" in text_of(done.text)
    assert count(endpoint, "alert_subscriptions") == 1 and count(endpoint, "alert_pending") == 0
    assert endpoint.post(confirm, origin=endpoint.url).status_code == 404  # a confirmation link serves once
    stored = (endpoint.root / "entraide.db").read_bytes()
    assert ADDRESS.encode() not in stored and b"lea.durand" not in stored


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "lea.durand@"}, "email", "n'a pas la bonne forme"),
        ({"email": ""}, "email", "indiquez l'adresse e-mail"),
        ({"communes": ["99999"]}, "communes", "commune inconnue : « 99999 »"),
        ({"categories": ["<b>x</b>"]}, "categories", "catégorie inconnue : « <b>x</b> »"),
        ({"frequency": "weekly"}, "frequency", "fréquence inconnue"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_stored_or_sent(endpoint, mailbox, changes, field, message):
    answer = endpoint.post("/alertes", data=form(**changes))
    assert answer.status_code == 400
    assert message in text_of(answer.text)
    assert f'id="{field}-erreur"' in answer.text
    assert "<b>x</b>" not in answer.text  # hostile text shown as text
    assert count(endpoint, "alert_pending") == 0
    assert mailbox.wait(1, timeout=0.5) == []


def test_one_pending_confirmation_per_address(endpoint, mailbox):
    assert endpoint.post("/alertes", data=form()).status_code == 200
    again = endpoint.post("/alertes", data=form(communes=[]))
    assert again.status_code == 409
    assert "Un e-mail de confirmation a déjà été envoyé à cette adresse" in text_of(again.text)
    assert "Rien n'a été renvoyé" in text_of(again.text)
    assert len(mailbox.wait(2, timeout=1)) == 1
    assert count(endpoint, "alert_pending") == 1


def test_an_unconfirmed_address_asked_again_and_again_gets_one_mail(endpoint, mailbox):
    answers = [endpoint.post("/alertes", data=form()).status_code for _ in range(5)]
    assert answers == [200, 409, 409, 429, 429]  # three requests a day per address, whatever the client
    assert len(mailbox.wait(2, timeout=1)) == 1
    assert count(endpoint, "alert_pending") == 1


def test_one_client_asking_for_many_addresses_is_limited(make_endpoint, mailbox):
    endpoint = make_endpoint(ENTRAIDE_ENDPOINT_URL="http://formulaires.test")
    answers = [endpoint.post("/alertes", data=form(email=f"personne{n}@example.fr")).status_code for n in range(12)]
    assert answers == [200] * 10 + [429] * 2  # ten addresses an hour from one client
    assert "Trop de demandes" in text_of(endpoint.post("/alertes", data=form(email="x@example.fr")).text)
    assert len(mailbox.wait(11, timeout=1)) == 10


@pytest.mark.parametrize("path", ["alertes/confirmer", "alertes/desabonner", "alertes/choix"])
def test_a_forged_link_is_refused_and_changes_nothing(endpoint, mailbox, path):
    endpoint.post("/alertes", data=form())
    [mail] = mailbox.wait(1)
    confirm = local(endpoint, link_in(mail.get_content(), "alertes/confirmer"))
    forged = confirm[:-3] + ("AAA" if not confirm.endswith("AAA") else "BBB")
    target = f"/{path}?t=" + forged.split("?t=")[1]
    for answer in (endpoint.get(target), endpoint.post(target, origin=endpoint.url)):
        assert answer.status_code == 400
        assert "Ce lien n'est pas valable" in text_of(answer.text)
    assert count(endpoint, "alert_subscriptions") == 0 and count(endpoint, "alert_pending") == 1


def test_an_expired_confirmation_link_is_refused(endpoint):
    token = links.confirm_token(TOKEN_SECRET.encode(), "abcdef", 1_000_000)
    answer = endpoint.post(f"/alertes/confirmer?t={token}", origin=endpoint.url)
    assert answer.status_code == 400
    assert "Ce lien de confirmation a expiré" in text_of(answer.text)


def test_unsubscribing_an_unknown_subscription_says_so(endpoint):
    token = links.subscription_token(TOKEN_SECRET.encode(), "no-such-subscription")
    answer = endpoint.post(f"/alertes/desabonner?t={token}", data="List-Unsubscribe=One-Click", origin=None)
    assert answer.status_code == 404
    assert "Aucun abonnement ne correspond à ce lien" in text_of(answer.text)


def confirmed(endpoint, mailbox) -> str:
    endpoint.post("/alertes", data=form())
    confirm = local(endpoint, link_in(mailbox.wait(1)[-1].get_content(), "alertes/confirmer"))
    done = endpoint.post(confirm, origin=endpoint.url)
    return local(endpoint, link_in(done.text.replace("&amp;", "&"), "alertes/choix")).split("?t=")[1]


def test_the_signed_link_changes_the_choices_without_the_address(endpoint, mailbox):
    token = confirmed(endpoint, mailbox)
    page = endpoint.get(f"/alertes/choix?t={token}")
    assert page.status_code == 200 and ADDRESS not in page.text
    assert 'value="38185" checked' in page.text
    changed = endpoint.post(
        f"/alertes/choix?t={token}", data=form(communes=["38151"], frequency="hourly")[1:], origin=endpoint.url
    )
    assert changed.status_code == 200 and "Communes : Échirolles" in text_of(changed.text)
    assert "Fréquence : au fil de l'eau" in text_of(changed.text)


def test_one_click_unsubscribe_ends_the_subscription(endpoint, mailbox):
    token = confirmed(endpoint, mailbox)
    answer = endpoint.post(
        f"/alertes/desabonner?t={token}",
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        origin=None,  # a mail provider's request has no Origin
    )
    assert answer.status_code == 200 and "Vous ne recevrez plus aucune alerte" in text_of(answer.text)
    assert count(endpoint, "alert_subscriptions") == 0
    assert endpoint.get(f"/alertes/choix?t={token}").status_code == 404
