"""Settings come from the environment over .env, and bad values are refused with a clear message."""

import pytest

from bot.settings import SettingsError, load


def test_defaults(tmp_path):
    settings = load(environ={}, dotenv=tmp_path / "missing.env")
    assert settings.reception_days == (3, 15)
    assert settings.rasa_host == "127.0.0.1"
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert str(settings.timezone) == "Asia/Shanghai"


def test_environment_overrides_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("RECEPTION_DAYS=3,13,23\nRASA_PORT=6005\n# comment\n")
    settings = load(environ={"RASA_PORT": "7005"}, dotenv=dotenv)
    assert settings.reception_days == (3, 13, 23)
    assert settings.rasa_port == 7005


@pytest.mark.parametrize("environ, message", [
    ({"RECEPTION_DAYS": "3,32"}, "RECEPTION_DAYS"),
    ({"RECEPTION_DAYS": "三号"}, "RECEPTION_DAYS"),
    ({"RASA_PORT": "abc"}, "RASA_PORT"),
    ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
])
def test_bad_values_name_the_setting(tmp_path, environ, message):
    with pytest.raises(SettingsError, match=message):
        load(environ=environ, dotenv=tmp_path / "missing.env")


def test_new_models_are_scored_on_the_held_out_file_and_every_blind_set(tmp_path):
    settings = load(environ={}, dotenv=tmp_path / "missing.env")
    assert [file.name for file in settings.heldout_files] == [
        "heldout.yml", "blind_north.yml", "blind_south.yml", "blind_neighbours.yml"]
    assert all(file.is_file() for file in settings.heldout_files)


def test_held_out_files_can_be_chosen_and_a_missing_one_is_refused(tmp_path):
    mine = tmp_path / "mine.yml"
    mine.write_text("- {text: 你好, intent: greet}\n", encoding="utf-8")
    settings = load(environ={"HELDOUT_FILES": f"tests/data/heldout.yml, {mine}"}, dotenv=tmp_path / "missing.env")
    assert [file.name for file in settings.heldout_files] == ["heldout.yml", "mine.yml"]
    assert load(environ={"HELDOUT_FILE": str(mine)}, dotenv=tmp_path / "x.env").heldout_files == (mine,)
    with pytest.raises(SettingsError, match="HELDOUT_FILES: no such file: .*gone.yml"):
        load(environ={"HELDOUT_FILES": str(tmp_path / "gone.yml")}, dotenv=tmp_path / "missing.env")
