"""The resident's side of a conversation, for action tests.

A :class:`Resident` keeps the slots and events the way Rasa keeps them for one sender: a
message fills the slots its entities map to (``action_extract_slots``), ``SlotSet`` events the
actions return are applied, and a form answer is offered to ``validate_ticket_form`` as the
slot candidate at the end of the events, as Rasa's FormAction does. Actions run with real
``rasa_sdk.Tracker`` objects and a ``CollectingDispatcher``; every response they utter must
exist in the real ``domain.yml`` and is rendered from it (slots, then the action's values) into
the Chinese text the resident reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.ticket_form import ActionAskAddress, ActionAskConfirmed, ValidateTicketForm
from actions.tickets import ActionStartTicket, ActionSubmitTicket
from bot.db.engine import transaction
from bot.db.models import Notification, Staff, Ticket
from bot.nlu import address
from bot.services.tickets import NewRequest

MODEL_ID = "m-1"
FORM = "ticket_form"
ASK_ACTIONS = {"address": ActionAskAddress(), "confirmed": ActionAskConfirmed()}
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@pytest.fixture
def resident(services, domain):
    """resident("wx-502") -> a Resident talking to the actions (on the `services` database)."""

    def make(openid: str = "wx-resident") -> Resident:
        return Resident(openid, domain)

    return make


@pytest.fixture
def bound(services):
    """bound("wx-502", "3", "2", "502") binds a resident to a household, as an earlier chat did."""

    def bind(openid: str, building: str, unit: Optional[str], room: str) -> None:
        binding = services.residents.bind(openid, building=building, unit=unit, room=room)
        assert binding.problem is None, binding.problem

    return bind


@pytest.fixture
def ticket_row(services):
    """ticket_row("BX-20261121-0001") -> the stored row (columns the views leave out)."""

    def get(number: str) -> Ticket:
        with transaction(services.factory) as session:
            return session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()

    return get


def open_ticket(services, openid: str, description: str = "厨房水管漏水", request_type: str = "repair",
                **where) -> str:
    """A ticket the resident reported earlier (building 3 unless said otherwise)."""
    where = {"building": "3", "unit": "1", "room": "301", **where}
    return services.tickets.submit(NewRequest(openid=openid, request_type=request_type,
                                              description=description, **where)).number


@pytest.fixture
def outbox(services):
    """outbox() -> (recipient, kind, urgent, text) of every message owed, oldest first; staff
    are named by their code."""

    def read() -> List[Tuple[str, str, bool, str]]:
        with transaction(services.factory) as session:
            codes = dict(session.execute(select(Staff.id, Staff.code)).all())
            rows = session.execute(select(Notification).order_by(Notification.id)).scalars().all()
            return [(codes[n.recipient_id] if n.recipient_kind == "staff" else f"resident#{n.recipient_id}",
                     n.kind, n.urgent, n.text) for n in rows]

    return read


def render(domain: Dict[str, Any], message: Dict[str, Any], slots: Dict[str, Any]) -> str:
    """The text Rasa would send for an uttered response: the first variant whose conditions
    hold, its placeholders filled from the slots overridden by the values the action passed."""
    name = message["response"]
    assert name in domain["responses"], f"{name} is not a response in domain.yml"
    variants = domain["responses"][name]
    chosen = next(v for v in variants if all(
        slots.get(c["name"]) == c["value"] for c in v.get("condition", [])))
    values = {**slots, **{k: v for k, v in message.items() if k not in ("response", "template")}}
    missing = [key for key in PLACEHOLDER.findall(chosen["text"]) if key not in values]
    assert not missing, f"{name} needs {missing}, which the action did not pass"
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), chosen["text"])


@dataclass
class Reply:
    """What one action (or one form turn) did: events returned, responses uttered and their text."""

    events: List[Dict[str, Any]] = field(default_factory=list)
    messages: List[Dict[str, Any]] = field(default_factory=list)
    texts: List[str] = field(default_factory=list)

    @property
    def responses(self) -> List[str]:
        return [message["response"] for message in self.messages]

    @property
    def slots(self) -> Dict[str, Any]:
        """The slots this reply set (the last value of each)."""
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def say(self, response: str) -> str:
        """The rendered text of the one message with this response name."""
        found = [t for m, t in zip(self.messages, self.texts) if m["response"] == response]
        assert len(found) == 1, f"{response} uttered {len(found)} times in {self.responses}"
        return found[0]

    def extend(self, other: "Reply") -> "Reply":
        self.events += other.events
        self.messages += other.messages
        self.texts += other.texts
        return self


class Resident:
    """One sender's conversation state, as Rasa keeps it between turns."""

    def __init__(self, openid: str, domain: Dict[str, Any]) -> None:
        self.openid = openid
        self.domain = domain
        self.slots: Dict[str, Any] = {}
        self.events: List[Dict[str, Any]] = []
        self.latest: Dict[str, Any] = {}
        self.form_active = False

    # -- messages ---------------------------------------------------------------------------
    def says(self, text: str, intent: Optional[str] = "inform", confidence: float = 0.96,
             entities: Iterable[Tuple] = (), ranking: Optional[Sequence[Tuple[str, float]]] = None,
             model_id: Optional[str] = MODEL_ID) -> None:
        """A message and what the model made of it. Addresses and phones are found by the
        pipeline's own AddressEntityExtractor; other entities (facility) are given as
        (entity, value[, role])."""
        found = [dict(entity=m.entity, value=m.value, role=m.role, start=m.start, end=m.end)
                 for m in address.extract(text)]
        for e in entities:  # where the value is said, its offsets as Rasa gives them
            at = {"start": text.find(e[1]), "end": text.find(e[1]) + len(e[1])} if e[1] in text else {}
            found.append(dict(entity=e[0], value=e[1], role=e[2] if len(e) > 2 else None, **at))
        ranked = ranking if ranking is not None else [(intent, confidence)]
        self.latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": found,
                       "intent_ranking": [{"name": name, "confidence": conf} for name, conf in ranked]}
        self.events.append({"event": "user", "text": text, "parse_data": self.latest,
                            "metadata": {"model_id": model_id} if model_id else {}})
        self._fill_from_entities(found)

    def _fill_from_entities(self, found: List[Dict[str, Any]]) -> None:
        for slot, spec in self.domain["slots"].items():
            for mapping in spec.get("mappings", []):
                if mapping.get("type") != "from_entity":
                    continue
                values = [e["value"] for e in found
                          if e["entity"] == mapping["entity"] and e["role"] == mapping.get("role")]
                if values:
                    self.set(slot, values[0])

    def set(self, slot: str, value: Any) -> None:
        self.slots[slot] = value
        self.events.append(SlotSet(slot, value))

    def tracker(self, extra_events: Sequence[Dict[str, Any]] = ()) -> Tracker:
        events = self.events + list(extra_events)
        loop = {"name": FORM} if self.form_active else {}
        return Tracker(self.openid, dict(self.slots), self.latest, events, False, None, loop, "action_listen")

    # -- actions ----------------------------------------------------------------------------
    async def run(self, action: Action, extra_events: Sequence[Dict[str, Any]] = ()) -> Reply:
        """Run a custom action on the conversation so far and apply the events it returns."""
        dispatcher = CollectingDispatcher()
        slots_before = dict(self.slots)
        tracker = self.tracker(extra_events)
        events = await action.run(dispatcher, tracker, self.domain)
        self.events += list(extra_events) + [{"event": "action", "name": action.name()}]  # as Rasa records it
        texts = [render(self.domain, message, slots_before) for message in dispatcher.messages]
        self.events += [{"event": "bot", "text": text, "data": {"buttons": message.get("buttons")},
                         "metadata": {"utter_action": message["response"]}}  # as Rasa's BotUttered
                        for message, text in zip(dispatcher.messages, texts)]
        self._apply(events)
        return Reply(list(events), dispatcher.messages, texts)

    async def send(self, action: Action, text: str, intent: Optional[str] = "inform", **message) -> Reply:
        self.says(text, intent, **message)
        return await self.run(action)

    def _apply(self, events: Iterable[Dict[str, Any]]) -> None:
        for event in events:
            self.events.append(event)
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]

    # -- the ticket form --------------------------------------------------------------------
    async def activate_form(self) -> Reply:
        """ticket_form starts: the slots already filled are validated, then the first question."""
        self.form_active = True
        self._apply([ActiveLoop(FORM)])
        required = ValidateTicketForm().domain_slots(self.domain)
        prefilled = [SlotSet(slot, self.slots[slot]) for slot in required if self.slots.get(slot) is not None]
        stale = self.slots.get("requested_slot")
        if stale:  # as Rasa's action_extract_slots at activation: the from_text mapping's conditions hold
            prefilled.append(SlotSet(stale, self.latest.get("text")))
        return await self._validate_and_ask(prefilled)

    async def answer(self, text: str, intent: Optional[str] = "inform", **message) -> Reply:
        """The resident answers the question the form asked (a from_text slot mapping)."""
        assert self.form_active, "no form is active"
        self.says(text, intent, **message)
        self.set(self.slots["requested_slot"], text)  # from_text: the answer is the slot's candidate
        return await self._validate_and_ask()

    async def _validate_and_ask(self, candidates: Sequence[Dict[str, Any]] = ()) -> Reply:
        reply = await self.run(ValidateTicketForm(), candidates)
        if self.slots.get("requested_slot") is None:
            self.form_active = False
            self._apply([ActiveLoop(None)])
            return reply
        asked = self.slots["requested_slot"]
        if asked in ASK_ACTIONS:  # the form runs action_ask_<slot> where there is one
            return reply.extend(await self.run(ASK_ACTIONS[asked]))
        question = {"response": f"utter_ask_{asked}"}
        text = render(self.domain, question, self.slots)
        self.events.append({"event": "bot", "text": text, "data": {},
                            "metadata": {"utter_action": question["response"]}})
        return reply.extend(Reply([], [question], [text]))

    async def request(self, text: str, intent: str, answers: Sequence[Any] = (), **message) -> List[Reply]:
        """A whole request: the message that starts it, the form's questions answered in turn
        (a text, or (text, intent)), then action_submit_ticket once the form is done."""
        replies = [await self.send(ActionStartTicket(), text, intent, **message), await self.activate_form()]
        for answer in answers:
            said, meant = answer if isinstance(answer, tuple) else (answer, "inform")
            replies.append(await self.answer(said, meant))
        assert self.asked is None, f"the form still asks for {self.asked}"
        replies.append(await self.run(ActionSubmitTicket()))
        return replies

    @property
    def asked(self) -> Optional[str]:
        """The slot the form asks for now (None: the form is done)."""
        return self.slots.get("requested_slot") if self.form_active else None
