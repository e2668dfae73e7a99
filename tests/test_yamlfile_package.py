"""The package's own YAML files are read by libyaml (``yamlfile.load_package``, issue 18: the pure-
Python parser spent about a second of each run on them); the bounded reader users' files go through
must read every one of them to the same data."""

from __future__ import annotations

from importlib import resources

import pytest

from disclosure.core import yamlfile

OURS = sorted(str(p.relative_to(resources.files("disclosure")))
              for p in resources.files("disclosure").rglob("*.yaml"))


def test_the_package_has_its_yaml_files() -> None:
    assert {"core/vocabulary.yaml", "core/codes.yaml", "core/ui.yaml", "export/xbrl/concepts.yaml"} <= set(OURS)
    assert sum(name.startswith("factors/datasets/") for name in OURS) >= 10


@pytest.mark.parametrize("name", OURS)
def test_both_readers_read_the_same_data(name: str) -> None:
    text = resources.files("disclosure").joinpath(name).read_text(encoding="utf-8")
    ours = yamlfile.load_package(text)
    assert ours is not None
    assert ours == yamlfile.load_data(text)


def test_a_broken_file_is_a_yaml_error_with_its_line() -> None:
    with pytest.raises(yamlfile.YamlError) as e:
        yamlfile.load_package("a: 1\nb: [1, 2\nc: 3\n")
    assert e.value.line == 3
