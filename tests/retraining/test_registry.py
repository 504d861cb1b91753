"""The models folder as a record: names checked, switches recorded, restore knows where to go."""

from __future__ import annotations

import os

import pytest

from bot.retraining.registry import Activation, ModelRegistry, RegistryError


@pytest.fixture
def registry(tmp_path):
    for name in ("red-butler-aaa.tar.gz", "red-butler-bbb.tar.gz"):
        (tmp_path / name).write_bytes(b"model")
    (tmp_path / "secret.txt").write_text("not a model")
    return ModelRegistry(tmp_path)


@pytest.mark.parametrize("name", ["../red-butler-aaa.tar.gz", "/etc/passwd", "secret.txt", "", ".hidden.tar.gz",
                                  "red-butler-ccc.tar.gz"])
def test_only_model_files_in_the_folder_can_be_named(registry, name):
    with pytest.raises(RegistryError):
        registry.path_of(name)


def test_switches_are_recorded_and_the_last_one_is_what_the_next_start_serves(registry):
    assert registry.active_path() is None and registry.history() == []
    registry.record(Activation.from_request("red-butler-bbb.tar.gz", {"by": "zhou"}), previous="red-butler-aaa.tar.gz")
    registry.record(Activation.from_request("red-butler-aaa.tar.gz", {"by": "zhou", "restore": True}),
                    previous="red-butler-bbb.tar.gz")
    assert registry.active_path().name == "red-butler-aaa.tar.gz"
    assert [(e["model"], e["previous"], e["restore"]) for e in registry.history()] == [
        ("red-butler-aaa.tar.gz", "red-butler-bbb.tar.gz", True),
        ("red-butler-bbb.tar.gz", "red-butler-aaa.tar.gz", False)]


def test_an_activated_model_whose_file_is_gone_is_not_served(registry, tmp_path):
    registry.record(Activation.from_request("red-butler-bbb.tar.gz", {"by": "cli"}), previous=None)
    os.remove(tmp_path / "red-butler-bbb.tar.gz")
    assert registry.active_path() is None


def test_an_override_keeps_its_reason(registry):
    activation = Activation.from_request("red-butler-bbb.tar.gz", {"by": "zhou", "override": True,
                                                                   "reason": "停车位问题太多"})
    registry.record(activation, previous=None)
    assert (registry.active()["override"], registry.active()["reason"]) == (True, "停车位问题太多")


def test_make_run_starts_with_the_model_an_admin_activated(registry, tmp_path, capsys):
    from bot import settings as settings_module
    from bot.run import choose_model
    registry.record(Activation.from_request("red-butler-aaa.tar.gz", {"by": "zhou"}), previous=None)
    settings = settings_module.load({"MODELS_DIR": str(tmp_path)}, dotenv=tmp_path / "none.env")
    assert choose_model(settings).name == "red-butler-aaa.tar.gz"  # no training: it is there
    printed = capsys.readouterr().out
    assert "activated" in printed and "by zhou" in printed
    assert "the training data changed since" in printed  # aaa is not the model of the current inputs


def test_prune_keeps_what_a_restore_or_the_next_start_may_need(tmp_path):
    from bot import settings as settings_module
    from bot.model_store import model_name
    from bot.retraining.registry import write_json
    from bot.retraining.service import RetrainingService
    from tests.e2e.test_make_run import _free_port

    current = f"{model_name(settings_module.ROOT)}.tar.gz"
    for name in ("red-butler-old1.tar.gz", "red-butler-old2.tar.gz", "red-butler-prev.tar.gz",
                 "red-butler-active.tar.gz", "red-butler-trained.tar.gz", current):
        (tmp_path / name).write_bytes(b"model")
    (tmp_path / "evaluations").mkdir()
    (tmp_path / "evaluations" / "red-butler-old1.abc.json").write_text("{}")
    registry = ModelRegistry(tmp_path)
    registry.record(Activation.from_request("red-butler-active.tar.gz", {"by": "zhou"}),
                    previous="red-butler-prev.tar.gz")
    write_json(registry.training_path("20261122-090000-abcdef"), {"id": "20261122-090000-abcdef", "status": "done",
                                                                  "model": "red-butler-trained.tar.gz"})
    settings = settings_module.load({"MODELS_DIR": str(tmp_path), "RASA_PORT": str(_free_port())},
                                    dotenv=tmp_path / "none.env")  # Rasa not running: the record decides

    removed = RetrainingService(settings).prune()

    assert sorted(removed) == ["red-butler-old1.tar.gz", "red-butler-old2.tar.gz"]
    assert sorted(m.name for m in registry.models()) == sorted(
        ["red-butler-prev.tar.gz", "red-butler-active.tar.gz", "red-butler-trained.tar.gz", current])
    assert not list((tmp_path / "evaluations").iterdir())


def test_prune_deletes_nothing_when_it_cannot_tell_which_model_answers(tmp_path):
    from bot import settings as settings_module
    from bot.retraining.service import ActivationRefused, RetrainingService
    from tests.e2e.test_make_run import _free_port

    (tmp_path / "red-butler-a.tar.gz").write_bytes(b"model")
    settings = settings_module.load({"MODELS_DIR": str(tmp_path), "RASA_PORT": str(_free_port())},
                                    dotenv=tmp_path / "none.env")
    with pytest.raises(ActivationRefused):
        RetrainingService(settings).prune()
    assert (tmp_path / "red-butler-a.tar.gz").exists()
