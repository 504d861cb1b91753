"""`compound export` writes the compound as the database has it, in the file format `compound
load` accepts: loading the export changes nothing, and into an empty database gives the same."""

from __future__ import annotations

from dataclasses import replace

import yaml

from bot import settings as settings_module
from bot.commands import export_compound, load_compound
from bot.compounds.export import export_data
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.models import Base, Building, Staff
from bot.services.common import compound
from tests.bot.test_compounds import engine, factory, load, snapshot  # noqa: F401  (fixtures)


def exported(factory) -> dict:
    with transaction(factory) as session:
        return export_data(session, compound(session, "demo"))


def settings_for(engine):
    return replace(settings_module.load({}), database_url=str(engine.url), compound="demo")


def test_loading_the_export_changes_nothing(tmp_path, engine, factory):
    load(factory)
    with transaction(factory) as session:  # as the console changes it
        chen = session.query(Staff).filter_by(code="chen").one()
        session.query(Building).filter_by(number="3").one().butler_id = chen.id
    before = snapshot(engine)
    path = tmp_path / "demo-export.yml"

    assert export_compound(settings_for(engine), path) == 0
    assert load_compound(settings_for(engine), path) == 0

    assert snapshot(engine) == before
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert next(b for b in data["buildings"] if b["number"] == "3")["butler"] == "chen"
    assert data["parcel_station"] == "南门东侧菜鸟驿站（每天8:00–21:00），各楼栋门口有丰巢快递柜"


def test_the_export_loads_into_an_empty_database_as_the_same_compound(tmp_path, engine, factory):
    load(factory)
    path = tmp_path / "demo-export.yml"
    assert export_compound(settings_for(engine), path) == 0

    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        Base.metadata.create_all(other)
        assert load_compound(settings_for(other), path) == 0
        assert exported(make_session_factory(other)) == exported(factory)
    finally:
        other.dispose()


def test_households_without_marks_and_inactive_staff_are_left_out(factory):
    load(factory)
    with transaction(factory) as session:
        session.query(Staff).filter_by(code="du").one().active = False
    data = exported(factory)
    assert "du" not in [member["code"] for member in data["staff"]]
    assert data["routing"]["errand_agent"] is None
    assert len(data["households"]) == 10  # the demo file's marked households, none bound by residents


def test_make_run_keeps_a_loaded_compound_as_it_is(services):
    """`make run` loads the demo file only into a database without the compound: a restart
    never reverts what admins changed in the console."""
    from bot.commands import ensure_compound
    with transaction(services.factory) as session:
        chen = session.query(Staff).filter_by(code="chen").one()
        session.query(Building).filter_by(number="3").one().butler_id = chen.id
    before = exported(services.factory)

    assert ensure_compound(services.settings)

    assert exported(services.factory) == before
    assert next(b for b in before["buildings"] if b["number"] == "3")["butler"] == "chen"
