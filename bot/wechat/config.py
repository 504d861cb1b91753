"""WeChat settings. Temporary home: these fields belong in bot.settings.Settings, which is the
one module that reads the environment; until they move there, entry points call
``from_env(environ)`` with the mapping they were given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Tuple

from bot.settings import SettingsError

# What a template field can show (see bot.wechat.templates).
FIELD_SOURCES = frozenset({"number", "title", "status", "type", "location", "text", "time"})

TemplateFields = Tuple[Tuple[str, str], ...]  # ((WeChat field key, source), ...)

PLACEHOLDERS = frozenset({"changeme", "your-appid", "your-secret", "xxx"})


@dataclass(frozen=True)
class WeChatConfig:
    appid: str = ""
    secret: str = ""
    api_base_url: str = "https://api.weixin.qq.com"  # scheme://host[:port], no /cgi-bin
    oauth_base_url: str = "https://open.weixin.qq.com"  # web authorisation page (/connect/oauth2/authorize)
    timeout: float = 5.0  # seconds, for every HTTP call to WeChat
    resident_template_id: str = ""  # fallback when a resident is outside the 48-hour window
    resident_template_fields: TemplateFields = (("character_string1", "number"), ("thing2", "status"),
                                                ("time3", "time"))
    staff_template_id: str = ""  # ticket assigned / escalated / overdue; empty: customer-service text
    staff_template_fields: TemplateFields = (("character_string1", "number"), ("thing2", "title"),
                                             ("thing3", "location"), ("time4", "time"))
    console_url: str = ""  # link in staff templates; may contain {number} and {ticket_id}
    max_attempts: int = 5
    retry_base_seconds: float = 60.0  # first retry after this, doubling each time ...
    retry_max_seconds: float = 3600.0  # ... up to this
    quota_retry_seconds: float = 1800.0  # 45009 (daily quota reached): wait at least this long
    claim_timeout_seconds: float = 300.0  # a claimed notification is taken over after this
    token_refresh_margin_seconds: float = 300.0  # refresh the access token this long before expiry
    openid_pattern: str = r"^[A-Za-z0-9_-]{28}$"  # ids not like this came from the REST channel

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)


def parse_fields(raw: str, key: str) -> TemplateFields:
    """"character_string1=number,thing2=status" -> (("character_string1", "number"), ...)."""
    pairs = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        name, _, source = (s.strip() for s in part.partition("="))
        if not name or source not in FIELD_SOURCES:
            raise SettingsError(f"{key}: {part!r} must be field=source, source one of "
                                f"{', '.join(sorted(FIELD_SOURCES))}")
        pairs.append((name, source))
    if not pairs:
        raise SettingsError(f"{key} must name at least one field")
    return tuple(pairs)


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{key} must be more than 0, got {raw!r}")
    return value


def _secret(env: Mapping[str, str], key: str) -> str:
    value = env.get(key, "").strip()
    if value.lower() in PLACEHOLDERS:
        raise SettingsError(f"{key} is still the placeholder {value!r}; set the real value or leave it empty")
    return value


def from_env(environ: Mapping[str, str]) -> WeChatConfig:
    """The WeChat settings in ``environ`` (WECHAT_* variables), defaults for the rest."""
    d = WeChatConfig()
    fields = {
        "resident_template_fields": ("WECHAT_RESIDENT_TEMPLATE_FIELDS", d.resident_template_fields),
        "staff_template_fields": ("WECHAT_STAFF_TEMPLATE_FIELDS", d.staff_template_fields),
    }
    numbers = {name: _number(environ, f"WECHAT_{name.upper()}", getattr(d, name))
               for name in ("timeout", "max_attempts", "retry_base_seconds", "retry_max_seconds",
                            "quota_retry_seconds", "claim_timeout_seconds", "token_refresh_margin_seconds")}
    numbers["max_attempts"] = int(numbers["max_attempts"])
    return WeChatConfig(
        appid=_secret(environ, "WECHAT_APPID"),
        secret=_secret(environ, "WECHAT_SECRET"),
        api_base_url=(environ.get("WECHAT_API_BASE_URL") or d.api_base_url).rstrip("/"),
        oauth_base_url=(environ.get("WECHAT_OAUTH_BASE_URL") or d.oauth_base_url).rstrip("/"),
        resident_template_id=environ.get("WECHAT_RESIDENT_TEMPLATE_ID", ""),
        staff_template_id=environ.get("WECHAT_STAFF_TEMPLATE_ID", ""),
        console_url=environ.get("WECHAT_CONSOLE_URL", ""),
        openid_pattern=environ.get("WECHAT_OPENID_PATTERN") or d.openid_pattern,
        **{name: parse_fields(environ[key], key) if environ.get(key) else default
           for name, (key, default) in fields.items()},
        **numbers,
    )
