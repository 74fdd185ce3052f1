"""The assistant's dialogue, independent of Telegram or the terminal.

``Dialogue.handle(chat_id, text)`` and ``Dialogue.press(chat_id, data)`` take
one user message or button press and return the replies, routing each message:

- commands: /start, /help, /hoi, /ai, /thuhoi, /huy ("hủy" works too), and the
  register's /duan, /baocao, /nhac (``register_flow.RegisterFlow``);
- a recovery calculation ("Xã khó khăn, hỗ trợ 100 triệu, kết thúc 15/3/2024")
  -> ``sotay.rules``; what is missing is asked one question at a time;
- a responsibility question ("Sở Tài chính có trách nhiệm gì?") -> duty records;
- greetings and help; anything else -> the question-answering index, which
  abstains (and says what it can help with) when the corpus does not answer.

Every recovery result carries a "Lưu vào sổ theo dõi" button (``RegisterFlow.offer``);
button data ``reg:…`` goes to the register flow, the rest to the recovery conversation.
A recovery button's data is ``kind:value:key``, ``key`` naming the step that showed it (a new
random key whenever the calculation asks a different question): a press on an older keyboard —
a question already answered, a calculation replaced — is refused with ``STALE_BUTTONS`` and
changes nothing; in a group, a press by another member than the calculation's owner gets
``FOREIGN_FLOW``.

State is kept per chat in a ``StateStore`` and written after every message.
Replies are plain text; front ends escape and split them as their medium needs.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import secrets
from decimal import Decimal

from sotay.bot.register_flow import RegisterFlow
from sotay.bot.replies import Attachment, Button, Reply
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.rules.engine import record_matters
from sotay.rules.extract import (
    Amount,
    Percent,
    RecoveryDetails,
    extract,
    find_percent,
    looks_like_recovery_request,
    prepare,
)
from sotay.rules.formatting import format_date, format_number, format_vnd
from sotay.rules.inputs import TIERS, InputError, parse_amount, parse_damage, parse_date
from sotay.rules.vocabulary import Tier
from sotay.text import clean_text, fold

__all__ = ["Attachment", "Button", "Dialogue", "HELP", "Reply", "understood"]

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
    "• Lưu kết quả tính vào sổ theo dõi (nút “Lưu vào sổ theo dõi”), xem sổ và ghi nhận đã nộp (/duan),\n"
    "  tải sổ dạng Excel (/baocao), bật/tắt nhắc hạn hằng ngày trên Telegram (/nhac bat, /nhac tat).\n"
    "Gõ /huy để hủy việc đang làm. Có thể gõ không dấu."
)
GREETING = "Xin chào! " + HELP

_GREETINGS = re.compile(r"^(xin )?chao( ban| anh| chi| em| ad| admin)?\b|^(hello|hi|alo|hey)\b")
_HELP_WORDS = re.compile(r"^(giup|tro giup|huong dan|help|menu)\b|ban (lam|giup) (duoc )?(gi|nhung gi)")
# "hủy", "thôi", "dừng lại" cancel only as the whole message: "Thời gian ..." folds to "thoi" too.
_THANKS = re.compile(r"^(cam on|thank|thanks|tks|ok|oke|okay|da|vang|duoc roi)\b[\w\s!.]{0,20}$")
_QUESTION = re.compile(r"\?\s*$|\b(gi|nao|bao nhieu|bao lau|the nao|ra sao|tai sao|o dau|khi nao|ai)\b")
FOREIGN_FLOW = ("Một thành viên khác trong nhóm đang tính thu hồi dở; chỉ người đó trả lời hoặc gõ /huy. "
                "Bạn vẫn có thể hỏi về các quyết định.")
STALE_BUTTONS = ("Các nút này đã cũ (câu hỏi đó đã qua hoặc phép tính đã thay đổi), nên lựa chọn không được ghi nhận "
                 "và các câu trả lời trước vẫn giữ nguyên.")
_YES = re.compile(r"^(co|co a|co bi|bi|roi|da co|yes|ok|dung|u)\b")
_NO = re.compile(r"^(khong|ko|k|chua|no|khong co|khong bi)\b")
_DISASTER = re.compile(r"\b(thien tai|lu|lut|bao|han han|sat lo|mua da)\b")
_BARE_NUMBER = re.compile(r"\s*-?[\d.,\s]+\s*(dong|d|vnd)?\s*")
_CANCEL = re.compile(r"^(/huy\b.*|(huy|huy bo|thoi|dung lai|cancel)( di| nhe| a| thoi)?[.!]*)$")

TIER_BUTTONS = [(tier.short_label, f"tier:{tier.value}") for tier in Tier]
DAMAGE_BUTTONS = [("Không thiệt hại", "damage:none"), ("Thiệt hại do thiên tai", "damage:disaster"),
                  ("Bất khả kháng khác", "damage:force")]
YES_NO_BUTTONS = [("Có biên bản", "verified:yes"), ("Không có", "verified:no")]

_BUTTON_LABELS = {data: label for label, data in TIER_BUTTONS + DAMAGE_BUTTONS + YES_NO_BUTTONS}

PROMPTS = {
    "tier": "Dự án thực hiện trên địa bàn nào?",
    "amount": "Tổng vốn ngân sách đã hỗ trợ cho dự án là bao nhiêu? (ví dụ: 100 triệu, 1,5 tỷ, 50.000.000 đồng)",
    "end": "Dự án kết thúc ngày nào? (ví dụ: 15/3/2024)",
    "damage": "Dự án có bị thiệt hại do thiên tai hoặc nguyên nhân bất khả kháng không?",
    "damage_percent": "Thiệt hại do thiên tai khoảng bao nhiêu phần trăm? (ví dụ: 20%, 1/3)",
    "damage_kind": "Thiệt hại do thiên tai hay do nguyên nhân bất khả kháng khác?",
    "amount_confirm": ("Số tiền “{text}” có thể hiểu theo hai cách (dấu chấm/phẩy là phân cách hàng nghìn "
                       "hay phần thập phân). Vốn hỗ trợ là bao nhiêu?"),
    "verified": ("Có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập không?"),
}


class Dialogue:
    """Routes messages and runs the recovery conversation; one instance serves every chat."""

    def __init__(self, store: StateStore, services: Services, register: RegisterFlow | None = None) -> None:
        """``register``: the register flow (default: the ``<data dir>/register.sqlite`` register, no reminders)."""
        self.store = store
        self.services = services
        self.register = register or RegisterFlow(store)

    # -- entry points -----------------------------------------------------------
    def handle(self, chat_id: str, text: str, user: str | None = None) -> list[Reply]:
        """Replies to one text message from ``chat_id`` (sent by ``user``, in a group; None in private)."""
        message = clean_text(text or "")
        if not message:
            return [Reply("Tin nhắn trống. " + HELP)]
        if len(message) > MAX_MESSAGE_CHARS:
            return [Reply(f"Tin nhắn quá dài ({len(message):,} ký tự; tối đa {MAX_MESSAGE_CHARS:,}). ".replace(",", ".")
                          + "Hãy hỏi ngắn gọn một ý.")]
        state = self.store.load(chat_id)
        if _foreign(state, user):  # a group member's calculation is in progress: theirs alone to answer
            return self._beside_foreign_flow(chat_id, message, state)
        replies = self._route(chat_id, message, state, user)
        return replies

    def press(self, chat_id: str, data: str, user: str | None = None) -> list[Reply]:
        """Replies to a button press carrying ``data`` (by ``user``, in a group; None in private)."""
        state = self.store.load(chat_id)
        if data.startswith("reg:"):
            return self.register.press(chat_id, data, state)
        flow = state.get("recover")
        if not flow:
            return [Reply("Phiên tính thu hồi này đã kết thúc hoặc đã hết hạn. Gõ /thuhoi để bắt đầu lại.")]
        if _foreign(state, user):
            return [Reply(FOREIGN_FLOW)]
        kind, value, key = (data.split(":") + ["", ""])[:3]
        asking = flow.get("asking")
        if not key or key != flow.get("key") or data.count(":") != 2:
            return [Reply(f"{STALE_BUTTONS}\n{self._prompt(flow, asking) if asking else ''}".strip(),
                          self._buttons_for(flow, asking))]
        slots = flow.setdefault("slots", {})
        label = _BUTTON_LABELS.get(f"{kind}:{value}")
        if kind == "tier" and value in TIERS:
            slots["tier"] = value
        elif kind == "amount" and value in flow.get("amount_choices", ()):
            slots["amount"] = value
            flow.pop("amount_choices")
            label = _amount_label(int(value))
        elif kind == "damage" and value == "none":
            slots["damage"], slots["force_majeure"] = "0", False
            flow.pop("damage_yes", None)
        elif kind == "damage" and value == "disaster":
            flow["awaiting_percent"] = True
            flow.pop("damage_yes", None)
        elif kind == "damage" and value == "force":
            slots["force_majeure"] = True
            slots.setdefault("damage", "0")
            flow.pop("damage_yes", None)
        elif kind == "verified" and value in ("yes", "no"):
            slots["verified"] = value == "yes"
        else:
            return [Reply("Lựa chọn không hợp lệ. " + (self._prompt(flow, asking) if asking else ""),
                          self._buttons_for(flow, asking))]
        replies = self._advance(chat_id, state)
        replies[0].text = f"Đã chọn: {label}.\n{replies[0].text}"  # the keyboard may vanish
        return replies

    def foreign(self, chat_id: str, user: str | None) -> bool:
        """Whether the chat's calculation in progress belongs to another group member than ``user``."""
        return _foreign(self.store.load(chat_id), user)

    # -- routing ------------------------------------------------------------------
    def _beside_foreign_flow(self, chat_id: str, message: str, state: dict) -> list[Reply]:
        """Another member's message while a member's calculation is in progress: questions are
        answered; nothing that would cancel, replace or fill that calculation is done."""
        folded = fold(message)
        command = message[1:].split(" ", 1)[0].split("@", 1)[0].lower() if message.startswith("/") else ""
        details = extract(message)
        if (_CANCEL.match(folded) or command in ("huy", "thuhoi", "start") or self.register.naming(state)
                or looks_like_recovery_request(message)
                or (details.found or details.unreadable) and not _QUESTION.search(folded)):  # "100 triệu"
            return [Reply(FOREIGN_FLOW)]
        return self._route(chat_id, message, {k: v for k, v in state.items() if k != "recover"}, None)

    def _route(self, chat_id: str, message: str, state: dict, user: str | None = None) -> list[Reply]:
        folded = fold(message)
        if _CANCEL.match(folded):
            self.store.save(chat_id, {})
            return [Reply("Đã hủy. " + "Bạn có thể hỏi câu khác, hoặc gõ /help để xem hướng dẫn.")]
        if self.register.naming(state):
            if not message.startswith("/"):
                return self.register.take_name(chat_id, message, state)
            self.register.stop_naming(chat_id, state)
        if message.startswith("/"):
            return self._command(chat_id, message, state, user)
        if state.get("recover"):
            return self._fill(chat_id, message, state)
        if _GREETINGS.match(folded):
            return [Reply(GREETING)]
        if _HELP_WORDS.search(folded):
            return [Reply(HELP)]
        if _THANKS.match(folded):
            return [Reply("Rất vui được giúp. Cần tra cứu gì thêm, bạn cứ nhắn.")]
        if looks_like_recovery_request(message):
            return self._start_recovery(chat_id, message, guided=False, user=user)
        # A bare agency name ("Sở Tài chính", "ubnd cap xa") asks for that body's duties.
        who = self.services.who_answer(message, force=len(message.split()) <= MAX_NAME_WORDS)
        if who is not None:
            return [Reply(who)]
        return [Reply(self.services.ask(message))]

    def _command(self, chat_id: str, message: str, state: dict, user: str | None = None) -> list[Reply]:
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
            return self._start_recovery(chat_id, rest, guided=True, user=user)
        if command == "hoi":
            if not rest:
                return [Reply("Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi Thời gian thu hồi vốn tối đa là bao lâu?")]
            return [Reply(self.services.ask(rest))]
        if command == "ai":
            if not rest:
                return [Reply("Hãy gõ tên cơ quan hoặc việc cần làm sau lệnh, ví dụ: /ai Sở Tài chính")]
            return [Reply(self.services.who_answer(rest, force=True) or self.services.ask(rest))]
        if command == "duan":
            return self.register.list_projects(chat_id)
        if command == "baocao":
            return self.register.report(chat_id)
        if command == "nhac":
            return self.register.reminders_command(chat_id, rest)
        return [Reply(f"Không có lệnh /{command[:30]}. Các lệnh: /hoi, /ai, /thuhoi, /duan, /baocao, /nhac, /huy, /help.")]

    # -- recovery conversation ----------------------------------------------------------
    def _start_recovery(self, chat_id: str, message: str, guided: bool, user: str | None = None) -> list[Reply]:
        state = {"recover": {"slots": {}, "guided": guided, **({"owner": user} if user else {})}}
        replies = self._absorb(state["recover"], extract(message)) if message else []
        return replies + self._advance(chat_id, state)

    def _fill(self, chat_id: str, message: str, state: dict) -> list[Reply]:
        """Take the answer to the pending question (and any other detail the message gives)."""
        flow = state["recover"]
        details = extract(message)
        asking = flow.get("asking")
        folded = prepare(message)
        if asking == "damage_percent" and "damage" not in details.found:
            if percent := find_percent(folded):
                details.set("damage", percent)
        if asking == "verified" and "verified" not in details.found:
            if _YES.match(folded):
                details.set("verified", True)
            elif _NO.match(folded):
                details.set("verified", False)
        no_damage_said = not {"damage", "force_majeure"} & details.found and not details.damage_mentioned
        if asking in ("damage", "damage_kind") and no_damage_said:
            if _NO.match(folded):
                details.set("damage", Percent(Decimal(0), message))
            elif asking == "damage" and _YES.match(folded):
                flow["damage_yes"] = True  # damaged, but by what: asked next
                return self._advance(chat_id, state)
        problems: list[str] = []
        if asking in ("amount", "amount_confirm") and "amount" not in details.found and _BARE_NUMBER.fullmatch(folded):
            try:
                details.set("amount", Amount((parse_amount(message),), message.strip()))
            except InputError as exc:
                problems.append(exc.message)
        replies = [Reply(p) for p in problems] + self._absorb(flow, details)
        if asking == "damage_kind" and _DISASTER.search(folded) and not details.found:
            flow["awaiting_percent"] = True
            flow.pop("damage_yes", None)
            return self._advance(chat_id, state)
        if not details.found and not replies and not details.damage_mentioned:
            hint = self._prompt(flow, asking) if asking else ""
            if _QUESTION.search(folded):  # a question asked mid-calculation: answer it, keep the calculation
                answer = self.services.who_answer(message) or self.services.ask(message)
                return [Reply(answer), Reply(f"(Đang tính thu hồi) {hint}\nGõ /huy để hủy việc tính.",
                                             self._buttons_for(flow, asking))]
            return [Reply(f"Tôi chưa hiểu câu trả lời. {hint}\n(Gõ /huy để hủy.)", self._buttons_for(flow, asking))]
        return replies + self._advance(chat_id, state)

    def _absorb(self, flow: dict, details: RecoveryDetails) -> list[Reply]:
        """Validate and store what ``details`` found; an impossible value is reported, left unset and asked again."""
        slots = flow.setdefault("slots", {})
        problems: list[str] = list(details.unreadable)
        if details.tier:
            slots["tier"] = details.tier
        if details.amount is not None:
            problems += self._take_amount(flow, details.amount)
        if details.end is not None:
            try:
                slots["end"] = parse_date(details.end).isoformat()
            except InputError as exc:
                slots.pop("end", None)
                problems.append(exc.message)
        if details.damage is not None:
            try:
                damage = parse_damage(details.damage.value)
            except InputError as exc:
                problems.append(exc.message)
                slots.pop("damage", None)
                flow["awaiting_percent"] = True  # asked again; never computed without it
            else:
                slots["damage"] = str(damage if damage is not None else 0)
                slots["damage_text"] = details.damage.text
                flow.pop("awaiting_percent", None)
                flow.pop("damage_yes", None)
        elif details.damage_mentioned and "damage" not in slots:
            flow["awaiting_percent"] = True
        if details.force_majeure:
            slots["force_majeure"] = True
            flow.pop("damage_yes", None)
        if details.verified is not None:
            slots["verified"] = details.verified
        if details.in_kind:
            slots["in_kind"] = details.in_kind
        return [Reply(p) for p in problems]

    @staticmethod
    def _take_amount(flow: dict, amount: Amount) -> list[str]:
        """Store a clear amount; keep every valid reading of an ambiguous one for the officer to choose."""
        slots = flow["slots"]
        slots.pop("amount", None)
        flow.pop("amount_choices", None)
        valid: list[int] = []
        problems: list[str] = []
        for reading in amount.readings:
            try:
                valid.append(parse_amount(reading))
            except InputError as exc:
                problems.append(exc.message)
        if len(valid) > 1:
            flow["amount_choices"] = [str(v) for v in valid]
            flow["amount_text"] = amount.text
            return []
        if valid:
            slots["amount"], slots["amount_text"] = str(valid[0]), amount.text
            return []
        return problems[:1]

    def _next_slot(self, flow: dict) -> str | None:
        slots = flow["slots"]
        if "tier" not in slots:
            return "tier"
        if flow.get("amount_choices"):
            return "amount_confirm"
        for name in ("amount", "end"):
            if name not in slots:
                return name
        if flow.get("awaiting_percent"):
            return "damage_percent"
        if flow.get("damage_yes"):
            return "damage_kind"
        damaged = Decimal(slots.get("damage") or 0) > 0 or slots.get("force_majeure")
        if flow.get("guided") and "damage" not in slots and not slots.get("force_majeure"):
            return "damage"
        if damaged and "verified" not in slots and record_matters(slots["tier"], _dt.date.fromisoformat(slots["end"])):
            return "verified"
        return None

    @staticmethod
    def _buttons_for(flow: dict, slot: str | None) -> list[list[Button]]:
        """The keyboard of the question ``slot``, its data stamped with the step's key."""
        key = flow.get("key", "")
        if slot == "amount_confirm":
            return [[Button(_amount_label(int(v)), f"amount:{v}:{key}")] for v in flow.get("amount_choices", ())]
        pairs = {"tier": TIER_BUTTONS, "damage": DAMAGE_BUTTONS, "damage_kind": DAMAGE_BUTTONS[1:],
                 "verified": YES_NO_BUTTONS}
        return [[Button(label, f"{data}:{key}")] for label, data in pairs.get(slot or "", [])]

    @staticmethod
    def _prompt(flow: dict, slot: str) -> str:
        if slot == "amount_confirm":
            return PROMPTS[slot].format(text=flow.get("amount_text", ""))
        return PROMPTS[slot]

    def _advance(self, chat_id: str, state: dict) -> list[Reply]:
        flow = state["recover"]
        slot = self._next_slot(flow)
        if slot is not None:
            if flow.get("asking") != slot or "key" not in flow:  # a new step: older keyboards go stale
                flow["key"] = secrets.token_hex(3)
            flow["asking"] = slot
            self.store.save(chat_id, state)
            return [Reply(self._prompt(flow, slot), self._buttons_for(flow, slot))]
        slots = flow["slots"]
        report = self.services.recover(slots, hint_damage=not flow.get("guided"))
        buttons = self.register.offer(chat_id, slots)  # the state now holds only what a save needs
        return [Reply(understood(slots) + "\n\n" + report, buttons)]


def _foreign(state: dict, user: str | None) -> bool:
    """Whether the calculation in progress belongs to another member of the group than ``user``."""
    owner = (state.get("recover") or {}).get("owner")
    return bool(owner and user and owner != user)


def _amount_label(amount: int) -> str:
    return format_vnd(amount)


def understood(slots: dict) -> str:
    """What the dialogue read from the officer, shown before any figure: "Tôi hiểu: …"."""
    parts = [f"địa bàn: {Tier(slots['tier']).short_label.lower()}"]
    amount = format_vnd(int(slots["amount"]))
    typed = slots.get("amount_text", "")
    same = re.sub(r"\D", "", typed) == slots["amount"]
    parts.append(f"vốn hỗ trợ: {amount}" + (f" (bạn ghi “{typed}”)" if typed and not same else ""))
    parts.append(f"kết thúc: {format_date(parse_date(slots['end']))}")
    damage = Decimal(slots.get("damage") or 0)
    if damage > 0:
        typed = slots.get("damage_text", "")
        shown = f"{format_number(damage)}%"
        parts.append(f"thiệt hại: {shown}" + (f" (bạn ghi “{typed}”)" if typed and fold(typed) != fold(shown) else ""))
    elif "damage" in slots and not slots.get("force_majeure"):
        parts.append("không thiệt hại")
    if slots.get("force_majeure"):
        parts.append("bất khả kháng khác")
    if "verified" in slots and (damage > 0 or slots.get("force_majeure")):
        parts.append("có biên bản xác nhận" if slots["verified"] else "không có biên bản xác nhận")
    if slots.get("in_kind"):
        parts.append(f"hiện vật: {slots['in_kind']}")
    return "Tôi hiểu: " + "; ".join(parts) + ". (Nếu sai, gõ /huy rồi nhắn lại.)"
