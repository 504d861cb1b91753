"""The console's and the CLI's side of the model switch inside the Rasa server (bot.retraining.hot_swap)."""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional

from bot.settings import Settings

TOKEN_FILE = ".control-token"


class ControlError(RuntimeError):
    """The Rasa server could not be reached or refused the request; the message says why."""


def control_token(settings: Settings) -> str:
    """MODEL_CONTROL_TOKEN, else the one ``make run`` keeps in the models folder (empty if none yet)."""
    if settings.model_control_token:
        return settings.model_control_token
    try:
        return (settings.models_dir / TOKEN_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def ensure_control_token(settings: Settings) -> str:
    """The token, created (readable by this user only) the first time ``make run`` starts."""
    token = control_token(settings)
    if token:
        return token
    path: Path = settings.models_dir / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w") as out:
        out.write(token + "\n")
    return token


class ModelControl:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/model"
        self.token = token
        self.timeout = timeout

    @classmethod
    def of(cls, settings: Settings) -> "ModelControl":
        return cls(settings.rasa_url, control_token(settings))

    def _call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read() or b"{}").get("error", "")
            except ValueError:
                detail = ""
            raise ControlError(f"the Rasa server refused ({error.code}): {detail or error.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ControlError(f"the Rasa server at {self.url} does not answer ({error}); is `make run` running?") from None

    def status(self) -> Dict[str, Any]:
        return self._call("GET", "/")

    def activate(self, model: str, *, by: str, override: bool = False, reason: str = "",
                 restore: bool = False) -> Dict[str, Any]:
        return self._call("POST", "/activate", {"model": model, "by": by, "override": override,
                                                "reason": reason, "restore": restore})

    def wait(self, model: str, timeout: float = 900.0, poll: float = 1.0) -> Dict[str, Any]:
        """Until the switch to ``model`` has finished; its error, if it failed."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.status()
            if not state.get("loading"):
                if state.get("active") == model:
                    return state
                raise ControlError(f"the switch to {model} failed: {state.get('last_error') or 'unknown error'}")
            if time.monotonic() > deadline:
                raise ControlError(f"the switch to {model} has not finished after {timeout:.0f} s")
            time.sleep(poll)
