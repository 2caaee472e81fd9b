"""What a resident does in Chromium on a built site, shared by the browser tests and the journeys: fill in the
offer form, open the map on a commune."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

COMMUNES = 49


@dataclass(frozen=True)
class Offer:
    """What a resident types into /proposer/."""

    title: str
    description: str = "Je promène votre chien le soir après le travail, dans le quartier, par tous les temps."
    name: str = "Bérénice"
    email: str = "berenice.offre@example.test"
    category: str = "Divers"  # the label the resident picks
    commune: str = "Échirolles"


def fill_offer(page: Any, offer: Offer) -> None:
    page.get_by_label(offer.category, exact=True).check()
    communes = page.get_by_label("Votre commune")
    option = communes.locator("option").filter(has_text=re.compile(rf"^{re.escape(offer.commune)}\b"))
    communes.select_option(option.first.get_attribute("value"))
    page.get_by_label("Titre de l'annonce").fill(offer.title)
    page.get_by_label("Description").fill(offer.description)
    page.get_by_label("Prénom ou pseudonyme").fill(offer.name)
    page.get_by_label("Adresse e-mail").fill(offer.email)
    page.get_by_label("J'accepte").check()


def open_map(page: Any, site: Any, commune: str | None = None) -> None:
    """/carte/ with every commune drawn; on `commune` (a slug) when given, its entries listed."""
    page.goto(site.url + "/carte/")
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(COMMUNES - 1).wait_for()
    if commune:
        page.get_by_label("Aller à une commune").select_option(commune)
        page.get_by_role("button", name="Afficher sur la carte").click()
        settle(page)


def settle(page: Any) -> None:
    """Wait for the commune's entries to be listed and the zoom animation to end, as a person would."""
    page.locator("#map-list li").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('#map.leaflet-zoom-anim')")
