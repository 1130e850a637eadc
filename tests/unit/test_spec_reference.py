"""The README's spec reference is generated from the models, so it cannot drift from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from aidc.spec import models, reference
from tests.conftest import REPO

README = REPO / "README.md"


def spec_models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(models).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == models.__name__
        and not obj.__name__.startswith("_")
    ]


def test_the_readme_holds_the_generated_reference() -> None:
    assert reference.section(README.read_text(encoding="utf-8")) == reference.render(), (
        "README.md's spec reference is stale: run python -m aidc.spec.reference"
    )


def test_every_field_of_every_model_has_a_row_with_a_description() -> None:
    rows = list(reference.rows())
    leaves = {row.path.rsplit(".", 1)[-1].removesuffix("[]") for row in rows}
    missing = sorted(
        f"{model.__name__}.{name}"
        for model in spec_models()
        for name in model.model_fields
        if name not in leaves
    )
    assert missing == []
    assert [row.path for row in rows if not row.description] == []
    assert len({row.path for row in rows}) == len(rows)


def test_rows_carry_types_defaults_and_constraints() -> None:
    rows = {row.path: row for row in reference.rows()}
    count = rows["pools[].count"]
    assert (count.type, count.default, count.allowed) == ("integer", "required", "1-4096")
    protocol = rows["firewall.flows[].protocol"]
    assert protocol.default == "`tcp`"
    assert protocol.allowed == "one of `tcp`, `udp`, `icmp`, `all`"
    assert rows["storage.ceph.pools[].failure_domain"].allowed == "one of `host`, `osd`, `rack`"
    assert rows["pools[].network"].type == "name (RFC 1123 label)"
    assert rows["pools[].network"].default == "none"
    assert rows["pools[].roles"].allowed.startswith("1-5 items; each one of `gpu`")
    assert rows["networks[]"].allowed == "at least 1 item"
    assert rows["monitoring"].default == "`{}`"
    assert rows["tags"].allowed.startswith("at most 40 entries; keys 1-128 characters")


def test_pipes_in_cells_are_escaped_for_markdown() -> None:
    line = next(
        line for line in reference.render().splitlines() if "capacity_reservation_id" in line
    )
    assert "(cr\\|cb)" in line
    assert line.count(" | ") == len(reference.COLUMNS) - 1


def _readme(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "README.md"
    path.write_text(f"# title\n\n{body}\n\n## after\n", encoding="utf-8")
    return path


def test_check_refuses_a_stale_reference_and_writing_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _readme(tmp_path, f"{reference.BEGIN}\n| old |\n{reference.END}")
    assert reference.main(["--check", "--readme", str(path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert "| old |" in path.read_text(encoding="utf-8"), "--check changes nothing"

    assert reference.main(["--readme", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title\n\n") and text.endswith("\n\n## after\n")
    assert reference.section(text) == reference.render()
    assert reference.main(["--check", "--readme", str(path)]) == 0


@pytest.mark.parametrize(
    "body",
    ["no markers at all", f"{reference.END}\n{reference.BEGIN}", f"{reference.BEGIN}\n"],
)
def test_misplaced_markers_are_an_error_not_a_rewrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    path = _readme(tmp_path, body)
    before = path.read_text(encoding="utf-8")
    assert reference.main(["--readme", str(path)]) == 2
    assert "spec-reference" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == before


def test_a_missing_readme_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main(["--check", "--readme", str(tmp_path / "nope.md")]) == 2
    assert "nope.md: no such file" in capsys.readouterr().err
