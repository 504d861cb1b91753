"""Only allowed transitions happen, and each one is an event with who, when and why."""

from datetime import datetime

import pytest

from bot.tickets.lifecycle import OPEN, Status, TransitionNotAllowed, created, transition

NOW = datetime(2026, 11, 21, 9, 30)


def test_the_happy_path_is_allowed_step_by_step():
    path = [Status.NEW, Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
    for current, following in zip(path, path[1:]):
        event = transition(current, following, actor="butler-3", at=NOW, assignee="butler-3")
        assert (event.from_status, event.to_status, event.actor, event.at) == (current, following, "butler-3", NOW)


@pytest.mark.parametrize("current, to", [
    (Status.NEW, Status.RESOLVED),
    (Status.ASSIGNED, Status.CLOSED),
    (Status.CLOSED, Status.REOPENED),
    (Status.CANCELLED, Status.ASSIGNED),
    (Status.RESOLVED, Status.IN_PROGRESS),
])
def test_skipping_or_leaving_a_final_status_is_refused(current, to):
    with pytest.raises(TransitionNotAllowed):
        transition(current, to, actor="x", at=NOW, reason="because", assignee="y")


def test_a_low_rating_reopens_a_resolved_ticket_with_its_reason():
    event = transition(Status.RESOLVED, Status.REOPENED, actor="resident", at=NOW, reason="评分2分：没修好")
    assert event.reason == "评分2分：没修好"


@pytest.mark.parametrize("to", [Status.TRANSFERRED, Status.ESCALATED])
def test_handing_on_needs_a_person_and_a_reason(to):
    with pytest.raises(TransitionNotAllowed, match="needs the person"):
        transition(Status.ASSIGNED, to, actor="butler-3", at=NOW, reason="不归我管")
    with pytest.raises(TransitionNotAllowed, match="needs a reason"):
        transition(Status.ASSIGNED, to, actor="butler-3", at=NOW, reason="  ", assignee="manager")


def test_cancelling_needs_a_reason():
    with pytest.raises(TransitionNotAllowed):
        transition(Status.ASSIGNED, Status.CANCELLED, actor="resident", at=NOW)
    assert transition(Status.ASSIGNED, Status.CANCELLED, actor="resident", at=NOW, reason="已经好了").to_status is Status.CANCELLED


def test_every_ticket_starts_new_and_open_statuses_exclude_finished_ones():
    assert created(actor="resident", at=NOW).to_status is Status.NEW
    assert Status.RESOLVED not in OPEN and Status.CLOSED not in OPEN and Status.CANCELLED not in OPEN
    assert Status.REOPENED in OPEN and Status.ESCALATED in OPEN
