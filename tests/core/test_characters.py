"""Which characters a resident's text may hold: emoji sequences yes, hidden characters no."""

from __future__ import annotations

import pytest

from entraide.characters import has_invisible

ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"

SEEN = {
    "doctor": "Médecin 👩\u200d⚕\ufe0f",
    "doctor-with-skin-tone": "Infirmier 👨\U0001f3fd\u200d⚕\ufe0f",
    "rainbow-flag": "Fierté 🏳\ufe0f\u200d🌈",
    "heart-on-fire": "❤\ufe0f\u200d🔥 merci",
    "two-joiners": "🧑\U0001f3fb\u200d🤝\u200d🧑\U0001f3ff ensemble",
    "subdivision-flag": f"Supporter {ENGLAND}",
    "keycap": "1\ufe0f\u20e3 fois par semaine",
    "text-presentation": "☎\ufe0e le soir",
    "ideographic-variation": "葛\U000e0100飾区",
    "tab-and-line-break": "le soir\tou\nle matin",
    "accents-and-symbols": "Déjà vu — « ça » € ½ 𝔘 \ufffd",
}

HIDDEN = {
    "joiner-between-letters": "Od\u200dile",
    "joiner-after-a-letter": "Odile\u200d⚕",
    "joiner-before-a-letter": "⚕\u200dOdile",
    "joiner-at-the-end": "Odile 👩\u200d",
    "joiner-at-the-start": "\u200d⚕ Odile",
    "selector-at-the-start": "\ufe0fOdile",
    "selector-after-a-space": "Odile \ufe0f",
    "run-of-selectors": "Odile\ufe0f\ufe0e\U000e0101\U000e0142",  # one hidden byte per selector
    "tags-outside-a-flag": "Odile\U000e0069\U000e0067\U000e006e\U000e006f",  # hidden ASCII
    "flag-tags-not-closed": "\U0001f3f4\U000e0067\U000e0062",
    "zero-width-space": "Od\u200bile",
    "zero-width-non-joiner": "Od\u200cile",
    "right-to-left-override": "Odile\u202e",
    "isolate": "Odile\u2066",
    "arabic-letter-mark": "Odile\u061c",
    "word-joiner": "Od\u2060ile",
    "byte-order-mark": "\ufeffOdile",
    "noncharacter": "Odile\ufffe",
    "astral-noncharacter": "Odile\U0001ffff",
    "lone-surrogate": "Odile\ud800",
    "next-line": "Odile\x85",
    "escape": "\x1b[31mOdile",
    "carriage-return": "Odile\r",
}


@pytest.mark.parametrize("text", SEEN.values(), ids=SEEN.keys())
def test_visible_text_and_emoji_sequences_are_kept(text):
    assert not has_invisible(text)


@pytest.mark.parametrize("text", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_characters_are_found(text):
    assert has_invisible(text)


def test_every_unicode_noncharacter_is_hidden():
    noncharacters = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
        chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
    ]
    assert [c for c in noncharacters if has_invisible(f"a{c}b")] == noncharacters
