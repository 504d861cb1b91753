"""The admins' NLU inbox: messages the model was unsure about, with its ranking; accept, relabel
or ignore. Accepted and relabelled messages become Rasa training data; relabelling the message of
a provisional ticket reroutes it (or withdraws it). Only admins get in."""

from __future__ import annotations

import shutil
import subprocess
import sys

import yaml

from bot.services.review import Ranked
from bot.services.tickets import NewRequest
from tests.conftest import ROOT
from tests.console.conftest import openid

UNSURE = [Ranked("repair", 0.48), Ranked("noise_dispute", 0.31), Ranked("out_of_scope", 0.12)]


def unsure(services, who: str, text: str, ranking=UNSURE) -> int:
    return services.review.record(openid(who), text, ranking, "model-1")


def provisional(services, who: str, text: str, chose: str = "repair"):
    """The resident picked ``chose`` from the choices offered, and a ticket was recorded."""
    message = unsure(services, who, text)
    services.review.resident_chose(message, chose)
    services.residents.bind(openid(who), building="3", unit="2", room="502")
    ticket = services.tickets.submit(NewRequest(openid(who), chose, text, building="3", unit="2", room="502"))
    services.review.link_ticket(openid(who), chose, ticket.number)
    return message, ticket


def examples(path):
    return {item["intent"]: [line[2:] for line in item["examples"].splitlines()]
            for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]}


async def test_only_admins_open_the_inbox(services, browser):
    message = unsure(services, "zhang", "那个东西又响了")
    b = await browser()
    await b.log_in("wang")

    page, text = await b.get("/admin/inbox")
    assert page.status == 403 and "只有管理员" in text and "那个东西又响了" not in text
    refused, _ = await b.post(f"/admin/inbox/{message}", {"decision": "ignore"})
    assert refused.status == 403
    assert [i.status for i in services.review.inbox()] == ["pending"]


async def test_an_admin_accepts_the_models_guess_and_it_becomes_training_data(services, browser, examples_file):
    unsure(services, "zhang", "厨房那个管子滴答滴答的")
    b = await browser()
    await b.log_in("zhou")

    _, page = await b.get("/admin/inbox")
    assert "厨房那个管子滴答滴答的" in page and "报修 48%" in page and "邻里调解 31%" in page
    message = services.review.inbox()[0].id
    _, page = await b.post(f"/admin/inbox/{message}", {"decision": "accept"})

    assert "已采纳" in page and "没有待复核的留言" in page
    assert examples(examples_file) == {"repair": ["厨房那个管子滴答滴答的"]}


async def test_relabelling_a_provisional_ticket_reroutes_it_to_the_right_people(services, browser, examples_file):
    message, ticket = provisional(services, "zhang", "楼上天天半夜拖椅子吵得睡不着")
    assert services.tickets.get(ticket.number).assignee_name == "王秀英"  # read as a repair
    b = await browser()
    await b.log_in("zhou")
    await b.get("/admin/inbox")

    _, page = await b.post(f"/admin/inbox/{message}", {"decision": "relabel", "intent": "noise_dispute"})

    assert "已改标" in page
    view = services.tickets.get(ticket.number)
    assert (view.request_type, view.status, view.assignee_name) == ("noise_dispute", "transferred", "党员调解室")
    assert examples(examples_file) == {"noise_dispute": ["楼上天天半夜拖椅子吵得睡不着"]}
    from tests.console.test_console import outbox
    kinds = [(n.recipient_kind, n.kind) for n in outbox(services)]
    assert ("staff", "ticket_moved") in kinds and kinds[-2] == ("staff", "ticket_assigned")


async def test_relabelling_to_no_request_withdraws_the_ticket_and_tells_the_resident(services, browser):
    message, ticket = provisional(services, "zhang", "谢谢你们上次修得真快")
    b = await browser()
    await b.log_in("zhou")
    await b.get("/admin/inbox")

    await b.post(f"/admin/inbox/{message}", {"decision": "relabel", "intent": "thank"})

    assert services.tickets.get(ticket.number).status == "cancelled"
    from tests.console.test_console import outbox
    told = [n.text for n in outbox(services) if n.recipient_kind == "resident"]
    assert told[-1] == f"您的留言（工单 {ticket.number}）经核实不需要派人处理，已撤销。如果还有需要，直接告诉我就行。"


async def test_an_unknown_intent_or_a_second_decision_is_refused(services, browser, examples_file):
    message = unsure(services, "zhang", "这个咋弄")
    b = await browser()
    await b.log_in("zhou")
    await b.get("/admin/inbox")

    bad, page = await b.post(f"/admin/inbox/{message}", {"decision": "relabel", "intent": "order_pizza"})
    assert bad.status == 409 and "没有完成" in page
    await b.post(f"/admin/inbox/{message}", {"decision": "ignore"})
    again, _ = await b.post(f"/admin/inbox/{message}", {"decision": "accept"})
    assert again.status == 409 and not examples_file.exists()


def test_the_reviewed_file_is_training_data_rasa_accepts(tmp_path):
    """rasa data validate on the project's data plus a reviewed file the inbox wrote."""
    from bot.nlu import reviewed
    data = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", data)
    target = data / "nlu" / "reviewed.yml"
    reviewed.add(target, "repair", "卫生间顶上[漏水](facility)了 咋办")  # brackets must not become entities
    reviewed.add(target, "out_of_scope", "物业费：一年多少钱？")

    result = subprocess.run([sys.executable, "-m", "rasa", "data", "validate", "--data", str(data), "--domain",
                             str(ROOT / "domain.yml"), "--config", str(ROOT / "config.yml")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert examples(target)["repair"] == ["卫生间顶上［漏水］（facility）了 咋办"]
