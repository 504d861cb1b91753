"""The official account's menu (bot/wechat/menu.yml) and the command that pushes it.

Click buttons carry the intent they start as their key; the WeChat channel turns a CLICK event
into that intent (``intent_for_key``). Usage: ``python -m bot.wechat.menu push`` (or ``show``).
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import yaml
from wechatpy import WeChatClient

MENU_FILE = Path(__file__).resolve().parent / "menu.yml"
# WeChat's limits: buttons, sub-buttons, and name lengths in bytes (UTF-8: 3 per Chinese character).
MAX_BUTTONS, MAX_SUB_BUTTONS, MAX_NAME_BYTES, MAX_SUB_NAME_BYTES, MAX_KEY_BYTES = 3, 5, 16, 60, 128


class MenuError(ValueError):
    """The menu breaks one of WeChat's rules; the message says which."""


@lru_cache(maxsize=1)
def menu() -> Dict[str, Any]:
    """The menu as WeChat's menu/create expects it, checked against WeChat's limits."""
    data = yaml.safe_load(MENU_FILE.read_text(encoding="utf-8"))
    check(data)
    return data


def check(data: Dict[str, Any]) -> None:
    buttons = data.get("button") if isinstance(data, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"the menu needs 1 to {MAX_BUTTONS} top-level buttons")
    for button in buttons:
        _check_button(button, MAX_NAME_BYTES)
        subs = button.get("sub_button")
        if subs is not None:
            if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
                raise MenuError(f"{button['name']}: 1 to {MAX_SUB_BUTTONS} sub-buttons")
            for sub in subs:
                _check_button(sub, MAX_SUB_NAME_BYTES)
                if "sub_button" in sub:
                    raise MenuError(f"{sub['name']}: sub-buttons cannot have sub-buttons")


def _check_button(button: Any, max_name_bytes: int) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("name"), str):
        raise MenuError(f"a button needs a name: {button!r}")
    name = button["name"]
    if not 0 < len(name.encode("utf-8")) <= max_name_bytes:
        raise MenuError(f"{name}: the name may have at most {max_name_bytes} bytes")
    if "sub_button" in button:
        return
    if button.get("type") != "click" or not isinstance(button.get("key"), str):
        raise MenuError(f"{name}: a button without sub-buttons must be a click button with a key")
    if not 0 < len(button["key"].encode("utf-8")) <= MAX_KEY_BYTES:
        raise MenuError(f"{name}: the key may have at most {MAX_KEY_BYTES} bytes")


def click_buttons(data: Optional[Dict[str, Any]] = None) -> Iterator[Dict[str, Any]]:
    for button in (data or menu())["button"]:
        yield from button.get("sub_button", [button])


def intent_for_key(key: str) -> Optional[str]:
    """The intent a CLICK event's EventKey starts (None: not one of our buttons)."""
    keys = {button["key"] for button in click_buttons()}
    return key if key in keys else None


def push_menu(client: WeChatClient, data: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Replace the account's menu (menu/create); WeChat's answer. Raises on an errcode."""
    data = data or menu()
    check(data)
    return client.menu.create(data)


def main(argv: Optional[List[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.wechat.menu", description="the account's menu")
    parser.add_argument("action", choices=["push", "show"])
    args = parser.parse_args(argv)
    if args.action == "show":
        print(json.dumps(menu(), ensure_ascii=False, indent=2))
        return 0
    from bot import settings
    from bot.db.engine import make_engine, make_session_factory
    from bot.wechat.client import build_client
    from bot.wechat.config import from_env

    # The settings (environment over .env), unless a caller hands in its own environment.
    config = settings.get().wechat if environ is None else from_env(environ)
    if not config.configured:
        print("error: set WECHAT_APPID and WECHAT_SECRET (see .env.example)", file=sys.stderr)
        return 2
    engine = make_engine(settings.get().database_url)
    try:
        answer = push_menu(build_client(config, make_session_factory(engine)))
    finally:
        engine.dispose()
    print(f"menu pushed: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
