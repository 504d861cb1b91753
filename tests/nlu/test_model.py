"""The trained model on messages it never saw (tests/data/heldout.yml; the blind sets, written by
people who never saw the training data) and on the issue's own examples."""

from collections import Counter

import pytest

from bot.retraining.evaluation import out_of_scope_as_ticket, ticket_macro_f1
from tests.conftest import TICKET_INTENTS, address_entities

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def predictions(parse, heldout):
    return [(item, parse(item["text"])) for item in heldout]


def _report(predictions, keep):
    return "\n".join(
        f"  {item['intent']:>22} -> {parsed['intent']['name']:<22} {parsed['intent']['confidence']:.2f} {item['text']}"
        for item, parsed in predictions if keep(item, parsed)
    )


@pytest.fixture(scope="module")
def blind_predictions(parse, blind):
    return {name: [(item, parse(item["text"])) for item in items] for name, items in blind.items()}


@pytest.mark.parametrize("name", ["north", "south"])
def test_messages_written_blind_are_understood(blind_predictions, name):
    """Floors below what `make bench` measures (README), with room for how much a few new training
    examples move a model (about ±0.02): a guard against a model that gets worse on
    residents nobody on the team wrote for, not the targets."""
    predictions = blind_predictions[name]
    pairs = [(item["intent"], parsed["intent"]["name"]) for item, parsed in predictions]
    accuracy = sum(want == got for want, got in pairs) / len(pairs)
    wrong = _report(predictions, lambda item, parsed: item["intent"] != parsed["intent"]["name"])
    assert ticket_macro_f1(pairs) >= 0.90 and accuracy >= 0.88, \
        f"ticket F1 {ticket_macro_f1(pairs):.3f}, accuracy {accuracy:.3f}; misses:\n{wrong}"
    assert out_of_scope_as_ticket(pairs) <= 0.12, f"{out_of_scope_as_ticket(pairs):.1%} of out_of_scope became tickets"


def test_neighbour_disputes_written_blind_go_to_mediation(parse, neighbours):
    """Disputes with a neighbour that are not about noise (fumes, things thrown down, the corridor
    taken over, pets, dripping water …) are the mediation committee's too, and talk about neighbours
    that asks for nothing is not a ticket. Floors below what `make bench` measures (README)."""
    predictions = [(item, parse(item["text"])) for item in neighbours]
    disputes = [(item, parsed) for item, parsed in predictions if item["intent"] == "noise_dispute"]
    recall = sum(parsed["intent"]["name"] == "noise_dispute" for _, parsed in disputes) / len(disputes)
    missed = _report(disputes, lambda item, parsed: parsed["intent"]["name"] != "noise_dispute")
    assert recall >= 0.80, f"{recall:.1%} of the disputes recognised; misses:\n{missed}"
    pairs = [(item["intent"], parsed["intent"]["name"]) for item, parsed in predictions]
    as_ticket = _report(predictions, lambda item, parsed: item["intent"] == "out_of_scope"
                        and parsed["intent"]["name"] in TICKET_INTENTS)
    rate = out_of_scope_as_ticket(pairs)
    assert rate <= 0.10, f"{rate:.1%} of out_of_scope became tickets:\n{as_ticket}"


def test_ticket_intents_are_recognised_on_unseen_messages(predictions):
    pairs = [(item["intent"], parsed["intent"]["name"]) for item, parsed in predictions]
    macro_f1 = ticket_macro_f1(pairs)
    wrong = _report(predictions, lambda item, parsed: item["intent"] in TICKET_INTENTS
                    and parsed["intent"]["name"] != item["intent"])
    assert macro_f1 >= 0.90, f"macro F1 {macro_f1:.3f} over ticket intents; misses:\n{wrong}"


def test_out_of_scope_messages_almost_never_become_tickets(predictions):
    rate = out_of_scope_as_ticket([(item["intent"], parsed["intent"]["name"]) for item, parsed in predictions])
    as_ticket = [(item, parsed) for item, parsed in predictions
                 if item["intent"] == "out_of_scope" and parsed["intent"]["name"] in TICKET_INTENTS]
    assert rate <= 0.03, f"{rate:.1%} of out_of_scope became tickets:\n{_report(as_ticket, lambda *_: True)}"


def test_all_intents_overall(predictions):
    """Every intent, fallback counted as a miss: a guard against a model that silently degrades."""
    correct = Counter(item["intent"] == parsed["intent"]["name"] for item, parsed in predictions)
    accuracy = correct[True] / len(predictions)
    wrong = _report(predictions, lambda item, parsed: item["intent"] != parsed["intent"]["name"])
    assert accuracy >= 0.85, f"accuracy {accuracy:.3f}; misses:\n{wrong}"


def test_the_issue_example_is_a_repair_with_its_address(parse):
    parsed = parse("3栋2单元502卫生间漏水了")
    assert parsed["intent"]["name"] == "repair"
    assert address_entities(parsed) == {"building": ["3"], "unit": ["2"], "room": ["502"]}


@pytest.mark.parametrize("text, intent", [
    # An address says where, not what: a short request that carries one is still the request
    # (1栋1单元502阳台下水道堵了 was read as inform 0.63 before the tokenizer showed DIET a placeholder).
    ("1栋1单元502阳台下水道堵了", "repair"),
    ("7-2-601马桶堵了", "repair"),
    ("9栋1单元1201 楼上装修太吵了", "noise_dispute"),
    ("十栋二单元502 我的快递被人拿错了", "parcel"),
    # … and an address with nothing else is the resident saying where they live.
    ("3栋2单元502", "inform"),
    ("我住5号楼1单元301", "inform"),
    ("新地址是6栋3单元301", "inform"),
    ("电话13812345678", "inform"),
])
def test_an_address_does_not_change_what_a_message_asks(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text, intent", [
    ("充电桩坏了", "repair"),
    ("和楼上因为噪音吵起来了求调解", "noise_dispute"),
    ("我上周报修的怎么还没人来", "check_ticket"),
    ("快递显示签收了但是我没收到", "parcel"),
    ("我妈不会刷脸认证养老金 能上门帮忙吗", "pension_certification"),
    ("业主接待日是哪天", "ask_reception_day"),
])
def test_near_misses_land_on_the_right_intent(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text, intent", [
    ("退订提醒", "unsubscribe_reminders"),
    ("TD", "unsubscribe_reminders"),
    ("订阅提醒", "subscribe_reminders"),
    ("恢复提醒", "subscribe_reminders"),
    ("接待日是哪天", "ask_reception_day"),
    ("取消工单", "cancel_ticket"),
    ("撤销报修", "cancel_ticket"),
    ("提醒一下物业来修", "repair"),
])
def test_reminder_commands_and_their_near_misses(parse, text, intent):
    """退订提醒 / 订阅提醒 and the messages that look like them but ask for something else."""
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text", ["取消关注", "提醒我明天去医院复查", "微信的消息提醒怎么关"])
def test_reminders_that_are_not_ours_change_no_subscription(parse, text):
    assert parse(text)["intent"]["name"] not in ("unsubscribe_reminders", "subscribe_reminders")


@pytest.mark.parametrize("text", ["物业费怎么交", "停车位怎么租", "我想学手机刷脸", "今天天气怎么样"])
def test_things_we_do_not_handle_never_become_tickets(parse, text):
    assert parse(text)["intent"]["name"] not in TICKET_INTENTS


def test_entities_come_out_of_the_model_with_canonical_values(predictions):
    wrong = []
    for item, parsed in predictions:
        expected = {key: str(value) for key, value in (item.get("entities") or {}).items()}
        found = {key: values[0] for key, values in address_entities(parsed).items()}
        if found != expected:
            wrong.append(f"{item['text']!r}: expected {expected}, got {address_entities(parsed)}")
    assert not wrong, "\n".join(wrong)


def test_facility_synonyms_are_mapped(parse):
    facilities = [e["value"] for e in parse("电悌又坏了 困在里面出不来")["entities"] if e["entity"] == "facility"]
    assert facilities == ["电梯"]


def test_extreme_messages_parse_without_error(parse):
    for text in ["", "😡😡😡", "a" * 5000, "'; DROP TABLE tickets; --", "<script>alert(1)</script>", "/repair"]:
        parsed = parse(text)
        assert "intent" in parsed
