"""`python -m bot.rasa_server run …`: Rasa's own command line (``python -m rasa``), with two
fixes of ours installed first. ``make run`` (bot.run) starts the Rasa server this way. Both cut
CPU that Rasa spends on every message again for the same constant answer; neither changes what
Rasa does or answers.

The schema check. Rasa 3.6.21 checks every reply of the action server with
``jsonschema.validate(result, RemoteAction.action_response_format_spec())``. That function first
checks the *schema* against the JSON Schema 2020-12 meta-schema, then builds a new validator, on
every call: about 30 ms of CPU on our 2 cores, while checking the reply itself takes under 1 ms.
Most messages run one or two custom actions, and under load (``make bench-wechat``, profiled
with py-spy) this was about half of the Rasa server's CPU. The schema is a constant: here it is
checked once, and each reply is validated by one validator built once, of the class
``jsonschema.validate`` picks, with the same error (Rasa's message appended) when a reply is
invalid.

The event types. Rasa's tracker store keeps each conversation serialised and rebuilds it for
every message; each event's class is found by ``Event.resolve_by_type``, which walks all of
Event's subclasses (``inspect.isabstract`` on each) for every event: ~8 % of the server's CPU
under the same load, more as conversations grow. Here a type name, once found, is remembered;
names not found still go through Rasa's own method (its default, ``topic``, its error).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional

_installed = False


def install() -> None:
    """Install both fixes into Rasa's classes (idempotent)."""
    global _installed
    if _installed:
        return
    _check_replies_with_one_validator()
    _remember_event_types()
    _installed = True


def _check_replies_with_one_validator() -> None:
    """``RemoteAction._validate_action_result`` with the schema checked, and the validator built, once."""
    from jsonschema import exceptions
    from rasa.core.actions.action import RemoteAction
    original = RemoteAction._validate_action_result
    validators: Dict[Callable[[], Dict[str, Any]], Any] = {}

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        spec_of = type(self).action_response_format_spec
        validator = validators.get(spec_of)
        if validator is None:
            validator = validators[spec_of] = _validator(spec_of())
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # an invalid reply: Rasa's own error, with its message

    _validate_action_result.__doc__ = original.__doc__
    RemoteAction._validate_action_result = _validate_action_result


def _remember_event_types() -> None:
    """``Event.resolve_by_type`` with the class of each type name found once."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses
    original = Event.resolve_by_type
    found: Dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Optional[type] = None) -> Optional[type]:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        for cls in all_subclasses(Event):  # as Rasa's method: the first subclass of that name
            if cls.type_name == type_name:
                found[type_name] = cls
                return cls
        return original(type_name, default)  # not an event type: Rasa's answer (None, default, error)

    resolve_by_type.__doc__ = original.__doc__
    Event.resolve_by_type = staticmethod(resolve_by_type)


def _validator(schema: Dict[str, Any]) -> Any:
    """What ``jsonschema.validate`` builds for ``schema`` on each call, built once."""
    from jsonschema import validators
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main(argv: Optional[List[str]] = None) -> None:
    install()
    from rasa.__main__ import main as rasa_main
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    rasa_main()


if __name__ == "__main__":
    main()
