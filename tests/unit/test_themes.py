"""Theme files: the model, the built-ins shipped in the package, the examples in themes/, and
a user's folder where a bad file is one line and the others still load."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.theme import BUILTIN_THEMES as TEXTUAL_THEMES

from threadline.tui.themes import (
    BUILTIN_THEMES,
    SEMANTIC,
    ThemeFileError,
    load_theme_file,
    load_themes,
    semantic_defaults,
)

EXAMPLES = sorted((Path(__file__).parents[2] / "themes").glob("*.toml"))


def test_the_built_ins_set_every_semantic_colour() -> None:
    loaded = load_themes(Path("/nonexistent"))
    assert [t.name for t in loaded.themes] == list(BUILTIN_THEMES)
    assert loaded.problems == []
    dark, light = loaded.themes
    assert dark.dark and not light.dark
    for theme in loaded.themes:
        assert set(SEMANTIC) <= set(theme.variables), theme.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_example_theme_files_load(path: Path) -> None:
    theme = load_theme_file(path)
    assert theme.name == path.stem
    assert theme.to_color_system().generate()  # Textual can derive every colour from it


def test_there_are_example_files() -> None:
    assert len(EXAMPLES) >= 2


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_users_folder_loads_good_files_and_names_each_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    write(folder, "ocean.toml", 'primary = "#0087af"\nrun-failed = "#ff0000"\n')
    write(folder, "typo.toml", 'primary = "#0087af"\nprimray = "#000000"\n')
    write(folder, "colour.toml", 'primary = "not a colour"\n')
    write(folder, "broken.toml", "primary = \n")
    write(folder, "no primary.toml", "dark = true\n")
    write(folder, "notes.txt", "not a theme")
    loaded = load_themes(folder)
    names = [t.name for t in loaded.themes]
    assert names == [*BUILTIN_THEMES, "ocean"]
    ocean = loaded.themes[-1]
    assert ocean.variables["run-failed"] == "#ff0000" and ocean.primary == "#0087af"
    problems = sorted(loaded.problems)
    assert len(problems) == 4
    broken, colour, no_primary, typo = problems
    assert "broken.toml: invalid TOML" in broken
    assert "colour.toml: primary: 'not a colour' is not a colour" in colour
    assert "no primary.toml: " in no_primary and "theme names use letters" in no_primary
    assert "typo.toml: primray: unknown key" in typo
    assert all("\n" not in problem for problem in problems)


def test_errors_name_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", 'primary = "#fff"\n[variables]\n"Bad Name" = "#000"\n')
    with pytest.raises(ThemeFileError, match=r"t\.toml: variables: 'Bad Name' is not a variable"):
        load_theme_file(path)
    path = write(tmp_path, "u.toml", "dark = true\n")
    with pytest.raises(ThemeFileError, match=r"u\.toml: primary: Field required"):
        load_theme_file(path)


def test_a_huge_or_binary_file_is_refused(tmp_path: Path) -> None:
    huge = write(tmp_path, "huge.toml", "# " + "x" * 70_000)
    with pytest.raises(ThemeFileError, match="not a theme"):
        load_theme_file(huge)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ThemeFileError, match="not UTF-8"):
        load_theme_file(binary)


def test_textuals_own_themes_get_the_semantic_colours_of_the_same_meaning() -> None:
    nord = TEXTUAL_THEMES["nord"]
    generated = nord.to_color_system().generate()
    defaults = semantic_defaults(nord)
    assert defaults["run-failed"] == generated["text-error"]
    assert defaults["needs-input"] == generated["text-warning"]
    assert set(defaults) == set(SEMANTIC)
