import pytest

from entraide.rules import contact_problems, payment_flags


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Appelez-moi au 06 12 34 56 78", "un numéro de téléphone"),
        ("tél. 06.12.34.56.78 le soir", "un numéro de téléphone"),
        ("joignable au 0612345678", "un numéro de téléphone"),
        ("+33 6 12 34 56 78", "un numéro de téléphone"),
        ("0033 (0)4 76 12 34 56", "un numéro de téléphone"),
        ("écrivez à jean.dupont@example.fr", "une adresse e-mail"),
        ("jean.dupont arobase example.fr", "une adresse e-mail"),
        ("JEAN (AT) EXAMPLE.FR", "une adresse e-mail"),
        ("0033 6 12 34 56 78", "un numéro de téléphone"),
        ("voir https://exemple.org/annonce", "un lien"),
        ("sur www.monsite.fr", "un lien"),
        ("mon profil sur facebook.com/jean", "un lien"),
    ],
)
def test_contact_details_in_public_text_are_refused_with_what_was_found(text, what):
    problems = contact_problems({"description": f"Bonjour, {text}, merci."})
    assert [p.key for p in problems] == ["description"]
    assert what in problems[0].message
    assert "e-mail" in problems[0].message and "téléphone" in problems[0].message


def test_an_email_is_not_reported_twice_as_a_link():
    assert "lien" not in contact_problems({"title": "a@b.fr"})[0].message


@pytest.mark.parametrize(
    "text",
    [
        "J'habite 38000 Grenoble, dispo de 10h à 12h le 12/03/2026",
        "Deux fois par semaine, entre 14 et 16 h, au 3 rue des Alpes",
        "J'ai 2 enfants de 8 et 11 ans, etc. Merci !",
        "Classe de 6e, collège n° 38 185",
    ],
)
def test_ordinary_numbers_and_times_are_not_taken_for_contacts(text):
    assert contact_problems({"description": text, "title": text[:80], "availability": text[:200]}) == []


@pytest.mark.parametrize(
    "text",
    [
        "Cours de maths 15 € de l'heure",
        "20 euros/h",
        "service payant",
        "aide rémunérée",
        "tarif : à discuter",
        "petite participation financière",
        "paiement en CESU accepté",
        "10€/heure",
        "SERVICE PAYANT",
        "contre un petit billet",
        "5eur la séance",
    ],
)
def test_payment_mentions_are_flagged_with_the_words_that_triggered_them(text):
    flags = payment_flags({"description": f"Bonjour. {text}. À bientôt."})
    assert [(f.code, f.key) for f in flags] == [("payment", "description")]
    assert text.split()[0] in flags[0].excerpt


@pytest.mark.parametrize("text", ["Je vous rembourse le ticket de caisse", "Gratuit, bien sûr", "Je paie d'un sourire"])
def test_free_help_is_not_flagged(text):
    assert payment_flags({"description": text}) == []
