"""Config: defaults, one-line errors naming the key, YAML loading, the lint of the pipeline design, labels."""

from __future__ import annotations

from datetime import date

import pytest

from sheets_pipeline.config import CONFIG_ENV, Config, load_config, parse_config
from sheets_pipeline.errors import ConfigError
from sheets_pipeline.lists import build_lists, lint_lists

# --- defaults ----------------------------------------------------------------------------------------------------


def test_defaults():
    config = parse_config({})
    assert config.model == "simple"
    assert config.language == "en"
    assert config.cadence == [3, 7, 14]
    assert config.business_days is False
    assert config.holidays == []
    assert config.stale.follow_ups == 3
    assert config.stale.days == 30
    assert config.auto_close_stale is False
    assert config.id_prefix == "L-"
    assert config.effective_date_order == "mdy"


def test_empty_file_means_defaults():
    assert parse_config(None) == Config()


def test_default_lists_simple_english():
    lists = build_lists(Config())
    assert lists.stages.labels() == ["New", "Contacted", "In discussion"]
    assert lists.outcomes.labels() == ["Won", "Lost", "No response", "Passed"]
    assert lists.loss_reasons.labels() == [
        "Price too high", "Chose a competitor", "Project cancelled", "Bad timing", "Scope mismatch", "No budget",
    ]
    assert lists.pass_reasons.labels() == ["Budget", "Scope", "Red flags"]
    assert lists.sources.labels() == ["Upwork", "Cold email", "Referral", "LinkedIn", "Website", "Inbound", "Other"]
    assert lists.contacted_index == 1
    assert lists.qualified_index == 2


def test_advanced_model_stages():
    lists = build_lists(parse_config({"model": "advanced"}))
    assert lists.stages.labels() == ["New", "Contacted", "In discussion", "Meeting", "Proposal sent", "Negotiation"]
    assert lists.contacted_index == 1
    assert lists.qualified_index == 2


def test_values_are_read():
    config = parse_config({
        "cadence": [2, 5], "business_days": True, "holidays": ["2026-12-25"],
        "stale": {"follow_ups": 2, "days": 21}, "auto_close_stale": True, "timezone": "Europe/Paris",
        "date_order": "dmy", "id_prefix": "OPP-",
    })
    assert config.cadence == [2, 5]
    assert config.business_days is True
    assert config.holidays == [date(2026, 12, 25)]
    assert (config.stale.follow_ups, config.stale.days) == (2, 21)
    assert config.auto_close_stale is True
    assert config.timezone == "Europe/Paris"
    assert config.effective_date_order == "dmy"
    assert config.id_prefix == "OPP-"


# --- one-line errors naming the key ------------------------------------------------------------------------------


def config_error(data) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    message = str(info.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_config_error_exit_code_is_2():
    assert ConfigError.exit_code == 2


def test_unknown_key():
    assert config_error({"cadense": [3, 7]}) == "config: cadense: unknown key"


def test_unknown_nested_key():
    message = config_error({"stale": {"dayz": 30}})
    assert "stale.dayz" in message
    assert "unknown key" in message


def test_source_name_prefixes_the_message():
    with pytest.raises(ConfigError) as info:
        parse_config({"foo": 1}, "my.yaml")
    assert str(info.value) == "my.yaml: foo: unknown key"


@pytest.mark.parametrize(
    "data, key_name",
    [
        ({"cadence": "abc"}, "cadence"),
        ({"cadence": [3, "x"]}, "cadence"),
        ({"business_days": "maybe"}, "business_days"),
        ({"auto_close_stale": "sometimes"}, "auto_close_stale"),
        ({"model": "huge"}, "model"),
        ({"language": "de"}, "language"),
        ({"stale": {"days": "a month"}}, "stale.days"),
        ({"stale": {"days": 0}}, "stale.days"),
        ({"holidays": ["not a date"]}, "holidays"),
        ({"date_order": "ydm"}, "date_order"),
        ({"sources": "Upwork"}, "sources"),
    ],
)
def test_wrong_type_names_the_key(data, key_name):
    message = config_error(data)
    assert message.startswith(f"config: {key_name}")


def test_cadence_with_zero():
    message = config_error({"cadence": [3, 0, 14]})
    assert message.startswith("config: cadence:")
    assert "at least 1 day" in message


def test_cadence_negative():
    assert config_error({"cadence": [-3]}).startswith("config: cadence:")


def test_empty_cadence():
    assert config_error({"cadence": []}).startswith("config: cadence:")


def test_unknown_timezone():
    message = config_error({"timezone": "Mars/Olympus"})
    assert message.startswith("config: timezone:")
    assert "'Mars/Olympus'" in message


@pytest.mark.parametrize("anchor", ["contacted_stage", "qualified_stage"])
def test_stage_anchor_not_in_stages(anchor):
    message = config_error({"stages": ["Lead", "Pitched", "Talking"], anchor: "Contacted"})
    assert anchor in message
    assert "'Contacted'" in message
    assert "not one of the stages" in message


@pytest.mark.parametrize("name", ["stages", "loss_reasons", "pass_reasons", "sources"])
def test_empty_list_entry(name):
    message = config_error({name: ["Alpha", "Beta", "  "]})
    assert message.startswith(f"config: {name}:")
    assert "empty entry" in message


def test_duplicate_list_entry():
    message = config_error({"sources": ["Upwork", "upwork"]})
    assert message.startswith("config: sources:")
    assert "twice" in message


def test_one_stage_is_not_a_pipeline():
    assert config_error({"stages": ["Only"]}).startswith("config: stages:")


def test_id_prefix_that_reads_as_a_formula():
    assert config_error({"id_prefix": "=L"}).startswith("config: id_prefix:")


def test_not_a_mapping():
    message = config_error(["model", "simple"])
    assert "mapping" in message


def test_several_problems_say_how_many_more():
    message = config_error({"foo": 1, "bar": 2})
    assert "foo: unknown key" in message
    assert "1 more problem" in message


# --- load_config: files ------------------------------------------------------------------------------------------


def test_load_config_from_file(tmp_path):
    path = tmp_path / "sheets-pipeline.yaml"
    path.write_text(
        "model: advanced\nlanguage: fr\ncadence: [2, 4]\nholidays: [2026-12-25]\nstale:\n  days: 45\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.model == "advanced"
    assert config.language == "fr"
    assert config.cadence == [2, 4]
    assert config.holidays == [date(2026, 12, 25)]
    assert config.stale.days == 45
    assert config.stale.follow_ups == 3


def test_empty_file_loads_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("", encoding="utf-8")
    assert load_config(path) == Config()


def test_load_bad_key_names_file_and_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: simple\ncadence: [3, 0]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cadence:")
    assert "\n" not in message


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: simple\n  language: fr\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 2" in message
    assert "\n" not in message


def test_yaml_unclosed_bracket_gives_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: simple\ncadence: [3, 7\nstale:\n  days: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "line 3" in str(info.value)


def test_file_not_found(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "not found" in message
    assert "\n" not in message


def test_no_file_at_the_default_location_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert load_config() == Config()


def test_default_file_in_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    (tmp_path / "sheets-pipeline.yaml").write_text("language: fr\n", encoding="utf-8")
    assert load_config().language == "fr"


def test_env_variable_points_at_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "elsewhere.yaml"
    path.write_text("model: advanced\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config().model == "advanced"


# --- lint of the pipeline design ---------------------------------------------------------------------------------


def lint(data) -> list[str]:
    return lint_lists(build_lists(parse_config(data)))


@pytest.mark.parametrize("data", [{}, {"model": "advanced"}, {"language": "fr"}, {"model": "advanced", "language": "fr"}])
def test_built_in_models_lint_clean(data):
    assert lint(data) == []


def test_ten_stages_are_too_many():
    warnings = lint({"stages": [f"Step {i}" for i in range(1, 11)]})
    assert len(warnings) == 1
    assert "10 active stages" in warnings[0]
    assert "activities" in warnings[0]


def test_nine_stages_are_fine():
    assert lint({"stages": [f"Step {i}" for i in range(1, 10)]}) == []


def test_twelve_stages_say_twelve():
    warnings = lint({"stages": [f"Step {i}" for i in range(1, 13)]})
    assert any("12 active stages" in w for w in warnings)


def test_closed_as_a_stage():
    warnings = lint({"stages": ["New", "Contacted", "Closed"]})
    assert len(warnings) == 1
    assert "'Closed'" in warnings[0]
    assert "not a stage" in warnings[0]


@pytest.mark.parametrize("word", ["Won", "Lost", "gagné"])
def test_outcome_word_as_a_stage(word):
    warnings = lint({"stages": ["New", "Contacted", word]})
    assert len(warnings) == 1
    assert f"'{word}'" in warnings[0]
    assert "outcome" in warnings[0]


@pytest.mark.parametrize("reason", ["Other", "Didn't work", "Didn’t work", "didn't work out", "Autre"])
def test_vague_loss_reason(reason):
    warnings = lint({"loss_reasons": ["Price too high", reason]})
    assert len(warnings) == 1
    assert f"'{reason}'" in warnings[0]
    assert "vague" in warnings[0]


def test_vague_pass_reason():
    warnings = lint({"pass_reasons": ["Budget", "Misc"]})
    assert len(warnings) == 1
    assert "pass reason 'Misc'" in warnings[0]
    assert "vague" in warnings[0]


def test_other_as_a_source_is_fine():
    assert lint({"sources": ["Referral", "Other"]}) == []


# --- French labels -----------------------------------------------------------------------------------------------


def test_french_labels():
    lists = build_lists(parse_config({"language": "fr"}))
    assert lists.stages.labels() == ["Nouveau", "Contacté", "En discussion"]
    assert lists.outcomes.labels() == ["Gagné", "Perdu", "Pas de réponse", "Écarté"]
    assert lists.loss_reasons.labels() == [
        "Prix trop élevé", "Concurrent choisi", "Projet annulé", "Mauvais timing", "Périmètre inadapté",
        "Pas de budget",
    ]
    assert lists.pass_reasons.labels() == ["Budget", "Périmètre", "Signaux d'alerte"]


def test_french_advanced_stages():
    lists = build_lists(parse_config({"language": "fr", "model": "advanced"}))
    assert lists.stages.labels() == [
        "Nouveau", "Contacté", "En discussion", "Réunion", "Proposition envoyée", "Négociation",
    ]


def test_french_reads_day_first():
    assert parse_config({"language": "fr"}).effective_date_order == "dmy"
    assert parse_config({"language": "fr", "date_order": "mdy"}).effective_date_order == "mdy"


def test_french_lists_recognise_english_values():
    lists = build_lists(parse_config({"language": "fr"}))
    assert lists.stages.find("contacted").label == "Contacté"
    assert lists.outcomes.find("won").label == "Gagné"
    assert lists.loss_reasons.find("Price too high").label == "Prix trop élevé"


def test_outcome_labels_override():
    lists = build_lists(parse_config({"outcome_labels": {"no_response": "Ghosted"}}))
    assert lists.outcomes.labels() == ["Won", "Lost", "Ghosted", "Passed"]
    assert lists.outcome("no_response").label == "Ghosted"
    assert lists.outcomes.find("No response").label == "Ghosted"


# --- custom stages -----------------------------------------------------------------------------------------------


def test_custom_stages_with_anchors():
    config = parse_config({
        "stages": ["Lead", "Pitched", "Demo", "Talking"], "contacted_stage": "Pitched", "qualified_stage": "talking",
    })
    lists = build_lists(config)
    assert lists.stages.labels() == ["Lead", "Pitched", "Demo", "Talking"]
    assert lists.contacted_index == 1
    assert lists.qualified_index == 3


def test_custom_stages_without_anchors_default_to_second_and_third():
    lists = build_lists(parse_config({"stages": ["A", "B", "C", "D"]}))
    assert lists.contacted_index == 1
    assert lists.qualified_index == 2


def test_custom_stages_recognise_built_in_labels_in_either_language():
    lists = build_lists(parse_config({"stages": ["Nouveau", "Contacté", "En discussion", "Signature"]}))
    assert lists.stages.labels() == ["Nouveau", "Contacté", "En discussion", "Signature"]
    assert lists.stages.find("Contacted").label == "Contacté"
    assert lists.stages.find("signature").label == "Signature"


def test_custom_lists_replace_the_defaults():
    lists = build_lists(parse_config({"sources": ["Malt", "Referral"], "loss_reasons": ["Price too high", "Ghosted"]}))
    assert lists.sources.labels() == ["Malt", "Referral"]
    assert lists.loss_reasons.labels() == ["Price too high", "Ghosted"]
    assert lists.sources.find("upwork") is None
