"""A strict, recording stand-in for the Telegram Bot API, served on 127.0.0.1.

``FakeTelegram`` answers the methods ``sotay bot`` uses the way Telegram does,
including its refusals: HTML that Telegram could not parse (only its tags and
the entities &lt; &gt; &amp; &quot;, every tag closed), empty text, text over
4096 UTF-16 code units after entity parsing, unknown chats, answering a button
press twice, editing a keyboard into the same keyboard, two concurrent
``getUpdates`` (the older one gets 409) or ``getUpdates`` while a webhook is set.
Every call is recorded (method, parameters, status, result) for assertions.

Tests play the users: ``send_text``, ``send_sticker``, ``send_document``,
``press`` and ``reply_to`` build real update JSON from the samples in
``data/telegram/`` and deliver it through ``getUpdates`` long polling or, once the bot has called
``setWebhook``, by POSTing it to the webhook with the secret token. Unlike
Telegram, a plain-``http`` webhook on 127.0.0.1 is accepted, as a self-hosted
Bot API server (``--local``) accepts it.

A document sent with ``send_document`` is kept by the fake: ``getFile`` gives
its ``file_path`` (refusing unknown file ids and files over the 20 MB bots may
download) and a GET of ``/file/bot<token>/<file_path>`` returns its bytes,
recorded as a call of the pseudo-method ``downloadFile`` (which ``fail_next`` can fail too).

``fail_for(method, seconds, mode)`` makes every call of a method misbehave for a while, as an
overloaded Telegram or a broken proxy does: ``"500"`` (Internal Server Error), ``"garbage"``
(200 with an HTML page instead of JSON) or ``"hang"`` (held until the window ends, then the
connection dropped unanswered); such calls have no effect and are recorded with ``injected``.

``sendDocument`` takes a multipart upload as Telegram does (a ``document`` file part, an optional
HTML ``caption``); ``documents`` gives what the bot sent, with the file's bytes.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

SAMPLES = Path(__file__).with_name("data") / "telegram"
TOKEN = "123:TEST"
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Sổ tay xã", "username": "sotay_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
TEXT_LIMIT = 4096
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bots can download files up to 20 MB

CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
                "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
                "blockquote": "blockquote"}
HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*\"[^\"]*\")?)*)\s*>")
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*\"([^\"]*)\")?")
_COMMAND = re.compile(r"^/[a-z0-9_]{1,32}$")


class BadRequest(Exception):
    """A refusal as Telegram words it; becomes an HTTP error with ``{"ok": false, ...}``."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: (plain text, entities), or ``BadRequest`` as Telegram would refuse."""
    plain: list[str] = []
    length = 0  # UTF-16 offset into the plain text
    open_tags: list[tuple[str, int, dict]] = []
    entities: list[dict] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if not match:
                raise BadRequest(f"Bad Request: can't parse entities: Unsupported start tag at byte offset "
                                 f"{len(text[:i].encode())}")
            closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ENTITY_TYPES:
                raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte '
                                 f"offset {len(text[:i].encode())}")
            if closing:
                if not open_tags or open_tags[-1][0] != name:
                    expected = f'"</{open_tags[-1][0]}>"' if open_tags else "no end tag"
                    raise BadRequest(f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                                     f'{len(text[:i].encode())}, expected {expected}, found "</{name}>"')
                tag, start, extra = open_tags.pop()
                if length > start:
                    entities.append({"type": ENTITY_TYPES[tag], "offset": start, "length": length - start, **extra})
            else:
                open_tags.append((name, length, _tag_attributes(name, attributes)))
            i = match.end()
        elif char == "&":
            match = re.match(r"&([a-zA-Z]+);", text[i:])
            if not match or match.group(1) not in HTML_ENTITIES:
                raise BadRequest(f"Bad Request: can't parse entities: Unsupported HTML entity at byte offset "
                                 f"{len(text[:i].encode())}")
            plain.append(HTML_ENTITIES[match.group(1)])
            length += 1
            i += match.end()
        elif char == ">":
            raise BadRequest(f"Bad Request: can't parse entities: Unexpected end of tag at byte offset "
                             f"{len(text[:i].encode())}")
        else:
            plain.append(char)
            length += utf16_length(char)
            i += 1
    if open_tags:
        raise BadRequest(f'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag '
                         f'"{open_tags[-1][0]}"')
    return "".join(plain), entities


def _tag_attributes(name: str, attributes: str) -> dict:
    values = dict((key.lower(), value) for key, value in _ATTRIBUTE.findall(attributes))
    allowed = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"}}.get(name, set())
    if set(values) - allowed or (name == "a" and "href" not in values) \
            or (name == "span" and values.get("class") != "tg-spoiler"):
        raise BadRequest(f"Bad Request: can't parse entities: Unsupported attribute in tag \"{name}\"")
    return {"url": values["href"]} if name == "a" else {}


def message_text(params: dict, key: str = "text") -> tuple[str, list[dict]]:
    """The text Telegram would show for ``params[key]`` and its parse mode, or ``BadRequest``."""
    raw = params.get(key)
    if not isinstance(raw, str):
        raise BadRequest("Bad Request: message text is empty")
    mode = params.get("parse_mode")
    if mode in (None, ""):
        text, entities = raw, []
    elif mode == "HTML":
        text, entities = parse_html(raw)
    else:
        raise BadRequest(f"Bad Request: unsupported parse_mode {mode!r} in this fake")
    stripped = text.strip()
    if not stripped:
        raise BadRequest("Bad Request: message text is empty")
    if utf16_length(stripped) > TEXT_LIMIT:
        raise BadRequest("Bad Request: message is too long")
    return text, entities


def check_keyboard(markup: Any) -> dict | None:
    """An inline keyboard as Telegram validates it (callback data 1-64 bytes)."""
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise BadRequest("Bad Request: can't parse inline keyboard button: Text buttons are unallowed "
                                 "in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
    return markup if rows else None


@dataclass
class Call:
    """One Bot API request as the fake saw it."""

    method: str
    params: dict
    status: int | None = None  # None while the call is in progress (a long poll)
    result: Any = None
    description: str = ""
    injected: bool = False


class FakeTelegram:
    """The fake Bot API server; ``base_url`` is what ``SOTAY_TELEGRAM_BASE_URL`` should be."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict | None = None
        self._lock = threading.Condition()
        self._updates: list[dict] = []  # unconfirmed, oldest first
        self._next_update_id = 700_000_001
        self._poll_generation = 0
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}  # (chat id, message id) -> message
        self._chats: dict[int, dict] = {}
        self._open_queries: set[str] = set()
        self._failures: dict[str, tuple[int, str]] = {}
        self._windows: dict[str, tuple[float, str]] = {}  # method -> (monotonic end, mode)
        self._files: dict[str, dict] = {}  # file_id -> {"file_unique_id", "file_size", "file_path", "content"}
        self._closing = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                fake._serve(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- the users' side ---------------------------------------------------------------
    def send_text(self, chat_id: int, text: str, reply_to: dict | None = None) -> int:
        """A user in ``chat_id`` sends ``text`` (a leading /command gets its bot_command entity)."""
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        update = self._message_update("start_command.json" if command else "private_text.json", chat_id)
        message = update["message"]
        message["text"] = text
        if command:
            message["entities"] = [{"offset": 0, "length": utf16_length(command.group()), "type": "bot_command"}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self._publish(update)

    def reply_to(self, chat_id: int, bot_message: dict, text: str) -> int:
        """A user replies to one of the bot's messages (how groups talk to a bot in privacy mode)."""
        return self.send_text(chat_id, text, reply_to=bot_message)

    def send_sticker(self, chat_id: int) -> int:
        return self._publish(self._message_update("sticker.json", chat_id))

    def send_photo(self, chat_id: int, caption: str) -> int:
        update = self._message_update("photo.json", chat_id)
        update["message"]["caption"] = caption
        return self._publish(update)

    def send_document(self, chat_id: int, content: bytes, file_name: str, mime_type: str,
                      declared_size: int | None = None) -> int:
        """A user in ``chat_id`` sends a file; ``declared_size`` overrides the ``file_size`` in the update
        (Telegram states the real size; a larger one lets tests play a huge file without making one)."""
        update = self._message_update("document.json", chat_id)
        document = update["message"]["document"]
        with self._lock:
            number = len(self._files) + 1
            file_id = f"{document['file_id'][:-6]}{number:06d}"
            suffix = Path(file_name).suffix.lower()
            self._files[file_id] = {"file_unique_id": f"AgAD{number:08d}", "file_size": len(content),
                                    "file_path": f"documents/file_{number}{suffix}", "content": content}
        document.update(file_name=file_name, mime_type=mime_type, file_id=file_id,
                        file_unique_id=f"AgAD{number:08d}", file_size=declared_size or len(content))
        return self._publish(update)

    def press(self, chat_id: int, bot_message: dict, data: str) -> int:
        """A user presses the button carrying ``data`` under ``bot_message``."""
        update = json.loads((SAMPLES / "callback_query.json").read_text(encoding="utf-8"))
        query = update["callback_query"]
        query["id"] = f"{chat_id & 0xFFFFFFF:x}{self._next_update_id:x}"
        query["from"] = self._user(chat_id)
        query["message"] = copy.deepcopy(bot_message)
        query["chat_instance"] = str(-abs(chat_id) * 7919)
        query["data"] = data
        with self._lock:
            self._open_queries.add(query["id"])
        return self._publish(update)

    def _message_update(self, sample: str, chat_id: int) -> dict:
        update = json.loads((SAMPLES / sample).read_text(encoding="utf-8"))
        message = update["message"]
        with self._lock:
            message["message_id"] = self._new_message_id(chat_id)
        message["from"] = self._user(chat_id)
        message["chat"] = self._chat(chat_id)
        message["date"] = int(time.time())
        return update

    def _user(self, chat_id: int) -> dict:
        user_id = chat_id if chat_id > 0 else 5_550_900
        return {"id": user_id, "is_bot": False, "first_name": "Cán bộ", "last_name": str(user_id)[-3:],
                "language_code": "vi"}

    def _chat(self, chat_id: int) -> dict:
        if chat_id > 0:
            return {"id": chat_id, "first_name": "Cán bộ", "last_name": str(chat_id)[-3:], "type": "private"}
        return {"id": chat_id, "title": "Cán bộ xã Phước Hà", "type": "supergroup"}

    def _new_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _publish(self, update: dict) -> int:
        with self._lock:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
            chat = (update.get("message") or update["callback_query"]["message"])["chat"]
            self._chats[chat["id"]] = chat
            webhook = self.webhook
            if webhook is None:
                self._updates.append(update)
                self._lock.notify_all()
        if webhook is not None:
            self._deliver(webhook, update)
        return update["update_id"]

    @staticmethod
    def _deliver(webhook: dict, update: dict, patience: float = 30) -> None:
        """POST ``update`` to the webhook, retrying while nothing listens yet (as Telegram retries)."""
        request = urllib.request.Request(
            webhook["url"], data=json.dumps(update).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": webhook.get("secret_token", "")})
        deadline = time.monotonic() + patience
        while True:
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.status == 200, response.status
                    return
            except urllib.error.URLError as exc:
                if not isinstance(exc.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # -- what tests look at ------------------------------------------------------------
    def mark(self) -> int:
        """A position in the call log, for ``since=``."""
        with self._lock:
            return len(self.calls)

    def calls_of(self, method: str, since: int = 0) -> list[Call]:
        with self._lock:
            return [c for c in self.calls[since:] if c.method == method]

    def sent(self, chat_id: int, since: int = 0) -> list[dict]:
        """Messages the bot sent to ``chat_id`` (as Telegram returned them), in order."""
        return [c.result for c in self.calls_of("sendMessage", since)
                if c.status == 200 and not c.injected and c.result["chat"]["id"] == chat_id]

    def documents(self, chat_id: int, since: int = 0) -> list[tuple[dict, bytes]]:
        """Documents the bot sent to ``chat_id``: (the message Telegram returned, the file's bytes), in order."""
        return [(c.result, c.params["document"]["content"]) for c in self.calls_of("sendDocument", since)
                if c.status == 200 and c.result["chat"]["id"] == chat_id]

    def rejections(self) -> list[Call]:
        """Calls refused because the bot did something Telegram refuses (not injected failures)."""
        with self._lock:
            return [c for c in self.calls
                    if c.status not in (None, 200) and not c.injected and c.method != "getUpdates"]

    def wait_until(self, condition: Callable[[], Any], timeout: float, what: str) -> Any:
        """Poll ``condition`` until it is truthy; its value, or AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.05)

    def replies(self, chat_id: int, since: int, until: str | None = None, timeout: float = 60,
                quiet: float = 0.5) -> list[dict]:
        """The bot's messages to ``chat_id`` after ``since``, once one contains ``until`` (or, without
        ``until``, once there is one) and no other followed for ``quiet`` seconds."""
        self.wait_until(lambda: any(until is None or until in m["text"] for m in self.sent(chat_id, since)),
                        timeout, f"a reply containing {until!r} in chat {chat_id}; got {self._texts(chat_id, since)}")
        count = -1
        while count != len(self.sent(chat_id, since)):
            count = len(self.sent(chat_id, since))
            time.sleep(quiet)
        return self.sent(chat_id, since)

    def _texts(self, chat_id: int, since: int) -> list[str]:
        return [m["text"][:200] for m in self.sent(chat_id, since)]

    def fail_next(self, method: str, code: int = 502, description: str = "Bad Gateway") -> None:
        """Make the next call of ``method`` fail the way Telegram fails when it is overloaded."""
        with self._lock:
            self._failures[method] = (code, description)

    def fail_for(self, method: str, seconds: float, mode: str = "500") -> None:
        """Make every call of ``method`` in the next ``seconds`` fail: mode "500", "garbage" or "hang"."""
        assert mode in ("500", "garbage", "hang"), mode
        with self._lock:
            self._windows[method] = (time.monotonic() + seconds, mode)

    def _misbehave(self, request: BaseHTTPRequestHandler, call: Call, until: float, mode: str) -> None:
        """Answer ``call`` as the failure window of ``mode`` says (see ``fail_for``)."""
        with self._lock:
            call.injected = True
        if mode == "hang":
            time.sleep(max(0.0, until - time.monotonic()))
            with self._lock:
                call.status, call.description = 0, "connection dropped unanswered"
            request.close_connection = True
            return
        if mode == "500":
            status, kind = 500, "application/json"
            body = b'{"ok":false,"error_code":500,"description":"Internal Server Error"}'
        else:
            status, kind, body = 200, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        with self._lock:
            call.status, call.description = status, mode
        _respond(request, status, kind, body)

    def confirmed_offset(self) -> int:
        """The offset of the latest getUpdates: every update below it is confirmed."""
        with self._lock:
            offsets = [int(c.params.get("offset", 0)) for c in self.calls if c.method == "getUpdates"]
        return max(offsets, default=0)

    # -- the Bot API's side --------------------------------------------------------------
    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        if path.startswith("/file/"):
            self._serve_file(request, unquote(path))
            return
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        params = self._params(request)
        method = match.group(2) if match else request.path
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
        try:
            if not match or match.group(1) != self.token:
                raise BadRequest("Unauthorized", 401)
            with self._lock:
                failure = self._failures.pop(method, None)
                window = self._windows.get(method)
            if window and time.monotonic() < window[0]:
                self._misbehave(request, call, *window)
                return
            if failure:
                call.injected = True
                raise BadRequest(failure[1], failure[0])
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise BadRequest("Not Found", 404)
            result = handler(params)
            with self._lock:
                call.status, call.result = 200, result
            body = {"ok": True, "result": result}
        except BadRequest as exc:
            with self._lock:
                call.status, call.description = exc.code, exc.description
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
        _respond(request, call.status, "application/json", json.dumps(body, ensure_ascii=False).encode())

    def _serve_file(self, request: BaseHTTPRequestHandler, path: str) -> None:
        """A file download: GET /file/bot<token>/<file_path>."""
        match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        call = Call("downloadFile", {"file_path": match.group(2) if match else path})
        with self._lock:
            self.calls.append(call)
            stored = next((f for f in self._files.values() if match and f["file_path"] == match.group(2)), None)
            failure = self._failures.pop("downloadFile", None)
        if failure:
            call.injected = True
            status, body, kind = failure[0], failure[1].encode(), "text/plain"
        elif request.command != "GET" or not match or match.group(1) != self.token or stored is None:
            status, body, kind = 404, b'{"ok":false,"error_code":404,"description":"Not Found"}', "application/json"
        else:
            status, body, kind = 200, stored["content"], "application/octet-stream"
        with self._lock:
            call.status, call.result = status, len(body)
        _respond(request, status, kind, body)

    @staticmethod
    def _params(request: BaseHTTPRequestHandler) -> dict:
        size = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(size) if size else b""
        kind = request.headers.get("Content-Type", "")
        query = request.path.split("?", 1)[1] if "?" in request.path else ""
        params = dict(parse_qsl(query))
        if kind.startswith("multipart/form-data") and raw:
            params.update(_multipart(kind, raw))
            return params
        body = raw.decode()
        if kind.startswith("application/json") and body:
            params.update(json.loads(body))
        elif body:
            params.update(parse_qsl(body, keep_blank_values=True))
        return params

    def _known_chat(self, params: dict) -> dict:
        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            raise BadRequest("Bad Request: chat_id is empty") from None
        with self._lock:
            chat = self._chats.get(chat_id)
        if chat is None:
            raise BadRequest("Bad Request: chat not found")
        return chat

    def _api_getMe(self, params: dict) -> dict:  # noqa: N802 (Bot API method names)
        return BOT_USER

    def _api_deleteWebhook(self, params: dict) -> bool:  # noqa: N802
        with self._lock:
            self.webhook = None
        return True

    def _api_setWebhook(self, params: dict) -> bool:  # noqa: N802
        url = params.get("url", "")
        if not re.match(r"https://|http://127\.0\.0\.1[:/]", url):
            raise BadRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token", "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise BadRequest("Bad Request: secret token contains unallowed characters")
        with self._lock:
            self.webhook = {"url": url, "secret_token": secret}
        return True

    def _api_setMyCommands(self, params: dict) -> bool:  # noqa: N802
        commands = params.get("commands")
        commands = json.loads(commands) if isinstance(commands, str) else commands
        if not isinstance(commands, list) or len(commands) > 100:
            raise BadRequest("Bad Request: can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.match("/" + str(command.get("command", ""))):
                raise BadRequest("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise BadRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _api_getUpdates(self, params: dict) -> list[dict]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            if self.webhook is not None:
                raise BadRequest("Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first", 409)
            self._poll_generation += 1
            generation = self._poll_generation
            self._lock.notify_all()
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                if generation != self._poll_generation:
                    raise BadRequest("Conflict: terminated by other getUpdates request; "
                                     "make sure that only one bot instance is running", 409)
                pending = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._closing:
                    return pending
                self._lock.wait(remaining)

    def _api_sendMessage(self, params: dict) -> dict:  # noqa: N802
        chat = self._known_chat(params)
        text, entities = message_text(params)
        markup = check_keyboard(params.get("reply_markup"))
        with self._lock:
            message = {"message_id": self._new_message_id(chat["id"]), "from": BOT_USER, "chat": chat,
                       "date": int(time.time()), "text": text}
            if entities:
                message["entities"] = entities
            if markup:
                message["reply_markup"] = markup
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _api_sendDocument(self, params: dict) -> dict:  # noqa: N802
        chat = self._known_chat(params)
        document = params.get("document")
        if not isinstance(document, dict) or not document.get("content"):
            raise BadRequest("Bad Request: file must be non-empty")
        caption, entities = message_text(params, "caption") if params.get("caption") else ("", [])
        if utf16_length(caption) > 1024:
            raise BadRequest("Bad Request: message caption is too long")
        with self._lock:
            number = len(self._files) + 1
            file_id = f"BQACAgIAAxkDAAI{number:06d}"
            self._files[file_id] = {"file_unique_id": f"AgAE{number:08d}", "file_size": len(document["content"]),
                                    "file_path": f"documents/sent_{number}", "content": document["content"]}
            message = {"message_id": self._new_message_id(chat["id"]), "from": BOT_USER, "chat": chat,
                       "date": int(time.time()),
                       "document": {"file_name": document["file_name"], "mime_type": document["mime_type"],
                                    "file_id": file_id, "file_unique_id": f"AgAE{number:08d}",
                                    "file_size": len(document["content"])}}
            if caption:
                message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _api_getFile(self, params: dict) -> dict:  # noqa: N802
        with self._lock:
            stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise BadRequest("Bad Request: invalid file_id")
        if stored["file_size"] > DOWNLOAD_LIMIT:
            raise BadRequest("Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": stored["file_unique_id"],
                "file_size": stored["file_size"], "file_path": stored["file_path"]}

    def _api_sendChatAction(self, params: dict) -> bool:  # noqa: N802
        self._known_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise BadRequest("Bad Request: wrong parameter action in request")
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:  # noqa: N802
        with self._lock:
            if params.get("callback_query_id") not in self._open_queries:
                raise BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._open_queries.discard(params["callback_query_id"])
        if len(params.get("text") or "") > 200:
            raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:  # noqa: N802
        chat = self._known_chat(params)
        markup = check_keyboard(params.get("reply_markup"))
        with self._lock:
            message = self._messages.get((chat["id"], int(params.get("message_id") or 0)))
            if message is None:
                raise BadRequest("Bad Request: message to edit not found")
            if message.get("reply_markup") == markup:
                raise BadRequest("Bad Request: message is not modified: specified new message content and reply "
                                 "markup are exactly the same as a current content and reply markup of the message")
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return dict(message, edit_date=int(time.time()))


def _multipart(content_type: str, body: bytes) -> dict:
    """The fields of a multipart/form-data body: text fields as str, file parts as
    {"file_name", "mime_type", "content"}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        file_name = part.get_filename()
        if file_name is not None:
            fields[name] = {"file_name": file_name, "mime_type": part.get_content_type(), "content": content}
        else:
            fields[name] = content.decode("utf-8")
    return fields


def _respond(request: BaseHTTPRequestHandler, status: int, kind: str, body: bytes) -> None:
    """Write one HTTP response; nothing if the bot went away (killed) while it waited."""
    try:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
    except OSError:
        pass
