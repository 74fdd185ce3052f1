"""What the dialogue answers with, for every front end: a ``Reply`` (text, buttons, maybe a file)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Attachment", "Button", "Reply"]


@dataclass(frozen=True)
class Button:
    """An inline choice: what the user sees and what comes back when pressed."""

    label: str
    data: str


@dataclass(frozen=True)
class Attachment:
    """A file to hand to the user: Telegram sends it as a document, the terminal writes it to disk."""

    file_name: str
    content: bytes


@dataclass
class Reply:
    """One message to the user: plain Vietnamese text, optionally with buttons (rows) and a file."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    document: Attachment | None = None
