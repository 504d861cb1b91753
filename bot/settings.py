"""The one place that reads the environment (and an optional .env file).

Everything else receives a :class:`Settings` object. ``.env.example`` documents
every variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # pragma: no cover
    from bot.scheduler.config import SchedulerConfig
    from bot.wechat.config import WeChatConfig

ROOT = Path(__file__).resolve().parent.parent
# Resident messages never in the training data: the team's held-out file and the two sets written
# blind, by people who never saw the training data (tests/data/blind_spec.md). The tests, make bench
# and the admins' model comparison all read them from here.
HELDOUT_FILE = ROOT / "tests" / "data" / "heldout.yml"
BLIND_FILES = {name: ROOT / "tests" / "data" / f"blind_{name}.yml" for name in ("north", "south")}
# Written blind for one topic (2026-11-23): neighbour disputes that are not about noise (fumes, the
# corridor taken over, pets …), which the mediation committee takes too, and their look-alikes.
NEIGHBOURS_FILE = ROOT / "tests" / "data" / "blind_neighbours.yml"
HELDOUT_FILES: Tuple[Path, ...] = (HELDOUT_FILE, *BLIND_FILES.values(), NEIGHBOURS_FILE)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    timezone: ZoneInfo
    reception_days: Tuple[int, ...]
    rasa_host: str
    rasa_port: int
    action_host: str
    action_port: int
    models_dir: Path
    database_url: str
    compound: str
    wechat: "WeChatConfig"  # appid/secret/API/templates (bot/wechat/config.py); empty appid: dev mode
    wechat_token: str  # the token WeChat signs pushes with (公众号 服务器配置)
    wechat_aes_key: str  # EncodingAESKey for safe mode; empty: plaintext mode
    wechat_fake_api_port: int  # dev mode: the fake WeChat API on loopback
    simulator_port: int  # dev mode: the WeChat simulator page
    scheduler: "SchedulerConfig"  # reminder times, time-limit checks (bot/scheduler/config.py)
    console_host: str = "127.0.0.1"  # the staff console (behind the reverse proxy in production)
    console_port: int = 8091
    console_secure_cookies: bool = False  # true behind HTTPS: cookies only over TLS
    console_public_url: str = ""  # how browsers reach it (WeChat log-in returns there); empty: no WeChat log-in
    console_trusted_proxies: Tuple[str, ...] = ("127.0.0.1", "::1")  # their X-Real-IP names the browser
    console_dev_password: str = "hongguanjia"  # dev mode: the demo staff's console password
    reviewed_examples_file: Path = ROOT / "nlu_data" / "nlu" / "reviewed.yml"  # the NLU inbox writes here
    training_root: Path = ROOT  # the folder with config.yml, domain.yml and nlu_data/ that retraining reads
    heldout_files: Tuple[Path, ...] = HELDOUT_FILES  # new models are scored on these messages
    retrain_f1_margin: float = 0.02  # a ticket intent's held-out F1 may fall this much before activation is refused
    model_control_token: str = ""  # between the console/CLI and Rasa's model switch; empty: read from the models folder
    photos_dir: Path = ROOT / "data" / "photos"  # photos staff upload in the console
    tracker_store_url: str = ""  # where Rasa keeps conversations (bot/conversation_store.py); "": beside the database

    @property
    def conversations_url(self) -> str:
        """Where the Rasa server keeps conversations: TRACKER_STORE_URL, else beside the database."""
        from bot.conversation_store import default_url
        return self.tracker_store_url or default_url(self.database_url)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def wechat_dev_mode(self) -> bool:
        """No official account configured: make run brings its own fake WeChat and a simulator."""
        return not self.wechat.configured

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"


def _read_dotenv(path: Path) -> dict:
    values = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, got {raw!r}") from None


def _days(raw: str) -> Tuple[int, ...]:
    try:
        days = tuple(sorted({int(part) for part in raw.replace("，", ",").split(",") if part.strip()}))
    except ValueError:
        raise SettingsError(f"RECEPTION_DAYS must be days of the month like 3,15; got {raw!r}") from None
    if not days or any(not 1 <= day <= 31 for day in days):
        raise SettingsError(f"RECEPTION_DAYS must be days between 1 and 31; got {raw!r}")
    return days


def load(environ: Optional[Mapping[str, str]] = None, dotenv: Optional[Path] = None) -> Settings:
    """Settings from ``environ`` (default: os.environ) over the .env file."""
    env = {**_read_dotenv(dotenv or ROOT / ".env"), **(os.environ if environ is None else environ)}
    try:
        timezone = ZoneInfo(env.get("TIMEZONE", "Asia/Shanghai"))
    except Exception:
        raise SettingsError(f"TIMEZONE is not a known time zone: {env.get('TIMEZONE')!r}") from None
    return Settings(
        timezone=timezone,
        reception_days=_days(env.get("RECEPTION_DAYS", "3,15")),
        rasa_host=env.get("RASA_HOST", "127.0.0.1"),
        rasa_port=_int(env, "RASA_PORT", 5005),
        action_host=env.get("ACTION_HOST", "127.0.0.1"),
        action_port=_int(env, "ACTION_PORT", 5055),
        models_dir=Path(env.get("MODELS_DIR", str(ROOT / "models"))),
        database_url=env.get("DATABASE_URL") or f"sqlite:///{ROOT / 'data' / 'red-butler.db'}",
        compound=env.get("COMPOUND", "demo"),
        wechat=_wechat(env),
        wechat_token=env.get("WECHAT_TOKEN", "").strip(),
        wechat_aes_key=env.get("WECHAT_ENCODING_AES_KEY", "").strip(),
        wechat_fake_api_port=_int(env, "WECHAT_FAKE_API_PORT", 8089),
        simulator_port=_int(env, "SIMULATOR_PORT", 8090),
        scheduler=_scheduler(env),
        console_host=env.get("CONSOLE_HOST", "127.0.0.1"),
        console_port=_int(env, "CONSOLE_PORT", 8091),
        console_secure_cookies=env.get("CONSOLE_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes"),
        console_public_url=env.get("CONSOLE_PUBLIC_URL", "").strip().rstrip("/"),
        console_trusted_proxies=tuple(a.strip() for a in env.get(
            "CONSOLE_TRUSTED_PROXIES", ",".join(Settings.console_trusted_proxies)).split(",") if a.strip()),
        console_dev_password=env.get("CONSOLE_DEV_PASSWORD", "hongguanjia"),
        reviewed_examples_file=ROOT / (env.get("REVIEWED_EXAMPLES_FILE") or "nlu_data/nlu/reviewed.yml"),
        training_root=ROOT / (env.get("TRAINING_ROOT") or "."),
        heldout_files=_heldout_files(env),
        retrain_f1_margin=_margin(env.get("RETRAIN_F1_MARGIN", "0.02")),
        model_control_token=env.get("MODEL_CONTROL_TOKEN", "").strip(),
        photos_dir=ROOT / (env.get("PHOTOS_DIR") or "data/photos"),
        tracker_store_url=env.get("TRACKER_STORE_URL", "").strip(),
    )


def _heldout_files(env: Mapping[str, str]) -> Tuple[Path, ...]:
    """HELDOUT_FILES (comma-separated; HELDOUT_FILE, its old single-file name, still counts)."""
    raw = env.get("HELDOUT_FILES") or env.get("HELDOUT_FILE") or ""
    files = tuple(ROOT / name.strip() for name in raw.split(",") if name.strip()) or HELDOUT_FILES
    missing = [str(file) for file in files if not file.is_file()]
    if missing:
        raise SettingsError(f"HELDOUT_FILES: no such file: {', '.join(missing)}")
    return files


def _margin(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"RETRAIN_F1_MARGIN must be a number between 0 and 1 (an F1 difference), got {raw!r}")
    return value


def _scheduler(env: Mapping[str, str]) -> "SchedulerConfig":
    from bot.scheduler.config import from_env  # it raises SettingsError, defined above

    return from_env(env)


def _wechat(env: Mapping[str, str]) -> "WeChatConfig":
    from bot.wechat.config import from_env  # it raises SettingsError, defined above

    config = from_env(env)
    if config.configured and not env.get("WECHAT_TOKEN", "").strip():
        raise SettingsError("WECHAT_TOKEN is empty: set the token of the account's server configuration")
    return config


@lru_cache(maxsize=1)
def get() -> Settings:
    """Process-wide settings, read once on first use (never at import time)."""
    return load()
