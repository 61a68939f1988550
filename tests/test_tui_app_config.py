"""kubedeck/config.py: the settings file, its defaults and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubedeck.config import (
    Config,
    ConfigError,
    config_path,
    load_config,
    load_recent,
    parse_config,
    remember_namespace,
)

IDS = ["describe", "delete", "logs"]


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml", binding_ids=IDS)
    return str(caught.value)


def test_full_file_is_read():
    cfg = parse_config(
        "readonly: false\n"
        "keys:\n  describe: D\n  delete: 'ctrl+x, x'\n"
        "favorites: [web, shop]\n"
        "contexts:\n  prod:\n    readonly: true\n    namespace: shop\n    favorites: [payments]\n"
        "logs: {tail: 50, buffer: 500, since: 5m, timestamps: true, wrap: true}\n"
        "screenDumpDir: /tmp/dumps\ncsvDir: /tmp/csv\nrefreshRate: 0.5\n",
        "config.yaml", binding_ids=IDS)
    assert cfg.keys == {"describe": "D", "delete": "ctrl+x,x"}
    assert cfg.readonly_for("prod") and not cfg.readonly_for("dev")
    assert cfg.context("prod").namespace == "shop"
    assert cfg.favorites_for("prod") == ("payments", "web", "shop")
    assert cfg.favorites_for("dev") == ("web", "shop")
    assert (cfg.logs.tail, cfg.logs.buffer, cfg.logs.since) == (50, 500, "5m")
    assert cfg.logs.timestamps and cfg.logs.wrap
    assert (cfg.screen_dump_dir, cfg.csv_dir, cfg.refresh_rate) == ("/tmp/dumps", "/tmp/csv", 0.5)


def test_context_readonly_false_overrides_global_true():
    cfg = parse_config("readonly: true\ncontexts:\n  dev:\n    readonly: false\n", "c.yaml")
    assert not cfg.readonly_for("dev") and cfg.readonly_for("other")


def test_missing_file_is_the_defaults(tmp_path: Path):
    cfg = load_config(tmp_path / "nope.yaml")
    assert cfg == Config(path=str(tmp_path / "nope.yaml"))


def test_empty_file_is_the_defaults():
    assert parse_config("", "c.yaml").keys == {}


def test_path_follows_xdg_and_override():
    assert config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/kubedeck/config.yaml")
    assert config_path({"HOME": "/h"}) == Path("/h/.config/kubedeck/config.yaml")
    assert config_path({"KUBEDECK_CONFIG": "/c.yaml", "XDG_CONFIG_HOME": "/x"}) == Path("/c.yaml")


@pytest.mark.parametrize(("text", "expected"), [
    ("readonly: true\nkeys:\n  descrbe: D\n",
     'config.yaml:3: keys.descrbe: unknown binding id "descrbe" (did you mean "describe"?)'),
    ("readonly: true\nthemes: dark\n",
     "config.yaml:2: themes: unknown field; allowed: readonly, keys, favorites, contexts, logs, "
     "screenDumpDir, csvDir, refreshRate"),
    ("readonly: maybe\n", "config.yaml:1: readonly: must be true or false, not 'maybe'"),
    ("keys:\n  logs: ''\n", "config.yaml:2: keys.logs: must be a non-empty text"),
    ("keys:\n  logs: 'l,,L'\n", 'config.yaml:2: keys.logs: "" is not a key'),
    ("keys:\n  logs: ctl+l\n", 'config.yaml:2: keys.logs: "ctl+l" is not a key: write keys as '
     '"d", "D", "ctrl+d", "f2", "question_mark" or "d,ctrl+d" (modifiers: ctrl, shift, alt, '
     "meta, super, hyper)"),
    ("keys: [a]\n", "config.yaml:1: keys: must be a mapping"),
    ("favorites: web\n", "config.yaml:1: favorites: must be a list of namespaces"),
    ("favorites:\n  - web\n  - [x]\n", "config.yaml:3: favorites[1]: must be a single value"),
    ("contexts:\n  prod:\n    readonli: true\n",
     'config.yaml:3: contexts.prod.readonli: unknown field (did you mean "readonly"?)'),
    ("contexts:\n  prod:\n    readonly: 1\n",
     "config.yaml:3: contexts.prod.readonly: must be true or false"),
    ("contexts:\n  prod: yes\n", "config.yaml:2: contexts.prod: must be a mapping"),
    ("logs:\n  tail: -5\n", "config.yaml:2: logs.tail: must be a whole number >= 0, not '-5'"),
    ("logs:\n  buffer: 0\n", "config.yaml:2: logs.buffer: must be a whole number >= 1"),
    ("logs:\n  since: 2m\n", 'config.yaml:2: logs.since: "2m" is not one of tail, 1m, 5m, 15m, 1h'),
    ("logs:\n  wrap: sometimes\n", "config.yaml:2: logs.wrap: must be true or false"),
    ("logs:\n  color: true\n", "config.yaml:2: logs.color: unknown field"),
    ("refreshRate: 0\n", "config.yaml:1: refreshRate: must be a number of seconds > 0"),
    ("csvDir: 3\ncsvDir: 4\n", "config.yaml:2: csvDir: given twice"),
    ("- a\n- b\n", "config.yaml:1: top level: must be a mapping"),
    ("keys:\n  describe: [d\n", "config.yaml:3: not valid YAML"),
])
def test_errors_name_file_line_and_field(text: str, expected: str):
    assert error_of(text).startswith(expected)


def test_logs_wrap_on_is_a_yaml_boolean():
    # YAML 1.1 reads `on` as true, as every other YAML tool the user has does
    assert parse_config("logs:\n  wrap: on\n", "c.yaml").logs.wrap is True


def test_unreadable_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path)


def test_recent_namespaces_newest_first_per_context(tmp_path: Path):
    state = tmp_path / "state" / "namespaces.json"
    assert load_recent(state, "a") == ()
    remember_namespace(state, "a", "web")
    remember_namespace(state, "a", "shop")
    remember_namespace(state, "a", "web")
    remember_namespace(state, "b", "kube-system")
    assert load_recent(state, "a") == ("web", "shop")
    assert load_recent(state, "b") == ("kube-system",)
    state.write_text("not json")
    assert load_recent(state, "a") == ()
