"""The assistant's dialogue, independent of Telegram or the terminal.

``Dialogue.handle(chat_id, text)`` and ``Dialogue.press(chat_id, data)`` take
one user message or button press and return the replies, routing each message:

- commands: /start, /help, /hoi, /ai, /thuhoi, /huy ("hủy" works too);
- a recovery calculation ("Xã khó khăn, hỗ trợ 100 triệu, kết thúc 15/3/2024")
  -> ``sotay.rules``; what is missing is asked one question at a time;
- a responsibility question ("Sở Tài chính có trách nhiệm gì?") -> duty records;
- greetings and help; anything else -> the question-answering index, which
  abstains (and says what it can help with) when the corpus does not answer.

State is kept per chat in a ``StateStore`` and written after every message.
Replies are plain text; front ends escape and split them as their medium needs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sotay.index.normalize import clean_text, fold

from .extract import RecoveryDetails, extract, looks_like_recovery_request
from .services import Services
from .state import StateStore

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_NAME_WORDS = 10  # a message this short may be just an agency's name

HELP = (
    "Tôi là Sổ tay xã — trợ lý tra cứu các quyết định của tỉnh. Tôi có thể:\n"
    "• Trả lời câu hỏi về nội dung các quyết định, kèm trích dẫn điều khoản (/hoi).\n"
    "  Ví dụ: \"Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?\"\n"
    "• Cho biết cơ quan nào chịu trách nhiệm việc gì (/ai).\n"
    "  Ví dụ: \"Sở Tài chính có trách nhiệm gì?\"\n"
    "• Tính số vốn hỗ trợ phải thu hồi và thời hạn thu hồi (/thuhoi).\n"
    "  Ví dụ: \"Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024, thu hồi bao nhiêu?\"\n"
    "Gõ /huy để hủy việc đang làm. Có thể gõ không dấu."
)
GREETING = "Xin chào! " + HELP

_GREETINGS = re.compile(r"^(xin )?chao( ban| anh| chi| em| ad| admin)?\b|^(hello|hi|alo|hey)\b")
_HELP_WORDS = re.compile(r"^(giup|tro giup|huong dan|help|menu)\b|ban (lam|giup) (duoc )?(gi|nhung gi)")
# "hủy", "thôi", "dừng lại" cancel only as the whole message: "Thời gian ..." folds to "thoi" too.
_THANKS = re.compile(r"^(cam on|thank|thanks|tks|ok|oke|okay|da|vang|duoc roi)\b[\w\s!.]{0,20}$")
_QUESTION = re.compile(r"\?\s*$|\b(gi|nao|bao nhieu|bao lau|the nao|ra sao|tai sao|o dau|khi nao|ai)\b")
_CANCEL = re.compile(r"^(/huy\b.*|(huy|huy bo|thoi|dung lai|cancel)( di| nhe| a| thoi)?[.!]*)$")

TIER_BUTTONS = [("Đặc biệt khó khăn", "tier:dbkk"), ("Khó khăn", "tier:kho-khan"), ("Còn lại", "tier:con-lai")]
DAMAGE_BUTTONS = [("Không thiệt hại", "damage:none"), ("Thiệt hại do thiên tai", "damage:disaster"),
                  ("Bất khả kháng khác", "damage:force")]
YES_NO_BUTTONS = [("Có biên bản", "verified:yes"), ("Không có", "verified:no")]

_BUTTON_LABELS = {data: label for label, data in TIER_BUTTONS + DAMAGE_BUTTONS + YES_NO_BUTTONS}

PROMPTS = {
    "tier": "Dự án thực hiện trên địa bàn nào?",
    "amount": "Tổng vốn ngân sách đã hỗ trợ cho dự án là bao nhiêu? (ví dụ: 100 triệu, 1,5 tỷ, 50.000.000 đồng)",
    "end": "Dự án kết thúc ngày nào? (ví dụ: 15/3/2024)",
    "damage": "Dự án có bị thiệt hại do thiên tai hoặc nguyên nhân bất khả kháng không?",
    "damage_percent": "Thiệt hại do thiên tai khoảng bao nhiêu phần trăm? (ví dụ: 20%)",
    "verified": ("Có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập không?"),
}


@dataclass(frozen=True)
class Button:
    """An inline choice: what the user sees and what comes back when pressed."""

    label: str
    data: str


@dataclass
class Reply:
    """One message to the user: plain Vietnamese text, optionally with buttons (rows)."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)


def _buttons(pairs: list[tuple[str, str]]) -> list[list[Button]]:
    return [[Button(label, data)] for label, data in pairs]



class Dialogue:
    """Routes messages and runs the recovery conversation; one instance serves every chat."""

    def __init__(self, store: StateStore, services: Services) -> None:
        self.store = store
        self.services = services

    # -- entry points -----------------------------------------------------------
    def handle(self, chat_id: str, text: str) -> list[Reply]:
        """Replies to one text message from ``chat_id``."""
        message = clean_text(text or "")
        if not message:
            return [Reply("Tin nhắn trống. " + HELP)]
        if len(message) > MAX_MESSAGE_CHARS:
            return [Reply(f"Tin nhắn quá dài ({len(message):,} ký tự; tối đa {MAX_MESSAGE_CHARS:,}). ".replace(",", ".")
                          + "Hãy hỏi ngắn gọn một ý.")]
        state = self.store.load(chat_id)
        replies = self._route(chat_id, message, state)
        return replies

    def press(self, chat_id: str, data: str) -> list[Reply]:
        """Replies to a button press carrying ``data``."""
        state = self.store.load(chat_id)
        flow = state.get("recover")
        if not flow:
            return [Reply("Phiên tính thu hồi này đã kết thúc hoặc đã hết hạn. Gõ /thuhoi để bắt đầu lại.")]
        kind, _, value = data.partition(":")
        slots = flow.setdefault("slots", {})
        if kind == "tier" and value in ("dbkk", "kho-khan", "con-lai"):
            slots["tier"] = value
        elif kind == "damage" and value == "none":
            slots["damage"], slots["force_majeure"] = "0", False
        elif kind == "damage" and value == "disaster":
            flow["awaiting_percent"] = True
        elif kind == "damage" and value == "force":
            slots["force_majeure"] = True
            slots.setdefault("damage", "0")
        elif kind == "verified" and value in ("yes", "no"):
            slots["verified"] = value == "yes"
        else:
            return [Reply("Lựa chọn không hợp lệ. " + PROMPTS.get(flow.get("asking", ""), ""))]
        replies = self._advance(chat_id, state)
        replies[0].text = f"Đã chọn: {_BUTTON_LABELS[data]}.\n{replies[0].text}"  # the keyboard may vanish
        return replies

    # -- routing ------------------------------------------------------------------
    def _route(self, chat_id: str, message: str, state: dict) -> list[Reply]:
        folded = fold(message)
        if _CANCEL.match(folded):
            self.store.save(chat_id, {})
            return [Reply("Đã hủy. " + "Bạn có thể hỏi câu khác, hoặc gõ /help để xem hướng dẫn.")]
        if message.startswith("/"):
            return self._command(chat_id, message, state)
        if state.get("recover"):
            return self._fill(chat_id, message, state)
        if _GREETINGS.match(folded):
            return [Reply(GREETING)]
        if _HELP_WORDS.search(folded):
            return [Reply(HELP)]
        if _THANKS.match(folded):
            return [Reply("Rất vui được giúp. Cần tra cứu gì thêm, bạn cứ nhắn.")]
        if looks_like_recovery_request(message):
            return self._start_recovery(chat_id, message, guided=False)
        # A bare agency name ("Sở Tài chính", "ubnd cap xa") asks for that body's duties.
        who = self.services.who_answer(message, force=len(message.split()) <= MAX_NAME_WORDS)
        if who is not None:
            return [Reply(who)]
        return [Reply(self.services.ask(message))]

    def _command(self, chat_id: str, message: str, state: dict) -> list[Reply]:
        head, _, rest = message.partition(" ")
        command = head[1:].split("@", 1)[0].lower()
        rest = rest.strip()
        if command in ("start", "help", "giupdo"):
            if command == "start":
                self.store.save(chat_id, {})
            return [Reply(GREETING if command == "start" else HELP)]
        if command == "huy":
            self.store.save(chat_id, {})
            return [Reply("Đã hủy. Bạn có thể hỏi câu khác, hoặc gõ /help để xem hướng dẫn.")]
        if command == "thuhoi":
            return self._start_recovery(chat_id, rest, guided=True)
        if command == "hoi":
            if not rest:
                return [Reply("Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi Thời gian thu hồi vốn tối đa là bao lâu?")]
            return [Reply(self.services.ask(rest))]
        if command == "ai":
            if not rest:
                return [Reply("Hãy gõ tên cơ quan hoặc việc cần làm sau lệnh, ví dụ: /ai Sở Tài chính")]
            return [Reply(self.services.who_answer(rest, force=True) or self.services.ask(rest))]
        return [Reply(f"Không có lệnh /{command[:30]}. Các lệnh: /hoi, /ai, /thuhoi, /huy, /help.")]

    # -- recovery conversation ----------------------------------------------------------
    def _start_recovery(self, chat_id: str, message: str, guided: bool) -> list[Reply]:
        state = {"recover": {"slots": {}, "guided": guided}}
        replies = self._absorb(state["recover"], extract(message)) if message else []
        return replies + self._advance(chat_id, state)

    def _fill(self, chat_id: str, message: str, state: dict) -> list[Reply]:
        """Take the answer to the pending question (and any other detail the message gives)."""
        from sotay.rules import InputError, parse_amount

        flow = state["recover"]
        details = extract(message)
        asking = flow.get("asking")
        folded = fold(message)
        if flow.pop("awaiting_percent", False) or asking == "damage_percent":
            if number := re.search(r"(\d{1,3}(?:[.,]\d+)?)\s*%?", folded):
                details.set("damage", number.group(1).replace(",", "."))
        if asking == "verified" and "verified" not in details.found:
            if re.match(r"^(co|roi|da co|yes|ok)\b", folded):
                details.set("verified", True)
            elif re.match(r"^(khong|chua|no)\b", folded):
                details.set("verified", False)
        no_damage_said = not {"damage", "force_majeure"} & details.found
        if asking == "damage" and no_damage_said and re.match(r"^(khong|no)\b", folded):
            details.set("damage", "0")
        if asking == "amount" and "amount" not in details.found:
            try:
                details.set("amount", str(parse_amount(message)))
            except InputError:
                pass  # not a bare amount: the message is handled as any other below
        replies = self._absorb(flow, details)
        if not details.found and not replies:
            hint = PROMPTS.get(asking or "", "")
            if _QUESTION.search(folded):  # a question asked mid-calculation: answer it, keep the calculation
                answer = self.services.who_answer(message) or self.services.ask(message)
                return [Reply(answer), Reply(f"(Đang tính thu hồi) {hint}\nGõ /huy để hủy việc tính.",
                                             self._buttons_for(asking))]
            return [Reply(f"Tôi chưa hiểu câu trả lời. {hint}\n(Gõ /huy để hủy.)", self._buttons_for(asking))]
        return replies + self._advance(chat_id, state)

    def _absorb(self, flow: dict, details: RecoveryDetails) -> list[Reply]:
        """Validate and store what ``details`` found; a bad value is reported and left unset."""
        from sotay.rules import InputError, parse_amount, parse_damage, parse_date

        slots = flow.setdefault("slots", {})
        problems: list[str] = []
        checks = {
            "tier": (details.tier, lambda v: v),
            "amount": (details.amount, lambda v: str(parse_amount(v))),
            "end": (details.end, lambda v: parse_date(v).isoformat()),
            "damage": (details.damage, lambda v: str(parse_damage(v))),
        }
        for name, (value, check) in checks.items():
            if name in details.found and value is not None:
                try:
                    slots[name] = check(value)
                except InputError as exc:
                    problems.append(exc.message)
        if details.force_majeure:
            slots["force_majeure"] = True
        if details.verified is not None:
            slots["verified"] = details.verified
        if details.in_kind:
            slots["in_kind"] = details.in_kind
        return [Reply(p) for p in problems]

    def _next_slot(self, flow: dict) -> str | None:
        slots = flow["slots"]
        for name in ("tier", "amount", "end"):
            if name not in slots:
                return name
        if flow.get("awaiting_percent"):
            return "damage_percent"
        damaged = float(slots.get("damage") or 0) > 0 or slots.get("force_majeure")
        if flow.get("guided") and "damage" not in slots and not slots.get("force_majeure"):
            return "damage"
        if damaged and "verified" not in slots and slots.get("tier") != "dbkk":
            return "verified"
        return None

    def _buttons_for(self, slot: str | None) -> list[list[Button]]:
        return _buttons({"tier": TIER_BUTTONS, "damage": DAMAGE_BUTTONS, "verified": YES_NO_BUTTONS}.get(slot or "", []))

    def _advance(self, chat_id: str, state: dict) -> list[Reply]:
        flow = state["recover"]
        slot = self._next_slot(flow)
        if slot is not None:
            flow["asking"] = slot
            self.store.save(chat_id, state)
            return [Reply(PROMPTS[slot], self._buttons_for(slot))]
        self.store.save(chat_id, {})
        return [Reply(self.services.recover(flow["slots"], hint_damage=not flow.get("guided")))]
