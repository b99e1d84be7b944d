"""Themes in the app: user files, bad files reported once, the choice remembered, and the
built-in Threadline themes legible with 16 or 256 colours and with NO_COLOR.

Legibility is measured, not eyeballed: the main screen (the snapshot scene) is rendered
through Textual's compositor, every cell with a letter or digit is reduced to the terminal's
palette the way Textual reduces it for the colour system it was started with
(``TEXTUAL_COLOR_SYSTEM``), and the contrast of its text on its background must stay above a
floor. Box-drawing and block characters (borders, scrollbars) are left out: they carry no
text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich._palettes import EIGHT_BIT_PALETTE, STANDARD_PALETTE
from rich.color import Color, ColorSystem
from textual import constants

import threadline.tui.app as app_module
from threadline.cli.tui import DEMO_NOTICE
from threadline.core.app_state import THEME, read_startup_state
from threadline.locations import themes_dir
from threadline.tui.app import ThreadlineApp

from .conftest import AppMaker, settle
from .test_snapshots import follow_up, lisbon


def write_theme(name: str, text: str) -> Path:
    folder = themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


async def test_a_user_theme_file_loads_and_its_colours_reach_the_styles(
    make_app: AppMaker,
) -> None:
    write_theme("ocean", 'primary = "#0087af"\nbackground = "#00005f"\nrun-failed = "#ff00ff"\n')
    app = make_app(theme="ocean")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "ocean"
        assert app.theme_variables["run-failed"] == "#ff00ff"
        assert app.theme_variables["background"].upper() == "#00005F"
        assert [n for n in app._notifications if n.title == "Theme file skipped"] == []
        # Threadline's colours reach what the widgets draw: a failed run's status.
        app.screen.status.run = "failed"
        await pilot.pause()
        run_cells = [s for s in app.screen.status.render_line(0) if s.text.strip() == "failed"]
        assert run_cells and run_cells[0].style.color.triplet.hex.lower() == "#ff00ff"  # type: ignore[union-attr]


async def test_a_broken_theme_file_is_reported_once_and_skipped(make_app: AppMaker) -> None:
    write_theme("good", 'primary = "#0087af"\n')
    write_theme("typo", 'primary = "#0087af"\nprimray = "#000"\n')
    write_theme("broken", "primary = [\n")
    app = make_app(theme="threadline-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        skipped = [n.message for n in app._notifications if n.title == "Theme file skipped"]
        assert len(skipped) == 2
        assert any("broken.toml: invalid TOML" in m for m in skipped)
        assert any("typo.toml: primray: unknown key" in m for m in skipped)
        assert "good" in app.available_themes
        assert "typo" not in app.available_themes and "broken" not in app.available_themes
        app.theme = "good"
        app.theme = "threadline-light"
        await settle(pilot)
        again = [n for n in app._notifications if n.title == "Theme file skipped"]
        assert len(again) == 2  # once per start, not per theme change


async def test_a_theme_picked_in_the_app_is_remembered(
    make_app: AppMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "THEME_SETTLE", 0.01)
    app = make_app(theme="threadline-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert THEME not in read_startup_state(make_app.store_path)  # the start is no choice
        for name in ("nord", "gruvbox", "threadline-light"):  # the picker previews each
            app.theme = name
        await pilot.pause(0.05)
        await settle(pilot)
    assert read_startup_state(make_app.store_path)[THEME] == {
        "name": "threadline-light",
        "config": None,
    }


async def test_textuals_own_themes_get_threadlines_colours(make_app: AppMaker) -> None:
    app = make_app(theme="nord")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        variables = app.theme_variables
        assert variables["run-failed"] == variables["text-error"]
        assert variables["needs-input"] == variables["text-warning"]
        assert variables["role-user"] == variables["text-secondary"]


@pytest.mark.parametrize("name", ["harbor-night", "paper-ink", "terminal-16"])
async def test_the_example_themes_draw_the_screen(make_app: AppMaker, name: str) -> None:
    example = Path(__file__).parents[2] / "themes" / f"{name}.toml"
    write_theme(name, example.read_text())
    app = make_app(setup=lisbon, theme=name)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == name
        assert app.screen._compositor.render_update(full=True) is not None


# --- legibility ---------------------------------------------------------------------


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def on_terminal(color: Color, system: ColorSystem) -> tuple[int, int, int]:
    """The colour a terminal shows for ``color`` sent in ``system`` (xterm/VGA palettes)."""
    shown = color.downgrade(system)
    if system is ColorSystem.STANDARD and shown.number is not None:
        triplet = STANDARD_PALETTE[shown.number]
    elif system is ColorSystem.EIGHT_BIT and shown.number is not None:
        triplet = EIGHT_BIT_PALETTE[shown.number]
    else:
        triplet = shown.get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def text_contrasts(app: ThreadlineApp, system: ColorSystem) -> list[tuple[float, str]]:
    """(contrast, text) for every run of cells that holds a letter or digit."""
    update = app.screen._compositor.render_update(full=True)
    found: list[tuple[float, str]] = []
    for line in update.strips:  # type: ignore[attr-defined]
        for strip in line:
            for segment in strip:
                style = segment.style
                if style is None or not any(ch.isalnum() for ch in segment.text):
                    continue
                assert style.color is not None and style.bgcolor is not None, segment.text
                fg, bg = on_terminal(style.color, system), on_terminal(style.bgcolor, system)
                if style.reverse:
                    fg, bg = bg, fg
                found.append((round(contrast(fg, bg), 2), segment.text.strip()))
    return sorted(found)


# Floors: WCAG's 3:1 for large or incidental text in full and 256 colours; the 16-colour
# palette is coarse (dimmed timestamps fall between its greys), so 2.5 there: still far
# from text that melts into its background.
FLOORS = {ColorSystem.TRUECOLOR: 3.0, ColorSystem.EIGHT_BIT: 3.0, ColorSystem.STANDARD: 2.5}


@pytest.mark.parametrize("theme", ["threadline-dark", "threadline-light"])
async def test_the_threadline_themes_are_legible_at_16_and_256_colours(
    make_app: AppMaker, monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    # Textual's colour-system setting (TEXTUAL_COLOR_SYSTEM), as the app reads it.
    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")
    app = make_app(setup=lisbon, theme=theme, notices=[DEMO_NOTICE])
    async with app.run_test(size=(120, 40)) as pilot:
        await follow_up(pilot)
        assert app.console.color_system == "standard"
        texts = {system: text_contrasts(app, system) for system in FLOORS}
    for system, found in texts.items():
        assert len(found) > 60, system  # the whole scene was measured
        worst = found[0]
        assert worst[0] >= FLOORS[system], (theme, system.name, found[:5])
    # The 16 colours still tell the panes and the roles apart (not all one grey).
    assert len({c for c, _ in texts[ColorSystem.STANDARD]}) > 5


@pytest.mark.parametrize("theme", ["threadline-dark", "threadline-light"])
async def test_the_threadline_themes_are_legible_with_no_color(
    make_app: AppMaker, monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(setup=lisbon, theme=theme, notices=[DEMO_NOTICE])
    async with app.run_test(size=(120, 40)) as pilot:
        await follow_up(pilot)
        assert app.no_color
        found = text_contrasts(app, ColorSystem.TRUECOLOR)
        update = app.screen._compositor.render_update(full=True)
        colours = {
            segment.style.color.get_truecolor()
            for line in update.strips  # type: ignore[attr-defined]
            for strip in line
            for segment in strip
            if segment.style is not None and segment.style.color is not None
        }
    assert all(c.red == c.green == c.blue for c in colours)  # greys only
    assert found[0][0] >= 3.0, (theme, found[:5])
