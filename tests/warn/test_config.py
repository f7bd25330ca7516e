"""Both stage configs come from the one TOML loader, overlays and errors alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from tearline.assess.config import load_config
from tearline.errors import ConfigError
from tearline.model.toml_config import merge_tables
from tearline.warn.config import load_warn_config


def test_an_overlay_changes_only_the_keys_it_names(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    over = tmp_path / "warn.toml"
    over.write_text("[trigger]\nmin_credibility = 0.9\n[sanitize.precision]\n"
                    "core = { place = \"city\" }\n", encoding="utf-8")
    packaged = load_warn_config()
    monkeypatch.setenv("TEARLINE_WARN_CONFIG", str(over))
    cfg = load_warn_config()
    assert cfg.trigger["min_credibility"] == 0.9
    assert cfg.trigger["min_specificity"] == packaged.trigger["min_specificity"]
    assert cfg.trigger["harm_kinds"] == packaged.trigger["harm_kinds"]
    # nested tables merge key by key: core keeps its time precision
    assert cfg.precision("core") == {"place": "city", "time": packaged.precision("core")["time"]}
    assert cfg.justifications == packaged.justifications


def test_the_assess_overlay_goes_through_the_same_merge(tmp_path: Path) -> None:
    over = tmp_path / "assess.toml"
    over.write_text("[credibility]\ncluster_gain = 0.25\n", encoding="utf-8")
    packaged, cfg = load_config(), load_config(over)
    assert cfg.credibility["cluster_gain"] == 0.25
    assert cfg.credibility["reliability"] == packaged.credibility["reliability"]
    assert cfg.likelihood == packaged.likelihood


@pytest.mark.parametrize(("body", "env", "loader"), [
    ("[trigger\nmin = 1", "TEARLINE_WARN_CONFIG", "warn"),
    ("[credibility]\ncluster_gain = = 2", "TEARLINE_ASSESS_CONFIG", "assess"),
])
def test_a_broken_overlay_says_which_file_and_how_to_get_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, env: str,
        loader: str) -> None:
    bad = tmp_path / f"{loader}-broken.toml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        if loader == "warn":
            monkeypatch.setenv(env, str(bad))
            load_warn_config()
        else:
            load_config(bad)
    assert str(bad) in str(err.value) and env in str(err.value)


def test_merge_replaces_non_tables_and_leaves_its_inputs_alone() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 2}
    over = {"a": {"y": [3]}, "b": {"now": "a table"}}
    assert merge_tables(base, over) == {"a": {"x": 1, "y": [3]}, "b": {"now": "a table"}}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 2}
