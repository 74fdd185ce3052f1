"""Bot API calls that survive transient failures: python-telegram-bot's HTTPX request, retried.

``RetryingRequest`` is the ``telegram.request.BaseRequest`` the bot sends with (not the one
``getUpdates`` uses: PTB's polling loop already retries that). It repeats a call, with
exponential backoff (``FIRST_DELAY`` doubling up to ``MAX_DELAY``) for at most ``budget``
seconds, when the answer cannot be Telegram's verdict on the call:

- a network error or a timeout (PTB's ``NetworkError``/``TimedOut``);
- an HTTP status of 500 or more (Telegram's gateway was down or overloaded);
- a 2xx answer to a Bot API method (a POST) that is not JSON (a proxy's error page, a truncated
  body); a file download (a GET) is bytes of any kind.

Every other answer — success, 4xx refusals, 429 (``RetryAfter``, the rate limiter's business)
— is returned at once for PTB to interpret. When the budget runs out, the last answer or error
goes up as PTB would report it, and the caller (``delivery.py``) keeps the reply for later.

Retrying is done here rather than in the rate limiter because PTB's ``BaseRateLimiter`` contract
says it must handle ``RetryAfter`` only; at this level the raw status and body are visible, so a
garbled 200 is told from a real one. A read timeout is retried too: the message may then arrive
twice, which is better for an officer than never.
``sendChatAction`` is never retried: a late "typing…" would show after the reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)

FIRST_DELAY = 0.25  # seconds before the first retry
MAX_DELAY = 4.0
DEFAULT_BUDGET = 20.0  # seconds of retrying per call; longer outages are the outbox's to wait out
NEVER_RETRIED = frozenset({"sendChatAction", "getUpdates"})


class RetryingRequest(HTTPXRequest):
    """``HTTPXRequest`` whose calls are retried on network errors, 5xx and non-JSON 2xx answers."""

    def __init__(self, *args: Any, budget: float = DEFAULT_BUDGET, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """See ``BaseRequest.do_request``; retried as the module describes."""
        timeouts = {"read_timeout": read_timeout, "write_timeout": write_timeout,
                    "connect_timeout": connect_timeout, "pool_timeout": pool_timeout}
        endpoint = url.rstrip("/").rsplit("/", 1)[-1]
        if endpoint in NEVER_RETRIED:
            return await super().do_request(url, method, request_data, **timeouts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget
        delay = FIRST_DELAY
        attempt = 1
        while True:
            try:
                code, payload = await super().do_request(url, method, request_data, **timeouts)
            except NetworkError as exc:  # TimedOut included
                if loop.time() + delay > deadline:
                    raise
                log.info("%s thất bại (lần %d: %s); thử lại sau %.2f giây", endpoint, attempt, exc, delay)
            else:
                if not transient(code, payload, method == "POST") or loop.time() + delay > deadline:
                    return code, payload
                log.info("%s thất bại (lần %d: HTTP %d); thử lại sau %.2f giây", endpoint, attempt, code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
            attempt += 1


def transient(code: int, payload: bytes, json_expected: bool = True) -> bool:
    """Whether an HTTP answer is no verdict on the call: a server error, or (``json_expected``) a success
    that is not JSON."""
    if code >= 500:
        return True
    if json_expected and 200 <= code < 300:
        try:
            json.loads(payload)
        except ValueError:
            return True
    return False
