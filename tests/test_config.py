"""Configuration layering, validation, and the documented defaults file."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from verbatim.config import Config, load_config, parse_assignment, read_toml
from verbatim.errors import ConfigError
from conftest import ROOT

DEFAULT_TOML = ROOT / "configs" / "default.toml"


def test_config_default_toml_matches_dataclass_defaults():
    # configs/default.toml documents every tunable; it must say exactly what the code does.
    assert load_config(DEFAULT_TOML, environ={}) == Config.default()
    documented = tomllib.loads(DEFAULT_TOML.read_text())
    assert documented == {k: {kk: vv for kk, vv in v.items()} for k, v in Config.default().as_dict().items()}


def test_config_default_toml_is_what_the_script_writes():
    # Edited by hand, the file drifted from scripts/write_default_config.py (25 settings had no
    # comment there): the script must write exactly the file.
    import importlib.util

    spec = importlib.util.spec_from_file_location("write_default_config", ROOT / "scripts" / "write_default_config.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.render(Config.default(), script.COMMENTS) == DEFAULT_TOML.read_text(encoding="utf-8")


def test_config_default_toml_comments_every_key():
    lines = DEFAULT_TOML.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#"), f"key without a comment: {line}"


def test_config_layers_file_env_flags(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[input]\nscale = "5"\ndayfirst = true\nsheet = "file"\n')
    env = {"VERBATIM__INPUT__SHEET": "env", "VERBATIM__INPUT__DAYFIRST": "false"}
    cfg = load_config(path, overrides={"input": {"sheet": "flag"}}, environ=env)
    assert (cfg.input.scale, cfg.input.dayfirst, cfg.input.sheet) == ("5", False, "flag")


def test_config_env_var_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[input]\nscale = "5"\n')
    assert load_config(environ={"VERBATIM_CONFIG": str(path)}).input.scale == "5"


def test_config_round_trips_through_toml(tmp_path):
    cfg = load_config(overrides={"columns": {"text": ["Title", "Body"], "score": 'we"ird'}}, environ={})
    path = tmp_path / "resolved.toml"
    path.write_text(cfg.to_toml())
    assert load_config(path, environ={}) == cfg


@pytest.mark.parametrize(
    "content,code,fragment",
    [
        ('[input]\nscael = "5"\n', "E202", "unknown key 'scael' in [input]"),
        ('[inptu]\nscale = "5"\n', "E202", "unknown section [inptu]"),
        ("[input]\ndayfirst = 1\n", "E203", "input.dayfirst must be true or false"),
        ('[input]\nmax_text_chars = "lots"\n', "E203", "input.max_text_chars must be a whole number"),
        ("[input]\nmax_text_chars = -1\n", "E203", "max_text_chars must be at least 1"),
        ('[input]\ndate_format = "%Q"\n', "E203", "date_format '%Q': 'Q' is a bad directive"),
        ("[input\n", "E201", "not valid TOML"),
        # List items reached the code unchecked: 'int' object has no attribute 'lower' (exit 1).
        ("[pii]\nname_allowlist = [1.5]\n", "E203", "pii.name_allowlist must be a list of strings"),
        ('[prepare]\nnon_answer_phrases = [["a"]]\n', "E203", "prepare.non_answer_phrases must be a list of strings"),
        ("[columns]\ntext = [true]\n", "E203", "columns.text must be a list of strings"),
        ("[input]\nscale = 1.5\n", "E203", "input.scale must be a string"),
    ],
)
def test_config_rejects_bad_files(tmp_path, content, code, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert info.value.code == code
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_config_reads_whole_numbers_as_the_text_they_are_written_as(tmp_path):
    """--set input.scale=5 and a column named 2024 were refused: "must be a string, got 5"."""
    path = tmp_path / "numbers.toml"
    path.write_text('[input]\nscale = 5\n[columns]\nscore = 2024\nkeep = [7, "region"]\ntext = 3\n')
    cfg = load_config(path, environ={})
    assert (cfg.input.scale, cfg.columns.score, cfg.columns.keep, cfg.columns.text) == ("5", "2024", ("7", "region"), ("3",))


def test_config_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="E201 .*file not found"):
        read_toml(tmp_path / "none.toml")


def test_config_parse_assignment():
    assert parse_assignment("input.max_text_chars=500") == {"input": {"max_text_chars": 500}}
    assert parse_assignment("input.sheet=Responses") == {"input": {"sheet": "Responses"}}
    with pytest.raises(ConfigError, match="expected section.key=value"):
        parse_assignment("nonsense")


def test_config_is_immutable():
    cfg = Config.default()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.input = None


def test_config_pickles_round_trip():
    # Spark ships the configuration to its executors by pickling it.
    import pickle

    config = load_config(overrides={"impact": {"n_bootstrap": 123}}, environ={})
    again = pickle.loads(pickle.dumps(config))
    assert again == config and again.impact.n_bootstrap == 123
