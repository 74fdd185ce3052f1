"""Replies that survive: the journal wired into python-telegram-bot, and the outbox sent in order.

- ``JournalingQueue`` is the application's update queue: PTB's polling loop (before it confirms
  an update to Telegram) and its webhook handler (before answering 200) put each update there,
  and it is recorded in the ``UpdateJournal`` first. An update Telegram delivers again is
  dropped. ``replay`` puts back, at start-up, the updates a killed bot had not finished.
- ``JournaledApplication.process_update`` marks an update finished once every handler is done.
- ``outgoing`` turns a dialogue ``Reply`` into the messages to send (HTML pieces under
  Telegram's limit, the keyboard under the last, then a document), JSON-able for the outbox.
- ``Delivery.deliver`` sends a chat's outbox in order; a message is marked sent when Telegram
  accepts it. A refusal that no retry can change (400, 403 …) is logged and skipped; any
  other failure (left after ``RetryingRequest``'s retries) stops the chat's delivery, keeping
  the rest for the next try (the chat's next update, or the periodic ``redeliver`` job).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    TelegramError,
)
from telegram.ext import Application

from sotay.bot.journal import UpdateJournal
from sotay.bot.render import to_html_messages
from sotay.bot.replies import Button, Reply

log = logging.getLogger(__name__)

# Telegram's verdict on the message itself: sending it again cannot succeed.
PERMANENT = (BadRequest, Forbidden, InvalidToken, ChatMigrated, Conflict, EndPointNotFound)


def outgoing(reply: Reply) -> list[dict]:
    """The messages that carry ``reply``: {"text", "buttons"} per HTML piece, {"document", "file_name"}."""
    pieces = to_html_messages(reply.text)
    messages: list[dict] = [{"text": text} for text in pieces]
    if reply.buttons and messages:
        messages[-1]["buttons"] = [[[b.label, b.data] for b in row] for row in reply.buttons]
    if reply.document is not None:
        messages.append({"document": base64.b64encode(reply.document.content).decode("ascii"),
                         "file_name": reply.document.file_name})
    return messages


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard of ``rows`` (None without buttons)."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


async def send(bot: Bot, chat_id: int, message: dict) -> None:
    """Send one ``outgoing`` message."""
    if "document" in message:
        await bot.send_document(chat_id, base64.b64decode(message["document"]), filename=message["file_name"])
        return
    rows = [[Button(label, data) for label, data in row] for row in message.get("buttons", [])]
    await bot.send_message(chat_id, message["text"], reply_markup=keyboard(rows))


class Delivery:
    """Sends the outbox of the journal; callers hold the chat's lock, so a chat's messages keep their order."""

    def __init__(self, journal: UpdateJournal) -> None:
        self.journal = journal

    async def deliver(self, bot: Bot, chat_id: int) -> bool:
        """Send the chat's undelivered messages, oldest first; whether none is left."""
        for update_id, seq, message in self.journal.undelivered(chat_id):
            try:
                await send(bot, chat_id, message)
            except PERMANENT as exc:
                log.warning("Telegram từ chối tin nhắn %s/%s gửi %s: %s; bỏ qua", update_id, seq, chat_id, exc)
            except TelegramError as exc:
                log.warning("chưa gửi được tin nhắn %s/%s tới %s: %s; sẽ gửi lại", update_id, seq, chat_id, exc)
                return False
            await asyncio.to_thread(self.journal.mark_sent, update_id, seq)  # a commit: off the event loop
        return True


class JournalingQueue(asyncio.Queue):
    """The application's update queue; every ``Update`` put is journaled first, a known one dropped."""

    def __init__(self, journal: UpdateJournal) -> None:
        super().__init__()
        self.journal = journal

    async def put(self, item: object) -> None:
        """Journal ``item`` (an ``Update``) and queue it, unless Telegram delivered it before."""
        if isinstance(item, Update):
            chat = item.effective_chat
            received = await asyncio.to_thread(  # a commit: off the event loop, yet before PTB confirms the update
                self.journal.receive, item.update_id, chat.id if chat else None, item.to_dict())
            if not received:
                log.info("cập nhật %s đã nhận trước đó; bỏ qua", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue again the journaled updates not finished (a previous run was killed); how many.

        A file sent by an administrator is not replayed: adding decisions reports its own
        interrupted work.
        """
        count = 0
        for payload in self.journal.unfinished():
            update = Update.de_json(payload, bot)
            if update.effective_message is not None and update.effective_message.document is not None:
                self.journal.finish(update.update_id)
                continue
            await super().put(update)
            count += 1
        return count


class JournaledApplication(Application):
    """An ``Application`` that marks each update finished in the journal once its handlers are done."""

    def __init__(self, *, journal: UpdateJournal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal

    async def process_update(self, update: object) -> None:
        """See ``Application.process_update``; then the update is finished."""
        await super().process_update(update)
        if isinstance(update, Update):
            await asyncio.to_thread(self.journal.finish, update.update_id)
