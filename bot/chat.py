"""`make chat`: a terminal client for the REST channel of a running assistant."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import List, Optional

from bot.settings import Settings


def send(settings: Settings, sender: str, text: str) -> list:
    url = f"http://{settings.rasa_host}:{settings.rasa_port}/webhooks/rest/webhook"
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def main(settings: Settings, sender: Optional[str] = None) -> int:
    sender = sender or f"terminal-{uuid.uuid4().hex[:8]}"
    print(f"Talking to the assistant as resident {sender} (`make chat AS={sender}` to come back as them). "
          "Empty line or Ctrl-D to quit.")
    choices: List[str] = []
    while True:
        try:
            text = input("您 > ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text:
            return 0
        if text.isdigit() and 1 <= int(text) <= len(choices):
            text = choices[int(text) - 1]  # a tap on a button sends its payload
        try:
            replies = send(settings, sender, text)
        except OSError as error:
            print(f"(the assistant is not reachable: {error}. Is `make run` running?)")
            return 1
        choices = []
        for reply in replies:
            print(f"红管家 > {reply.get('text') or json.dumps(reply, ensure_ascii=False)}")
            for button in reply.get("buttons") or []:
                choices.append(button["payload"])
                print(f"         [{len(choices)}] {button['title']}")
