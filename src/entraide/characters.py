"""Characters a resident's text may hold: what people see, emoji included, never a hidden or broken character.

Refused wherever they stand: control characters (tab and line breaks aside), zero-width spaces and
non-joiners, bidirectional marks, embeddings, overrides and isolates, invisible operators, the byte order
mark, lone surrogates and Unicode's 66 non-characters (U+FFFE in a title once made the Atom feeds invalid XML).

Refused unless they belong to an emoji: the zero-width joiner (👩‍⚕️ is 👩, a joiner, ⚕ and a variation
selector), variation selectors (one, after a visible character) and tag characters (only inside a
subdivision flag, 🏴 followed by tags). Elsewhere they show nothing, and a run of them can carry a
whole hidden message.
"""

from __future__ import annotations

import re
import unicodedata

NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff" + NONCHARACTERS + "]"
)
JOINER = "\u200d"
_EMOJI_GLUE = re.compile("[\u200d\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SUBDIVISION_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_EMOJI_STYLE = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")  # text/emoji presentation, skin tones


def has_invisible(text: str) -> bool:
    """Whether `text` holds a character nobody would see, or one that breaks text formats."""
    return _INVISIBLE.search(text) is not None or _has_stray_glue(text)


def _has_stray_glue(text: str) -> bool:
    if _EMOJI_GLUE.search(text) is None:
        return False
    text = _SUBDIVISION_FLAG.sub("\U0001f3f4", text)
    return any(_is_stray(text, index) for index, char in enumerate(text) if _EMOJI_GLUE.match(char))


def _is_stray(text: str, index: int) -> bool:
    char = text[index]
    if char == JOINER:  # between two pictographs, such as 👩 and ⚕ (after its skin tone or selector)
        return not (_is_pictograph(_base_before(text, index)) and _is_pictograph(text[index + 1 : index + 2]))
    if _SELECTORS.match(char):
        before = text[index - 1 : index] if index else ""
        return not before or before.isspace() or _EMOJI_GLUE.match(before) is not None
    return True  # a tag character outside a subdivision flag


def _base_before(text: str, index: int) -> str:
    index -= 1
    while index >= 0 and _EMOJI_STYLE.match(text[index]):
        index -= 1
    return text[index] if index >= 0 else ""


def _is_pictograph(char: str) -> bool:
    """Every character joined in Unicode's emoji ZWJ sequences is a symbol (So); letters never are."""
    return bool(char) and unicodedata.category(char) == "So"
