"""Tuning of the WeChat channel (bot.wechat.channel), read from its credentials.yml entry."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping


@dataclass(frozen=True)
class ChannelOptions:
    """Tuning, from credentials.yml (all optional)."""

    reply_budget_seconds: float = 4.0  # answer in the passive reply if ready this soon (WeChat: 5 s)
    retry_hold_seconds: float = 10.0  # no customer-service API: stay quiet this long so WeChat retries
    max_attempts: int = 3  # WeChat's tries of one push
    concurrent_answers: int = 4  # answers the agent computes at once; more pushes wait (bot.wechat.gate)
    customer_service: bool = True  # false: the account has no customer-service API (unverified)
    customer_service_timeout_seconds: float = 5.0
    customer_service_tries: int = 3  # a send that failed for a passing reason (timeout, busy) is tried again
    customer_service_retry_seconds: float = 5.0  # before the second try; doubles for the third
    dedupe_ttl_seconds: float = 300.0  # a finished push still answers its retries this long
    buttons_ttl_seconds: float = 600.0  # "回复1" means the last offered button this long
    attach_images: bool = True  # record residents' photos on their open ticket (false: say it cannot)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> "ChannelOptions":
        values: Dict[str, Any] = {}
        for option in fields(cls):
            raw = credentials.get(option.name)
            if raw is None or raw == "":
                continue
            values[option.name] = _convert(option.name, raw, getattr(cls, option.name))
        return cls(**values)


def _convert(name: str, raw: Any, default: Any) -> Any:
    """Credentials come from YAML with ${ENV} substitution: numbers and booleans may be strings."""
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in {"true", "yes", "1", "on", "false", "no", "0", "off"}:
            return str(raw).strip().lower() in {"true", "yes", "1", "on"}
    else:
        try:
            value = type(default)(raw)
            if value > 0:
                return value
        except (TypeError, ValueError):
            pass
    raise ValueError(f"wechat channel: {name} must be a {type(default).__name__} (> 0), got {raw!r}")
