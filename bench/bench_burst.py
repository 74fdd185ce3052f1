"""Burst benchmark of `sotay bot`: many chats send all their messages at once to the fake Bot API.

Run from the repository root (a data directory with the index built, e.g. a copy of
``~/.local/share/sotay``; the bench never writes the user's own)::

    SOTAY_DATA=/tmp/sotay-burst .venv/bin/python bench/bench_burst.py --chats 30 --messages 10 \\
        --out bench/results-burst.json [--sotay /path/to/other/.venv/bin/sotay] [--fail-for 6]

A real ``sotay bot`` (``--sotay``: any build, e.g. the main branch's, for a before/after) long-polls
``tests/fake_telegram.py``. First every distinct message is asked once in a warm-up chat, which
loads the index and records how many messages its answer takes. Then ``--chats`` private chats each
send ``--messages`` messages (a fixed mix: questions from ``tests/data/officer_questions_test.jsonl``,
one-message recovery calculations, /start; ``--instant``: no questions) all at t=0. ``--fail-for S`` makes sendMessage answer 500
for the first S seconds of the burst.

Reported: messages answered, lost (fewer messages than the warm-up answer took) and duplicated (more),
apologies sent (in place of an answer);
latency from sending to the last message of its answer (p50, p95, max); throughput (messages answered
per second until the last answer); Bot API calls by method and per second; how many of the messages were
questions (searched), and the bot's resident memory after the burst and at its peak (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fake_telegram import TOKEN, FakeTelegram  # noqa: E402

FIRST_ANSWER_TIMEOUT = 300  # the warm-up's first question loads the index on a loaded machine
QUESTIONS = REPO / "tests" / "data" / "officer_questions_test.jsonl"


def message_mix(count: int, instant: bool = False) -> list[str]:
    """``count`` messages: per 10, 6 questions, 3 recovery calculations and /start — or, ``instant``,
    9 recovery calculations and /start (no search: what bounds them is sending)."""
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    mix = []
    for i in range(count):
        kind = i % 10
        if kind == 0:
            mix.append("/start")
        elif instant or kind in (3, 6, 9):
            mix.append(f"Xã khó khăn, hỗ trợ {100 + 10 * i} triệu, dự án kết thúc 15/3/2024")
        else:
            mix.append(questions[(7 * i) % len(questions)])
    return mix


def start_bot(fake: FakeTelegram, sotay: str, folder: Path) -> subprocess.Popen:
    """``sotay bot`` long-polling ``fake``; returns the process once it polls."""
    log = (folder / "bot.log").open("ab")
    process = subprocess.Popen([sotay, "bot", "--state", str(folder / "state.sqlite")],
                               env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOTAY_TELEGRAM_BASE_URL": fake.base_url,
                                    "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL, stderr=log)
    fake.wait_until(lambda: fake.calls_of("getUpdates") or process.poll() is not None, 120, "the bot to poll")
    if process.poll() is not None:
        raise SystemExit(f"the bot exited: see {folder / 'bot.log'}")
    return process


def bot_memory_mib(pid: int) -> dict[str, float]:
    """The bot's resident memory now (VmRSS) and at its peak (VmHWM), in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss": round(int(fields["VmRSS"].split()[0]) / 1024, 1), "peak": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def run(chats: int, messages: int, sotay: str, fail_for: float, settle: float, instant: bool) -> dict:
    fake = FakeTelegram()
    folder = Path(tempfile.mkdtemp(prefix="sotay-burst-"))
    process = start_bot(fake, sotay, folder)
    try:
        mix = message_mix(messages, instant)
        # warm-up: load the index; how many messages each answer takes
        parts: dict[str, int] = {}
        for text in dict.fromkeys(mix):
            mark = fake.mark()
            fake.send_text(1, text)
            parts[text] = len(fake.replies(1, mark, timeout=FIRST_ANSWER_TIMEOUT, quiet=1.0))
        ids = [5_560_000 + n for n in range(chats)]
        mark = fake.mark()
        if fail_for:
            fake.fail_for("sendMessage", fail_for, "500")
        start = time.monotonic()
        for text in mix:  # round-robin: every chat's first message, then every chat's second …
            for chat in ids:
                fake.send_text(chat, text)
        sent_at = time.monotonic() - start
        expected = {chat: sum(parts[t] for t in mix) for chat in ids}
        seen: dict[int, list[float]] = {chat: [] for chat in ids}
        last_change = time.monotonic()
        while time.monotonic() - last_change < settle:
            now = time.monotonic() - start
            for chat in ids:
                count = len(fake.sent(chat, mark))
                if count > len(seen[chat]):
                    seen[chat] += [now] * (count - len(seen[chat]))
                    last_change = time.monotonic()
            time.sleep(0.02)
        latencies, lost, duplicated, answered = [], 0, 0, 0
        for chat in ids:
            arrivals = seen[chat]
            lost += max(0, expected[chat] - len(arrivals))
            duplicated += max(0, len(arrivals) - expected[chat])
            done = 0
            for text in mix:
                done += parts[text]
                if done <= len(arrivals):
                    latencies.append(arrivals[done - 1])  # everything was sent at ~0
                    answered += 1
        calls = {}
        for call in fake.calls[mark:]:
            calls[call.method] = calls.get(call.method, 0) + 1
        apologies = sum("Xin lỗi, đã có lỗi" in m["text"] for chat in ids for m in fake.sent(chat, mark))
        end = max((t for arrivals in seen.values() for t in arrivals), default=0.0)
        memory = bot_memory_mib(process.pid)
        non_polling = sum(n for method, n in calls.items() if method != "getUpdates")
        return {
            "chats": chats, "messages_per_chat": messages, "mix": "instant" if instant else "mixed",
            "fail_for": fail_for, "sotay": sotay,
            "sent_in_s": round(sent_at, 2),
            "messages": chats * messages, "answered": answered, "reply_messages_lost": lost,
            "reply_messages_duplicated": duplicated, "apologies": apologies,
            "latency_s": {"p50": round(statistics.median(latencies), 2), "p95": round(percentile(latencies, 95), 2),
                          "max": round(max(latencies), 2)} if latencies else None,
            "throughput_msg_per_s": round(answered / end, 2) if end else None,
            "last_answer_s": round(end, 2),
            "api_calls": calls, "api_calls_per_s": round(non_polling / end, 2) if end else None,
            "rejected": len(fake.rejections()),
            "questions": sum(1 for _ in ids for t in mix if not t.startswith("/") and "triệu" not in t),
            "bot_memory_mib": memory,
        }
    finally:
        process.terminate()
        process.wait(60)
        fake.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--sotay", default=str(Path(sys.executable).with_name("sotay")))
    parser.add_argument("--fail-for", type=float, default=0.0, help="seconds of sendMessage 500s at the start")
    parser.add_argument("--settle", type=float, default=15.0, help="stop after this long with no new reply")
    parser.add_argument("--instant", action="store_true", help="recovery calculations and /start only (no search)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = run(args.chats, args.messages, args.sotay, args.fail_for, args.settle, args.instant)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        runs = json.loads(args.out.read_text()) if args.out.exists() else []
        args.out.write_text(json.dumps([*runs, result], ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
