"""The CODEOWNERS file routing each commune's folder to its moderators, written from the communes data.

GitHub asks the listed teams to review every pull request touching their paths; with branch protection
("Require review from Code Owners"), one of them must approve before merging. The last matching line wins,
so general rules come first and each commune's folder after them.
"""

from __future__ import annotations

from entraide.communes import load_communes

PLACEHOLDER_ORGANISATION = "organisation-a-remplacer"


def codeowners(organisation: str = PLACEHOLDER_ORGANISATION, submissions: str = "submissions") -> str:
    team = f"@{organisation}"
    lines = [
        "# Qui relit quoi (https://docs.github.com/fr/repositories/managing-your-repositorys-settings-and-features/"
        "customizing-your-repository/about-code-owners).",
        "# Fichier produit par « entraide codeowners --organisation NOM » : régénérez-le plutôt que de le modifier.",
    ]
    if organisation == PLACEHOLDER_ORGANISATION:
        lines.append(
            f"# ATTENTION : « {PLACEHOLDER_ORGANISATION} » et les noms d'équipes sont des EXEMPLES à "
            "remplacer par ceux de votre organisation GitHub."
        )
    lines += [
        "",
        "# Par défaut (code, configuration, workflows) : l'équipe informatique.",
        f"*  {team}/equipe-informatique",
        "",
        "# Chaque dossier de commune : l'équipe de modération de la commune, et l'équipe de modération de la",
        "# Métropole en renfort (l'approbation d'une seule des deux suffit).",
        f"/{submissions}/  {team}/moderation",
    ]
    lines += [f"/{submissions}/{c.slug}/  {team}/moderation-{c.slug}  {team}/moderation" for c in load_communes()]
    lines += [
        "",
        "# Les workflows déploient le site : seule l'équipe informatique les modifie.",
        f"/.github/  {team}/equipe-informatique",
    ]
    return "\n".join(lines) + "\n"
