"""GitHub Actions workflow commands, so a pull request shows each finding on its file and line.

The escaping follows the Actions toolkit (`@actions/core` command.ts): `%`, CR and LF in the message,
and also `:` and `,` in properties, since a resident's text or a file name must not end the command
or inject another one.
"""

from __future__ import annotations

from entraide.moderation.checks import ERROR, Finding


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::error file=…,line=…,title=…::message` (or `::warning`) for one finding."""
    command = "error" if finding.severity == ERROR else "warning"
    title = f"Entraide : {finding.key}" if finding.key else "Entraide : fichier"
    properties = ",".join(f"{name}={escape_property(value)}"
                          for name, value in (("file", finding.path), ("line", str(finding.line)), ("title", title)))
    return f"::{command} {properties}::{escape_data(finding.message)}"
