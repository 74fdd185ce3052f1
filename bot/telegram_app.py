"""The Telegram front end: python-telegram-bot handlers around one ``Dialogue``.

The dialogue owns every decision about what to answer; this module only moves
messages between Telegram and it:

- text (commands included) goes to ``Dialogue.handle(chat_id, text)``, button
  presses (callback queries) to ``Dialogue.press(chat_id, data)``; each reply
  is sent HTML-escaped and split under Telegram's length limit
  (``render.to_html_messages``), its buttons as an inline keyboard under the
  last part; a pressed keyboard is removed so it is not pressed twice;
  stickers, photos and other non-text messages get a "text only" notice;
- dialogue calls run in a thread pool, so a slow search never blocks other
  chats; updates are processed concurrently, but one chat's updates are handled
  one at a time and in order (a per-chat lock), so its state is never raced;
- a "typing…" action is shown while the dialogue works for longer than ``TYPING_DELAY``, at
  most once per ``TYPING_REFRESH_SECONDS`` per chat (a burst of one chat's messages shares one);
- replies survive failures (``delivery.py``, ``journal.py``): every update is journaled in
  the state file before Telegram is told it arrived; the dialogue's replies are recorded
  with the state change that produced them and sent from that outbox, in chat order; API
  calls are retried on network errors, 5xx and garbled answers (``RetryingRequest``); what
  is still unsent is sent again every ``REDELIVER_SECONDS``; after a crash the unfinished
  updates are handled again (an answered one only gets its unsent messages);
- a button press on a keyboard that is not the chat's current step is refused by the
  dialogue; a pressed keyboard is retired unless the press was another group member's;
- private chats are served fully; in groups the bot answers only commands and
  replies to its own messages (what Telegram delivers to a bot in privacy
  mode), so it never answers the group's ordinary conversation;
- with an allowlist, any other chat gets one polite refusal per process run
  and no content;
- a file (.docx, .pdf, .txt, .md) sent by an administrator (``SOTAY_ADMINS``)
  is checked by name and declared size before it is downloaded, then added to
  the corpus and the index (``Services.add_decisions``: a worker process with
  limits, holding neither the search lock nor the chat's lock, so every chat,
  the administrator's included, is answered from the live index meanwhile) and
  summarised; a file from anyone else gets a polite refusal and is never
  downloaded; a rejected file leaves the corpus and the index as they were;
  the add is recorded in the state file (``PendingAdds``) until its outcome is
  sent, so after a restart the administrator is told whether it was added
  (completed from its journal) or interrupted (nothing changed);
- a reply carrying a file (/baocao: the chat's register as .xlsx) is sent as a
  document (sendDocument) after its text;
- reminders: the JobQueue runs ``remind`` at 08:00 Asia/Ho_Chi_Minh every day and
  once at start-up (a restart after 08:00 catches up); on a working day (no
  weekend, no Vietnamese day off) each chat with reminders on (``/nhac``) and
  projects overdue, due today or within 7 days gets one message; the day sent is
  stored per chat, so a restart neither loses nor repeats a day's reminder. The
  clock is ``BotSettings.now`` (``SOTAY_NOW`` in tests);
- an error in the dialogue is logged and the user gets a short apology instead of its
  replies (a failure to send is not an error: the reply waits in the outbox); the bot
  keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import logging
import secrets
import sys
import tempfile
import threading
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from weakref import WeakValueDictionary

from telegram import (
    BotCommand,
    Document,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from sotay.bot.delivery import Delivery, JournaledApplication, JournalingQueue, outgoing, send
from sotay.bot.dialogue import Dialogue, Reply
from sotay.bot.journal import UpdateJournal
from sotay.bot.pending_adds import PendingAdds
from sotay.bot.register_flow import RegisterFlow
from sotay.bot.reminders import SEND_AT, ReminderStore, due_messages, reminder_day, vietnam_now
from sotay.bot.retrying_request import DEFAULT_BUDGET, RetryingRequest
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.index.add_worker import WorkerError, stop_running
from sotay.index.corpus_admin import AddedDecision
from sotay.index.ingest.formats import IngestError
from sotay.index.search.journal import new_txn
from sotay.rules.register import default_path

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"

# Shown in Telegram's command menu (setMyCommands); the dialogue implements them.
COMMANDS = [
    BotCommand("start", "Bắt đầu, xem trợ lý làm được gì"),
    BotCommand("hoi", "Hỏi về nội dung các quyết định (kèm trích dẫn)"),
    BotCommand("ai", "Cơ quan nào chịu trách nhiệm việc gì"),
    BotCommand("thuhoi", "Tính số vốn hỗ trợ phải thu hồi, từng bước"),
    BotCommand("duan", "Sổ theo dõi: các dự án, hạn thu hồi, ghi nhận đã nộp"),
    BotCommand("baocao", "Tải sổ theo dõi dạng Excel"),
    BotCommand("nhac", "Bật/tắt nhắc hạn hằng ngày: /nhac bat, /nhac tat"),
    BotCommand("huy", "Hủy việc đang làm"),
    BotCommand("help", "Hướng dẫn sử dụng"),
]
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

REFUSAL = ("Xin lỗi, trợ lý này chỉ phục vụ các cuộc trò chuyện đã được đăng ký. "
           "Nếu bạn cần sử dụng, hãy gửi mã cuộc trò chuyện <code>{chat_id}</code> cho quản trị viên.")
APOLOGY = "Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại sau ít phút."
NOT_TEXT = ("Tôi chỉ đọc được tin nhắn dạng chữ, chưa đọc được ảnh, nhãn dán, tệp hay tin nhắn thoại. "
            "Hãy gõ câu hỏi, hoặc gõ /help để xem hướng dẫn.")

NOT_ADMIN = ("Xin lỗi, chỉ quản trị viên mới được thêm văn bản vào kho tra cứu, nên tệp này không được lưu. "
             "Bạn vẫn có thể hỏi về các văn bản hiện có, hoặc gõ /help để xem hướng dẫn.")
ADMIN_NOTE = ("Bạn là quản trị viên: gửi tệp .docx, .pdf (kể cả bản quét) hoặc ảnh quét của một quyết định vào đây "
              "để thêm nó vào kho tra cứu; tôi sẽ báo lại tên, số hiệu và số đoạn, số nhiệm vụ tìm thấy.")
ADD_INTERRUPTED = ("Việc thêm tệp «{name}» đã bị gián đoạn vì trợ lý khởi động lại, nên văn bản chưa được thêm; "
                   "kho văn bản và chỉ mục tra cứu không thay đổi. Hãy gửi lại tệp.")
ADD_COMPLETED = "Tệp «{name}» bạn gửi trước khi trợ lý khởi động lại đã được xử lý xong."
ADD_FAILED = ("Không thêm được văn bản «{name}» do lỗi nội bộ; kho văn bản và chỉ mục tra cứu không thay đổi. "
              "Hãy thử lại sau ít phút.")
DOWNLOAD_FAILED = ("Không tải được tệp từ Telegram (tệp có thể đã hết hạn, hoặc mạng đang chập chờn). "
                   "Hãy gửi lại tệp sau ít phút. Kho văn bản không thay đổi.")
UPLOAD_TYPES = {  # what the sender's app declares; the content is checked again after download
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    # a scan photographed or exported page by page (read by OCR, see index/ingest/ocr.py)
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # bots can download files up to 20 MB (Bot API, getFile)

TYPING_REFRESH_SECONDS = 4.0  # Telegram shows a chat action for about 5 seconds
TYPING_DELAY = 0.3  # a reply ready sooner needs no "typing…"
REDELIVER_SECONDS = 15.0  # how often messages still unsent are tried again
CONNECTION_POOL = 256  # python-telegram-bot's default for the bot's requests
DIALOGUE_THREADS = 16  # most wait on the one-search-at-a-time lock; the rest stay free


@dataclass(frozen=True)
class BotSettings:
    """Everything ``run_bot`` needs, already validated."""

    token: str
    base_url: str  # the Bot API address the token is appended to, e.g. https://api.telegram.org/bot
    state_path: Path
    allowed_chats: frozenset[int] | None  # None: every chat is served
    admins: frozenset[int]  # user ids who may add decisions by sending a file
    webhook_url: str | None  # None: long polling
    listen: tuple[str, int]  # where the webhook server listens
    now: Callable[[], _dt.datetime] = vietnam_now  # the reminder job's clock (fixed by SOTAY_NOW in tests)
    register_path: Path | None = None  # the projects register (None: <data dir>/register.sqlite)
    retry_seconds: float = DEFAULT_BUDGET  # how long one Bot API call is retried (SOTAY_TELEGRAM_RETRY_SECONDS)


class _HideStartupTraceback(logging.Filter):
    """Drop python-telegram-bot's traceback for a failed start-up (bad token, no network):
    the error is raised to ``sotay bot``, which explains it in Vietnamese."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "(Bootstrap " not in record.getMessage()


class _RepliesToThisBot(filters.MessageFilter):
    """Messages that reply to one of this bot's own messages."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


# Updates the bot answers besides commands: all of a private chat, replies to it in groups.
ADDRESSED = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & _RepliesToThisBot())


class TelegramFrontEnd:
    """The handlers; one instance serves every chat of one ``Application``."""

    def __init__(self, dialogue: Dialogue, services: Services, allowed_chats: frozenset[int] | None,
                 admins: frozenset[int], reminders: ReminderStore | None = None,
                 now: Callable[[], _dt.datetime] = vietnam_now, register_path: Path | None = None,
                 journal: UpdateJournal | None = None, pending: PendingAdds | None = None) -> None:
        """``journal``: the update journal (default: in the dialogue's state file); ``pending``: decisions
        being added, reported after a restart (None: not recorded)."""
        self.dialogue = dialogue
        self.journal = journal or UpdateJournal(dialogue.store)
        self.delivery = Delivery(self.journal)
        self.pending = pending
        self.services = services
        self.allowed_chats = allowed_chats
        self.admins = admins
        self.reminders = reminders  # None: no reminder job
        self.now = now
        self.register_path = register_path
        self.executor = ThreadPoolExecutor(max_workers=DIALOGUE_THREADS, thread_name_prefix="dialogue")
        self._chat_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self._refused: set[int] = set()
        self._typing_shown: dict[int, float] = {}  # chat id -> event-loop time of its last "typing…"

    def register(self, application: Application) -> None:
        """Add the handlers: access check first, then commands, text, files, other messages, buttons."""
        application.add_handler(TypeHandler(Update, self.check_access), group=-1)
        application.add_handler(CommandHandler(["start", "help"], self.on_start_or_help))
        application.add_handler(CommandHandler([c.command for c in COMMANDS], self.on_text))
        application.add_handler(MessageHandler(ADDRESSED & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(ADDRESSED & filters.Document.ALL, self.on_document))
        application.add_handler(MessageHandler(ADDRESSED & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                               self.on_not_text))
        application.add_handler(CallbackQueryHandler(self.on_press))
        application.add_error_handler(self.on_error)

    async def post_init(self, application: Application) -> None:
        """Publish the command menu, queue again what a killed run left unfinished, send what it left
        unsent (then every ``REDELIVER_SECONDS``), start loading the search index in the background."""
        await application.bot.set_my_commands(COMMANDS)
        if isinstance(application.update_queue, JournalingQueue):
            replayed = await application.update_queue.replay(application.bot)
            if replayed:
                log.warning("xử lý lại %d cập nhật chưa xong từ lần chạy trước", replayed)
        if application.job_queue is not None:
            application.job_queue.run_repeating(self.redeliver, REDELIVER_SECONDS, first=0, name="gui-lai")
        if self.reminders is not None and application.job_queue is not None:
            application.job_queue.run_daily(self.remind, SEND_AT, name="nhac-han")
            application.job_queue.run_once(self.remind, 0, name="nhac-han-khi-khoi-dong")  # catch up after a restart
        await self._report_left_over_adds(application)
        # a daemon thread: stopping the bot never waits for (or trips over) a half-loaded model
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()
        print(f"Sổ tay xã đang chạy trên Telegram: @{application.bot.username}. Nhấn Ctrl+C để dừng.",
              file=sys.stderr, flush=True)

    async def _report_left_over_adds(self, application: Application) -> None:
        """Tell each administrator whose add a previous run left unreported whether it was added."""
        if self.pending is None:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self.services.complete_interrupted_change)  # completed first
        for add in self.pending.left_over():
            added = await loop.run_in_executor(self.executor, self.services.add_outcome, add.txn)
            if added:
                text = "\n\n".join([ADD_COMPLETED.format(name=add.file_name), *map(added_summary, added)])
            else:
                text = ADD_INTERRUPTED.format(name=add.file_name)
            try:
                await _send(application, add.chat_id, Reply(text))
            except TelegramError as exc:  # told at the next start
                log.warning("chưa báo được kết quả thêm văn bản cho %s: %s", add.chat_id, exc)
                continue
            self._forget_add(add.txn)

    def _forget_add(self, txn: str) -> None:
        if self.pending is not None:
            self.pending.finish(txn)
        self.services.forget_add(txn)

    def _warm_up(self) -> None:
        try:
            self.services.warm_up()
        except Exception:  # the first question will try again and report its own error
            log.warning("chưa nạp được chỉ mục tìm kiếm", exc_info=True)

    # -- handlers -------------------------------------------------------------------
    async def check_access(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop every update from a chat outside the allowlist; refuse each such chat once."""
        chat = update.effective_chat
        if self.allowed_chats is None or (chat is not None and chat.id in self.allowed_chats):
            return
        if update.callback_query:
            await _quietly(update.callback_query.answer(), "trả lời nút bấm của cuộc trò chuyện bị từ chối")
        if chat is not None and chat.id not in self._refused:
            self._refused.add(chat.id)
            await context.bot.send_message(chat.id, REFUSAL.format(chat_id=chat.id))
        raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message or command: the dialogue's replies."""
        await self._respond(update, context, self.dialogue.handle, _text(update), _member(update))

    async def on_start_or_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start or /help: the dialogue's text, with a note on adding decisions for administrators."""
        step = self._with_admin_note if self._is_admin(update) else self.dialogue.handle
        await self._respond(update, context, step, _text(update))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file: from an administrator, a decision to add (checked first); from anyone else, refused."""
        chat_id, document = _chat_id(update), _message(update).document
        if document is None:  # the handler's filter lets only files through
            return
        if not self._is_admin(update):
            await _send(context, chat_id, Reply(NOT_ADMIN))
            return
        problem = upload_problem(document)
        if problem:
            await _send(context, chat_id, Reply(problem))
            return
        async with self._typing(context, chat_id):  # not under the chat's lock: the chat is answered meanwhile
            report, txn = await self._add_decision(chat_id, document)
        async with self._lock_for(chat_id):
            await _send(context, chat_id, Reply(report))
        self._forget_add(txn)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: acknowledge it, retire its keyboard, send the dialogue's replies."""
        query = update.callback_query
        if query is None:  # the handler's pattern lets only button presses through
            return
        await _quietly(query.answer(), "trả lời nút bấm")
        if update.effective_chat is None:  # a message sent via inline mode: not ours
            return
        member = _member(update)
        if isinstance(query.message, Message) and query.message.reply_markup \
                and not self.dialogue.foreign(str(update.effective_chat.id), member):
            # pressed twice or too old to edit: the keyboard is only cosmetic (the dialogue refuses stale presses)
            await _quietly(query.edit_message_reply_markup(reply_markup=None), "gỡ các nút đã dùng")
        await self._respond(update, context, self.dialogue.press, query.data or "", member)

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, file, voice message…: say that only text is read."""
        await context.bot.send_message(_chat_id(update), NOT_TEXT)

    async def redeliver(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The periodic job: send what a chat's earlier delivery left unsent (Telegram was unreachable)."""
        for chat_id in self.journal.chats_waiting():
            lock = self._lock_for(chat_id)
            if not lock.locked():  # a chat being answered delivers its outbox itself
                async with lock:
                    await self.delivery.deliver(context.bot, chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error; apologise to the chat whose update failed, unless the failure was Telegram's."""
        if not isinstance(update, Update):
            log.warning("lỗi khi nhận cập nhật từ Telegram: %s", context.error)
            return
        log.error("lỗi khi xử lý cập nhật %s", update.update_id, exc_info=context.error)
        if isinstance(context.error, TelegramError):  # Telegram unreachable or refusing: an apology would fare no better
            return
        if update.effective_chat is not None:
            await _quietly(context.bot.send_message(update.effective_chat.id, APOLOGY), "gửi lời xin lỗi")

    async def remind(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The reminder job: today's reminder to every chat that is due one and has not had it.

        Nothing on a day off or before 08:00 (``reminder_day``); a chat is marked sent only after
        Telegram accepted its message (or when nothing was due), so it is neither lost nor repeated.
        """
        day = reminder_day(self.now())
        if day is None or self.reminders is None:
            return
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self.executor, due_messages, self.reminders,
                                           self.register_path or default_path(), day, self._serves)
        for chat, text in found:
            if text is not None:
                try:
                    async with self._lock_for(int(chat)):
                        await _send(context, int(chat), Reply(text))
                except TelegramError as exc:
                    log.warning("không gửi được lời nhắc hạn tới %s: %s", chat, exc)
                    continue
            self.reminders.mark_sent(chat, day)

    def _serves(self, chat: str) -> bool:
        return self.allowed_chats is None or int(chat) in self.allowed_chats

    # -- helpers ----------------------------------------------------------------------
    def _is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.admins

    def _with_admin_note(self, chat_id: str, text: str) -> list[Reply]:
        return [*self.dialogue.handle(chat_id, text), Reply(ADMIN_NOTE)]

    async def _add_decision(self, chat_id: int, document: Document) -> tuple[str, str]:
        """Download ``document`` to a temporary folder and add it; the report for the administrator, and
        the transaction to forget once the report is sent."""
        name = upload_file_name(document)
        txn = new_txn()
        if self.pending is not None:  # from here on, a restart still reports on this file
            self.pending.start(txn, chat_id, name)
        with tempfile.TemporaryDirectory(prefix="sotay-upload-") as folder:
            try:
                telegram_file = await document.get_file()
                path = await telegram_file.download_to_drive(Path(folder) / name)
            except TelegramError as exc:
                log.warning("không tải được tệp %s từ Telegram: %s", name, exc)
                return DOWNLOAD_FAILED, txn
            try:
                added = await asyncio.get_running_loop().run_in_executor(
                    self.executor, self.services.add_decisions, [path], txn)
            except IngestError as exc:
                return f"Không thêm được văn bản. {exc}\nKho văn bản và chỉ mục tra cứu không thay đổi.", txn
            except WorkerError:
                log.error("lỗi khi thêm văn bản %s", name, exc_info=True)
                return ADD_FAILED.format(name=name), txn
        return "\n\n".join(added_summary(decision) for decision in added), txn

    async def _respond(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                       step: Callable[..., list[Reply]], argument: str, member: str | None = None) -> None:
        """Answer ``update``: run ``step(str(chat_id), argument[, member])`` off the event loop (unless a
        previous run already answered it), then send the chat's outbox, in chat order."""
        chat_id = _chat_id(update)
        extra = (member,) if member is not None else ()
        async with self._lock_for(chat_id):
            if not self.journal.answered(update.update_id):
                async with self._typing(context, chat_id):
                    await asyncio.get_running_loop().run_in_executor(
                        self.executor, self._answer, update.update_id, chat_id, step, argument, *extra)
            await self.delivery.deliver(context.bot, chat_id)

    def _answer(self, update_id: int, chat_id: int, step: Callable[..., list[Reply]], *arguments: str) -> None:
        """Run the dialogue step; record its replies (an apology if it fails) with its state change, at once."""
        try:
            with self.dialogue.store.atomic() as batch:
                replies = step(str(chat_id), *arguments)
                self.journal.answer(batch, update_id, chat_id, [m for reply in replies for m in outgoing(reply)])
        except Exception:  # the state is left as it was; the officer is told
            log.exception("lỗi khi xử lý cập nhật %s", update_id)
            with self.dialogue.store.atomic() as batch:
                self.journal.answer(batch, update_id, chat_id, outgoing(Reply(APOLOGY)))

    @contextlib.asynccontextmanager
    async def _typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
        """Show "typing…" in the chat while the block runs longer than ``TYPING_DELAY``, renewed every
        ``TYPING_REFRESH_SECONDS`` — and not sooner for the chat's next update, which shares the last one.

        On leaving, a chat action still in flight is awaited rather than cancelled,
        so it can never reach Telegram after the reply and leave "typing…" showing.
        """
        done = asyncio.Event()
        loop = asyncio.get_running_loop()

        async def keep_typing() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_DELAY)
            while not done.is_set():
                wait = self._typing_shown.get(chat_id, -TYPING_REFRESH_SECONDS) + TYPING_REFRESH_SECONDS - loop.time()
                if wait <= 0:
                    self._typing_shown[chat_id] = loop.time()
                    await _quietly(context.bot.send_chat_action(chat_id, ChatAction.TYPING), "hiện trạng thái đang gõ")
                    wait = TYPING_REFRESH_SECONDS
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), wait)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            done.set()
            await task

    def _lock_for(self, chat_id: int) -> asyncio.Lock:
        """The chat's lock; it lives as long as some update of the chat holds or awaits it."""
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock


def _chat_id(update: Update) -> int:
    """The chat of an update the handlers accept (messages and presses always have one)."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError(f"update {update.update_id} has no chat")
    return chat.id


def _message(update: Update) -> Message:
    """The message of an update the message handlers accept."""
    message = update.effective_message
    if message is None:
        raise ValueError(f"update {update.update_id} has no message")
    return message


def _text(update: Update) -> str:
    """The text of a text message (the handlers' filter: ``filters.TEXT``)."""
    return _message(update).text or ""


def _member(update: Update) -> str | None:
    """The sender's id in a group (a calculation there belongs to the member who started it); None in private."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type == "private":
        return None
    return str(user.id)


def upload_problem(document: Document) -> str | None:
    """Why ``document`` cannot be a decision, judged before downloading it (name and declared size)."""
    name = document.file_name or "không tên"
    if _upload_suffix(document) is None:
        return (f"Tệp «{name}» không phải văn bản .docx, .pdf, .txt, .md hay ảnh quét .png, .jpg, .tif. "
                "Hãy gửi quyết định dưới dạng tệp Word (.docx), PDF hoặc ảnh quét (gửi dạng tệp).")
    if document.file_size is not None and document.file_size > MAX_UPLOAD_BYTES:
        size = f"{document.file_size / 1024 / 1024:.1f}".replace(".", ",")  # Vietnamese decimal comma
        return (f"Tệp «{name}» nặng {size} MB, vượt giới hạn "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB mà Telegram cho phép bot tải về. "
                "Hãy gửi bản nhỏ hơn (ví dụ bản .docx, hoặc PDF đã nén).")
    return None


def upload_file_name(document: Document) -> str:
    """A safe local name for the upload: the sender's file name without folders or control characters
    (the name matters: a decision without a number is identified by it)."""
    name = Path((document.file_name or "").replace("\\", "/")).name
    stem = "".join(c for c in Path(name).stem if unicodedata.category(c)[0] != "C").strip(" .")
    return f"{stem[:100] or 'van-ban'}{_upload_suffix(document)}"


def _upload_suffix(document: Document) -> str | None:
    """The decision type the file claims: its name's extension, else its declared MIME type."""
    suffix = Path(document.file_name or "").suffix.lower()
    if suffix in UPLOAD_TYPES:
        return suffix
    if suffix:  # a name says what it is: a .png declared as PDF is still a .png
        return None
    return next((s for s, mime in UPLOAD_TYPES.items() if mime == document.mime_type), None)


def added_summary(decision: AddedDecision) -> str:
    """The administrator's report on one added decision."""
    lines = [f"Đã thêm văn bản vào kho tra cứu: {decision.label}",
             f"• Trích yếu: {decision.title}"]
    lines += [f"• {label}: {value}" for label, value in (
        ("Số hiệu", decision.number), ("Ngày ban hành", decision.date_text), ("Cơ quan ban hành", decision.issuer))
        if value]
    lines.append(f"• Đã lập chỉ mục {decision.passages} đoạn văn để trích dẫn khi trả lời; tìm thấy "
                 f"{decision.duties} nhiệm vụ của các cơ quan.")
    if decision.ocr_pages:
        lines.append(f"• {decision.ocr_note()}")
    if decision.replaced:
        lines.append(f"Văn bản cùng mã ({decision.id}) đã có trong kho và đã được thay thế bằng bản này.")
    lines.append("Từ bây giờ có thể hỏi về nội dung văn bản này.")
    return "\n".join(lines)


async def _send(context: ContextTypes.DEFAULT_TYPE | Application, chat_id: int, reply: Reply) -> None:
    """One reply sent now, outside the outbox (reminders, upload reports): HTML pieces, buttons under the last.

    ``context`` is a handler's or job's context, or the application itself (at start-up)."""
    for message in outgoing(reply):
        await send(context.bot, chat_id, message)


async def _quietly(call: Awaitable[object], what: str) -> None:
    """Await a call whose failure must not stop the reply (it is logged)."""
    try:
        await call
    except TelegramError as exc:
        log.info("không %s được: %s", what, exc)


def file_url(base_url: str) -> str:
    """Where files are downloaded from: ``…/bot`` becomes ``…/file/bot`` (Telegram's and the
    self-hosted Bot API server's layout)."""
    prefix, _, last = base_url.rstrip("/").rpartition("/")
    return f"{prefix}/file/{last}"


def build_application(settings: BotSettings, front_end: TelegramFrontEnd) -> Application:
    """The python-telegram-bot application: HTML replies, concurrent updates, rate limits, retried calls,
    journaled updates."""
    application = (
        Application.builder()
        .application_class(JournaledApplication, kwargs={"journal": front_end.journal})
        .update_queue(JournalingQueue(front_end.journal))
        .request(RetryingRequest(connection_pool_size=CONNECTION_POOL, budget=settings.retry_seconds))
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(file_url(settings.base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(front_end.post_init)
        .build()
    )
    front_end.register(application)
    return application


def run_bot(settings: BotSettings) -> None:
    """Serve Telegram until stopped (Ctrl+C / SIGTERM); raises telegram errors from start-up."""
    logging.getLogger("telegram.ext").addFilter(_HideStartupTraceback())
    store = StateStore(settings.state_path)
    reminders = ReminderStore(settings.state_path)  # a table of its own in the state file: durable
    pending = PendingAdds(settings.state_path)  # likewise: adds not yet reported survive a restart
    services = Services()
    register = RegisterFlow(store, settings.register_path, reminders, today=lambda: vietnam_now().date(),
                            source="telegram")
    front_end = TelegramFrontEnd(Dialogue(store, services, register), services, settings.allowed_chats,
                                 settings.admins, reminders, settings.now, settings.register_path, pending=pending)
    application = build_application(settings, front_end)
    try:
        if settings.webhook_url:
            host, port = settings.listen
            application.run_webhook(
                listen=host, port=port, url_path=urlsplit(settings.webhook_url).path.strip("/"),
                webhook_url=settings.webhook_url, secret_token=secrets.token_urlsafe(32),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        # An add still running would hold the stop for up to its time limit: its worker is killed, the add
        # ends as interrupted (nothing changed) and the administrator is told at the next start.
        stop_running()
        front_end.executor.shutdown(cancel_futures=True)  # a dialogue step still running may write state
        store.close()
        reminders.close()
        pending.close()
