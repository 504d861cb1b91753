"""Switch the running Rasa server to another model without making residents wait.

Rasa's own ``PUT /model`` builds the new model inside the event loop: on this 2-core machine the
server answers nothing for about half a minute (``../shared/NOTES.md``), and WeChat gives up on a
reply after 5 seconds. Here the new model is built and warmed up (its first parse compiles the
TensorFlow graph) in a worker thread while the old one keeps answering; the switch itself is a
few attribute assignments in the event loop. Conversations carry on: trackers, the lock store
and the action endpoint are the running agent's own, only the model changes. A message already
being handled finishes with the model it started with.

Mounted as a Rasa input channel (``credentials.yml``) so that it runs inside the Rasa server:

    GET  /webhooks/model/            the active model and the state of the last switch
    POST /webhooks/model/activate    {"model": "<file in the models folder>", "by": …, "reason": …,
                                      "override": bool, "previous": …}   → 202, then poll GET

Both need ``Authorization: Bearer <MODEL_CONTROL_TOKEN>``. On success the switch is recorded in
the model registry (:mod:`bot.retraining.registry`): the next ``make run`` starts with this model.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
import time
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.retraining.registry import Activation, ModelRegistry, RegistryError

logger = logging.getLogger(__name__)

WARM_UP_TEXT = "3栋502厨房水管漏水了"  # compiles the graph before the first resident's message


@dataclass
class SwitchState:
    """What GET reports: the model answering now and the last switch asked for."""

    active: Optional[str] = None
    loading: Optional[str] = None
    started_at: Optional[float] = None
    last_error: Optional[str] = None
    last_switch_seconds: Optional[float] = None
    switches: int = 0
    _task: Optional["asyncio.Task[None]"] = field(default=None, repr=False)

    def public(self) -> Dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


def build_processor(agent: Any, model_path: str) -> Any:
    """A processor for ``model_path`` sharing the running agent's stores, warmed up. Thread-safe:
    it touches nothing the event loop uses."""
    from rasa.core.processor import MessageProcessor
    processor = MessageProcessor(
        model_path=model_path, tracker_store=agent.tracker_store, lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint, generator=agent.nlg, http_interpreter=agent.http_interpreter)
    asyncio.run(processor.parse_message(UserMessage(WARM_UP_TEXT, sender_id="model-warm-up")))
    return processor


def install(agent: Any, processor: Any) -> None:
    """What ``Agent.load_model`` does after building its processor; runs in the event loop."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    agent.processor = processor
    agent.domain = processor.domain
    agent._set_fingerprint(None)
    agent.tracker_store.domain = agent.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = agent.domain.responses if agent.domain else {}


class ModelControlInput(InputChannel):
    """Not a channel residents talk to: the admin's switch for the model this server answers with."""

    @classmethod
    def name(cls) -> Text:
        return "model"

    def __init__(self, token: str, models_dir: str) -> None:
        self.token = token or ""
        self.registry = ModelRegistry(models_dir)
        self.state = SwitchState()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ModelControlInput":
        credentials = credentials or {}
        return cls(token=str(credentials.get("token") or ""), models_dir=str(credentials.get("models_dir") or "models"))

    def _authorised(self, request: Request) -> bool:
        if len(self.token) < 16:  # unset or too weak: the switch stays closed
            return False
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Any) -> Blueprint:
        control = Blueprint("model_control", __name__)

        @control.route("/", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            agent = request.app.ctx.agent
            self.state.active = agent.model_name if agent and agent.processor else None
            return response.json(self.state.public())

        @control.route("/activate", methods=["POST"])
        async def activate(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            try:
                path = self.registry.path_of(str(body.get("model", "")))
            except RegistryError as error:
                return response.json({"error": str(error)}, status=400)
            if self.state._task is not None and not self.state._task.done():
                return response.json({"error": f"already switching to {self.state.loading}"}, status=409)
            if path.name == request.app.ctx.agent.model_name:
                return response.json({**self.state.public(), "active": path.name, "unchanged": True})
            activation = Activation.from_request(path.name, body)
            self.state.loading, self.state.started_at, self.state.last_error = path.name, time.time(), None
            self.state._task = asyncio.ensure_future(self._switch(request.app.ctx.agent, str(path), activation))
            return response.json(self.state.public(), status=202)

        return control

    @staticmethod
    def _free_the_old_model() -> None:
        """The old model is held in reference cycles (TensorFlow's objects) that Python's automatic
        collection reaches late: measured, the server grew by ~90 MB a switch (0.9 → 1.44 GB after
        six). Collected at once, it stays at ~1.17 GB, for a pause of ~0.5 s, once per switch."""
        started = time.monotonic()
        found = gc.collect()
        logger.info("Freed the old model (%d objects) in %.2f s", found, time.monotonic() - started)

    async def _switch(self, agent: Any, path: str, activation: Activation) -> None:
        started = time.monotonic()
        try:
            processor = await asyncio.get_running_loop().run_in_executor(None, build_processor, agent, path)
        except Exception as error:  # the old model keeps answering; the admin sees why
            logger.exception("Model switch to %s failed", path)
            self.state.last_error = f"{type(error).__name__}: {error}"
            self.state.loading = None
            return
        previous = agent.model_name
        install(agent, processor)
        del processor
        self._free_the_old_model()
        self.state.active, self.state.loading = activation.model, None
        self.state.switches += 1
        self.state.last_switch_seconds = round(time.monotonic() - started, 1)
        logger.info("Now answering with model %s (built in %.1f s)", activation.model, self.state.last_switch_seconds)
        try:
            self.registry.record(activation, previous=previous)
        except OSError as error:  # answering with the new model, but the next start would not know it
            logger.exception("Could not record the switch to %s", activation.model)
            self.state.last_error = f"switched, but not recorded for the next start: {error}"
