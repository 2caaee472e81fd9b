"""GitHub workflow commands: a file name or a resident's text can neither end the command nor start another."""

from __future__ import annotations

from entraide.moderation.annotations import annotation
from entraide.pipeline import WARNING, Finding


def test_properties_and_message_are_escaped_as_the_actions_toolkit_does():
    finding = Finding("sub,missions/a:b%c.yaml", 3, "title", "50 %\r\n::error::faux")

    assert annotation(finding) == (
        "::error file=sub%2Cmissions/a%3Ab%25c.yaml,line=3,title=Entraide %3A title::50 %25%0D%0A::error::faux"
    )


def test_warnings_and_findings_about_a_whole_file():
    assert annotation(Finding("x.yml", 1, "", "renommez-le", WARNING)) == (
        "::warning file=x.yml,line=1,title=Entraide %3A fichier::renommez-le"
    )
