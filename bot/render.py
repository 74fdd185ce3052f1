"""Plain dialogue text -> Telegram HTML messages.

The dialogue writes plain text; Telegram is sent HTML (``parse_mode="HTML"``),
so every ``&``, ``<`` and ``>`` that comes from users or documents is escaped and
no markup can be injected. Telegram refuses messages longer than 4096
characters (counted after entity parsing, in UTF-16 code units, so an emoji
counts twice) and messages that are empty after trimming whitespace. Long text
is therefore split at paragraph boundaries (blank lines); a paragraph that is
too long on its own is split at line breaks, then at spaces, and only a single
over-long word is cut mid-word.
"""

from __future__ import annotations

import html

from sotay.text import strip_controls

TELEGRAM_TEXT_LIMIT = 4096

# Boundaries to split at, most preferred first.
_SEPARATORS = ("\n\n", "\n", " ")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Non-empty, whitespace-trimmed pieces of ``text``, each at most ``limit`` long.

    Joining the pieces with the separators they were split at gives back
    ``text`` up to whitespace at the split points.
    """
    text = text.strip()
    if telegram_length(text) <= limit:
        return [text] if text else []
    separator = next((sep for sep in _SEPARATORS if sep in text), None)
    if separator is None:
        return _cut_word(text, limit)
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if telegram_length(candidate.strip()) <= limit:
            current = candidate
            continue
        pieces.extend(split_text(current, limit))
        current = part
    pieces.extend(split_text(current, limit))
    return pieces


def _cut_word(word: str, limit: int) -> list[str]:
    """A word longer than ``limit`` cut into pieces, never inside a character."""
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for char in word:
        size = telegram_length(char)
        if current and length + size > limit:
            pieces.append("".join(current))
            current, length = [], 0
        current.append(char)
        length += size
    pieces.append("".join(current))
    return pieces


def to_html_messages(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """``text`` as HTML-escaped Telegram messages, each within ``limit`` once parsed."""
    return [html.escape(piece, quote=False) for piece in split_text(strip_controls(text), limit)]
