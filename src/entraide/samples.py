"""A deterministic generator of fictional entries (no real people), for the demo site and benchmarks.

The same `seed` and `count` always give the same entries, spread over every commune (weighted by
population), category and kind. Their `contact` is an opaque placeholder in the sealed format that no
key opens: there is nobody behind a sample entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

from entraide.categories import load_categories
from entraide.communes import load_communes
from entraide.entries import Entry, write_entry
from entraide.sealing import V1_PREFIX

NAMES = (
    "Léa",
    "Mohamed",
    "Camille",
    "Jean-Pierre",
    "Fatima",
    "Lucas",
    "Chantal",
    "Yanis",
    "Odile",
    "Nadia",
    "Hugo",
    "Amélie",
    "Karim",
    "Bernadette",
    "Théo",
    "Inès",
    "Gérard",
    "Sofia",
    "Paul",
    "Aïcha",
    "Manon",
    "Rémi",
    "Josiane",
    "Anh",
    "Élodie",
    "Marco",
    "Zoé",
    "Samir",
    "Colette",
    "Lina",
)

TEXTS = {
    ("groceries", "offer"): [
        (
            "Je fais vos courses le samedi",
            "Je passe au supermarché chaque samedi matin et peux prendre vos courses "
            "en même temps. Je dépose le sac devant votre porte, sans contact.",
        ),
        (
            "Courses et pharmacie en vélo",
            "J'ai un vélo cargo et du temps libre en semaine. Je peux aller chercher "
            "vos médicaments à la pharmacie ou quelques courses au marché.",
        ),
    ],
    ("groceries", "request"): [
        (
            "Besoin d'aide pour les courses",
            "Je ne peux plus sortir depuis mon opération. J'aurais besoin que "
            "quelqu'un m'apporte quelques courses une fois par semaine. Je rembourse le ticket de caisse.",
        ),
        (
            "Pharmacie pour ma mère",
            "Ma mère âgée vit seule et je suis loin. Quelqu'un pourrait-il passer prendre "
            "son ordonnance à la pharmacie du quartier ?",
        ),
    ],
    ("homework", "offer"): [
        (
            "Aide aux devoirs en maths",
            "Enseignante à la retraite, j'aide volontiers les collégiens en "
            "mathématiques et en français, par téléphone ou en visio.",
        ),
        (
            "Soutien en anglais",
            "Étudiant en langues, je propose un coup de main en anglais pour les lycéens, "
            "à distance, en fin d'après-midi.",
        ),
    ],
    ("homework", "request"): [
        (
            "Mon fils bloque en CM2",
            "Mon fils a du mal avec les fractions et je ne sais pas comment l'aider. "
            "Une heure par semaine à distance nous aiderait beaucoup.",
        ),
        ("Aide pour le français", "Je cherche quelqu'un de patient pour aider ma fille de 6e à relire ses rédactions."),
    ],
    ("conversation", "offer"): [
        (
            "Un appel pour papoter",
            "J'aime discuter et j'ai du temps. Je peux appeler une personne seule une ou "
            "deux fois par semaine pour prendre des nouvelles.",
        ),
        (
            "Lecture au téléphone",
            "Je propose de lire le journal ou un roman au téléphone aux personnes qui ne voient plus bien.",
        ),
    ],
    ("conversation", "request"): [
        (
            "Envie de parler un peu",
            "Je vis seule depuis le décès de mon mari et les journées sont longues. Un "
            "coup de fil de temps en temps me ferait du bien.",
        ),
        (
            "Conversation pour mon père",
            "Mon père de 88 ans s'ennuie beaucoup. Il adore parler de montagne et de football.",
        ),
    ],
    ("other", "offer"): [
        (
            "J'imprime vos attestations",
            "J'ai une imprimante à la maison. Je peux imprimer vos attestations ou "
            "formulaires et les déposer dans votre boîte aux lettres.",
        ),
        (
            "Dépannage informatique",
            "Je peux vous aider à installer une application de visio ou à régler un "
            "problème d'ordinateur, par téléphone.",
        ),
    ],
    ("other", "request"): [
        (
            "Aide pour un formulaire en ligne",
            "Je n'arrive pas à remplir un dossier sur internet. J'aurais besoin que quelqu'un me guide par téléphone.",
        ),
        (
            "Promener mon chien",
            "Je suis immobilisée pour quelques semaines. Quelqu'un pourrait-il sortir mon "
            "chien le soir dans le quartier ?",
        ),
    ],
}

# The shipped demo set lives ten years so that a fresh clone always shows a lively site;
# `make remove-samples` takes it out before a real deployment.
SHIPPED_COUNT = 300
SHIPPED_LIFETIME_DAYS = 3650

# Sentences around each text, so that sample entries read differently (and do not all look like duplicates).
OPENERS = (
    "Bonjour !",
    "Bonjour à tous !",
    "Bonsoir !",
    "Salut les voisins !",
    "Bonjour à mes voisins !",
    "Bonjour, j'habite le quartier depuis longtemps.",
    "Bonjour, je suis nouvelle dans le quartier.",
    "Bonjour, je suis retraité.",
    "Bonjour, je travaille à mi-temps.",
    "Bonjour, je suis étudiante.",
    "Coucou !",
    "Bonjour, je suis maman de deux enfants.",
)
CLOSERS = (
    "Merci d'avance !",
    "À bientôt.",
    "Merci beaucoup.",
    "Bonne journée à tous.",
    "Prenez soin de vous.",
    "N'hésitez pas.",
    "Au plaisir.",
    "Merci pour votre gentillesse.",
    "Belle journée !",
    "Je réponds vite.",
    "Merci, c'est précieux.",
    "On s'organise ensemble.",
    "Courage à tous.",
)

AVAILABILITIES = ("", "Le week-end", "En semaine après 18 h", "Le matin", "Tous les jours sauf le dimanche")


def generate(
    count: int,
    *,
    seed: int = 2020,
    start: dt.date = dt.date(2026, 11, 1),
    lifetime_days: int = 30,
) -> Iterator[Entry]:
    """`count` fictional entries created over the 30 days from `start`, each living `lifetime_days`."""
    rng = random.Random(seed)  # noqa: S311 - fictional data, reproducible on purpose
    communes = load_communes().all
    weights = [c.population for c in communes]
    categories = [c.key for c in load_categories()]
    for number in range(count):
        commune = rng.choices(communes, weights)[0]
        category = rng.choice(categories)
        kind = "request" if rng.random() < 0.35 else "offer"
        title, text = rng.choice(TEXTS[category, kind])
        description = f"{OPENERS[number % len(OPENERS)]} {text} {CLOSERS[number % len(CLOSERS)]}"
        created = dt.datetime.combine(start, dt.time(8), dt.timezone(dt.timedelta(hours=1))) + dt.timedelta(
            minutes=rng.randrange(30 * 24 * 60)
        )
        yield Entry(
            id=f"exemple-{seed}-{number:06d}",
            kind=kind,
            category=category,
            commune=commune.code,
            title=title,
            description=description,
            name=rng.choice(NAMES),
            availability=rng.choice(AVAILABILITIES),
            created=created.isoformat(timespec="seconds"),
            expires=(created.date() + dt.timedelta(days=lifetime_days)).isoformat(),
            contact=_placeholder_contact(seed, number),
        )


def _placeholder_contact(seed: int, number: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=48).hexdigest()
    return f"{V1_PREFIX}{digest[:24]}:exemple-sans-contact-{digest[24:]}"


def write_samples(root: Path, count: int, **options: object) -> int:
    written = 0
    for entry in generate(count, **options):  # type: ignore[arg-type]
        write_entry(root, entry)
        written += 1
    return written


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write fictional sample entries (no real people).")
    parser.add_argument("folder", type=Path, help="where to write them, laid out like submissions/")
    parser.add_argument("--count", type=int, default=SHIPPED_COUNT)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--lifetime-days", type=int, default=SHIPPED_LIFETIME_DAYS)
    args = parser.parse_args()
    written = write_samples(args.folder, args.count, seed=args.seed, lifetime_days=args.lifetime_days)
    print(f"{written} fictional entries written to {args.folder}/")


if __name__ == "__main__":
    main()
