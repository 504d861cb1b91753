"""The admins' model page in-process: who may use it, and what it says when Rasa is not there.
Training, the comparison and the switch themselves run against the real assistant in
tests/e2e/test_retraining.py."""

from __future__ import annotations

import os

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import settings as settings_module
from bot.console.app import create_app
from bot.retraining.registry import write_json
from bot.retraining.service import RetrainingService
from tests.e2e.test_make_run import _free_port


@pytest.fixture
def retraining(tmp_path):
    # Nothing listens on the Rasa port: the page must say so rather than fail.
    settings = settings_module.load({"MODELS_DIR": str(tmp_path / "models"), "RASA_PORT": str(_free_port()),
                                     "MODEL_CONTROL_TOKEN": "t" * 32}, dotenv=tmp_path / "none.env")
    return RetrainingService(settings)


@pytest.fixture
async def model_browser(console, retraining):
    from tests.console.conftest import Browser
    client = TestClient(TestServer(create_app(console, retraining=retraining)))
    await client.start_server()
    yield lambda: Browser(client)
    await client.close()


async def test_only_admins_see_or_use_the_model_page(model_browser):
    butler = model_browser()
    await butler.log_in("wang")
    page, text = await butler.get("/admin/models")
    assert page.status == 403 and "开始训练" not in text
    for action in ("train", "activate", "restore"):
        refused, _ = await butler.post(f"/admin/models/{action}", {"model": "red-butler-x.tar.gz"})
        assert refused.status == 403


async def test_the_admin_is_told_when_the_assistant_does_not_answer(model_browser):
    admin = model_browser()
    await admin.log_in("zhou")
    page, text = await admin.get("/admin/models")
    assert page.status == 200 and "联系不上" in text and "开始训练" in text
    refused, text = await admin.post("/admin/models/restore")
    assert refused.status == 409 and "联系不上" in text


async def test_a_second_training_is_refused_while_one_runs(model_browser, retraining):
    running = {"id": "20261122-090000-abcdef", "status": "training", "progress": 40, "stage": "训练新模型",
               "by": "zhou", "started_at": "2026-11-22T01:00:00+00:00", "finished_at": None, "model": None,
               "active": None, "error": None, "pid": os.getpid()}
    write_json(retraining.registry.training_path(running["id"]), running)
    admin = model_browser()
    await admin.log_in("zhou")
    _, text = await admin.get("/admin/models")
    assert 'progress value="40"' in text and 'http-equiv="refresh"' in text  # it updates itself
    refused, text = await admin.post("/admin/models/train")
    assert refused.status == 409 and "已经有一次训练在进行" in text
    assert len(retraining.trainings.registry.trainings()) == 1


async def test_a_training_whose_process_died_shows_as_failed(model_browser, retraining):
    dead = {"id": "20261122-090000-abcdef", "status": "training", "progress": 40, "stage": "训练新模型",
            "by": "zhou", "started_at": "2026-11-22T01:00:00+00:00", "finished_at": None, "model": None,
            "active": None, "error": None, "pid": 2 ** 22 + 1}
    write_json(retraining.registry.training_path(dead["id"]), dead)
    admin = model_browser()
    await admin.log_in("zhou")
    _, text = await admin.get("/admin/models")
    assert "上次训练没有成功" in text and "训练进程意外停止" in text and "<progress" not in text


async def test_model_actions_need_the_csrf_token(model_browser):
    admin = model_browser()
    await admin.log_in("zhou")
    await admin.get("/admin/models")
    refused, _ = await admin.post("/admin/models/train", csrf="forged")
    assert refused.status == 403
