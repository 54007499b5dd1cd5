"""Text the user (or an LLM) wrote, made safe to show: on a terminal, in Markdown, as UTF-8.

The stored answer stays as typed; these run on the way in (bytes that are not UTF-8) and on
the way out (control characters, Markdown and HTML syntax).
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 controls (0x80-0x9f): a terminal acts
# on them (ESC starts ANSI and OSC sequences, CSI 0x9b does the same alone).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Markdown's inline syntax, plus the characters that open raw HTML or an entity.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture": ␀, ␛, ...
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """Control characters shown as harmless symbols (ESC as ␛, NUL as ␀); tab and newline kept.

    An escape sequence then prints as text, so nothing the user typed can move the cursor,
    recolour the terminal, set its title or plant a link.
    """
    return _CONTROL.sub(_picture, text)


def valid_unicode(text: str) -> str:
    """Text that encodes as UTF-8: bytes that were not UTF-8 become U+FFFD.

    Python keeps undecodable input bytes as lone surrogates (the surrogateescape handler);
    SQLite, JSON and the terminal cannot take those.
    """
    if not _SURROGATE.search(text):
        return text
    text = _ESCAPED_BYTES.sub(
        lambda m: m.group().encode("utf-8", "surrogateescape").decode("utf-8", "replace"), text)
    return _SURROGATE.sub("\ufffd", text)


def first_surrogate(text: str) -> str | None:
    """The first lone surrogate in text, as '\\udXXX', or None."""
    found = _SURROGATE.search(text)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def markdown_text(text: str) -> str:
    """User text for a Markdown file: shown as typed by any viewer, never run as HTML or a link.

    Control characters become symbols, HTML's `<`, `>` and `&` become entities and Markdown's
    inline syntax (emphasis, code, links, images) is backslash-escaped.
    """
    text = visible(valid_unicode(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
