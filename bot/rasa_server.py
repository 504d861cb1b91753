"""`python -m bot.rasa_server run …`: Rasa's own command line (``python -m rasa``), with one fix
of ours installed first. ``make run`` (bot.run) starts the Rasa server this way.

The fix. Rasa 3.6.21 checks every reply of the action server with
``jsonschema.validate(result, RemoteAction.action_response_format_spec())``. That function first
checks the *schema* against the JSON Schema 2020-12 meta-schema, then builds a new validator, on
every call: about 30 ms of CPU on our 2 cores, while checking the reply itself takes under 1 ms.
Most messages run one or two custom actions, and under load (``make bench-wechat``, profiled
with py-spy) this was about half of the Rasa server's CPU. The schema is a constant: here it is
checked once, and each reply is validated by one validator built once, of the class
``jsonschema.validate`` picks, with the same error (Rasa's message appended) when a reply is
invalid. Nothing else changes.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional

_installed = False


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` with the cached-validator version (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    original = RemoteAction._validate_action_result
    validators: Dict[Callable[[], Dict[str, Any]], Any] = {}

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        from jsonschema import exceptions
        spec_of = type(self).action_response_format_spec
        validator = validators.get(spec_of)
        if validator is None:
            validator = validators[spec_of] = _validator(spec_of())
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # an invalid reply: Rasa's own error, with its message

    _validate_action_result.__doc__ = original.__doc__
    RemoteAction._validate_action_result = _validate_action_result
    _installed = True


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
