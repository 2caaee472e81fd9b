"""GitHub Actions workflow commands, so a pull request shows each finding on its file and line.

The escaping follows the Actions toolkit (`@actions/core` command.ts): `%`, CR and LF in the message,
and also `:` and `,` in properties, since a resident's text or a file name must not end the command
or inject another one.
"""

from __future__ import annotations

import html

from entraide.pipeline import ERROR, Finding


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::error file=…,line=…,title=…::message` (or `::warning`) for one finding."""
    command = "error" if finding.severity == ERROR else "warning"
    title = f"Entraide : {finding.key}" if finding.key else "Entraide : fichier"
    properties = ",".join(
        f"{name}={escape_property(value)}"
        for name, value in (("file", finding.path), ("line", str(finding.line)), ("title", title))
    )
    return f"::{command} {properties}::{escape_data(finding.message)}"


SUMMARY_ROWS = 200


def step_summary(findings: list[Finding], checked: int) -> str:
    """A Markdown table for the run's summary page: GitHub shows only the first annotations of a step."""
    errors = sum(1 for f in findings if f.severity == ERROR)
    lines = [
        f"### Vérification des annonces : {checked} fichier(s), {errors} erreur(s), "
        f"{len(findings) - errors} avertissement(s)",
        "",
    ]
    if findings:
        lines += ["| | Fichier | Ligne | Clé | Message |", "|---|---|---|---|---|"]
        lines += [
            f"| {'❌' if f.severity == ERROR else '⚠️'} | {_cell(f.path)} | {f.line} | {_cell(f.key)} | "
            f"{_cell(f.message)} |"
            for f in findings[:SUMMARY_ROWS]
        ]
        if len(findings) > SUMMARY_ROWS:
            lines.append(f"\n… et {len(findings) - SUMMARY_ROWS} autres : lancez « entraide check » pour tout voir.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Residents' words stay text in Markdown: no HTML, no table break, no link or emphasis syntax."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return "".join("\\" + ch if ch in "|[]()*_`~#!\\" else ch for ch in escaped)
