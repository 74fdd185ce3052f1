"""The assistant's dialogue and its front ends: ``dialogue`` (routing and the recovery conversation),
``services`` (what it calls), ``state`` (durable per-chat state), ``telegram_app`` and ``render`` (Telegram)."""
