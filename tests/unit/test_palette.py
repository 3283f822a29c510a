"""The palette of static/app.css meets WCAG AA (4.5:1) for every text/background pair it
uses, in the light and the dark scheme, computed from the stylesheet's custom properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "app.css").read_text()
AA = 4.5

# (text, background, where the pair is used)
PAIRS = [
    ("fg", "bg", "body text"),
    ("fg", "surface", "tables, inputs, select boxes, buttons, toasts"),
    ("muted", "bg", "secondary text"),
    ("muted", "surface", "secondary text in tables"),
    ("accent", "bg", "links"),
    ("accent", "surface", "links in tables"),
    ("bad", "bg", "errors"),
    ("bad", "surface", "errors in forms, danger buttons"),
    ("warn", "surface", "hints in the editor"),
    ("ok", "surface", "available versions"),
    ("on-primary", "primary", "primary buttons"),
    ("fg", "highlight", "the highlighted (new) row"),
    ("accent", "highlight", "links in the highlighted row"),
    ("muted", "highlight", "relative times in the highlighted row"),
    ("fg", "editing", "the row being edited"),
    ("accent", "editing", "links in the row being edited"),
    ("fg", "notice", "notices"),
    ("accent", "notice", "links in notices"),
    ("fg", "notice-error", "error notices"),
    ("fg", "notice-warn", "warnings, the read-only note"),
    ("accent", "notice-warn", "the read-only note's Try anyway"),
]


def properties(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))


def palettes() -> dict[str, dict[str, str]]:
    """The light palette (the top-level ``:root``) and the dark one (the light one with the
    ``:root`` of the dark-scheme media query over it)."""
    light_block = re.search(r"^:root\s*\{([^}]*)\}", CSS, re.M)
    dark_media = CSS.split("@media (prefers-color-scheme: dark)", 1)[1]
    dark_block = re.search(r":root\s*\{([^}]*)\}", dark_media)
    assert light_block and dark_block
    light = properties(light_block.group(1))
    return {"light": light, "dark": {**light, **properties(dark_block.group(1))}}


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_says() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#fff", "#6ea0ff") == pytest.approx(2.58, abs=0.01)  # the old dark button


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("text,background,where", PAIRS)
def test_every_pair_meets_aa(scheme: str, text: str, background: str, where: str) -> None:
    palette = palettes()[scheme]
    ratio = contrast(palette[text], palette[background])
    assert ratio >= AA, f"{scheme} {where}: --{text} on --{background} is {ratio:.2f}:1"


def test_colours_come_from_the_palette_only() -> None:
    """Outside the palette's ``:root`` blocks no literal colour is used (shadows aside), so
    the pairs above are the pairs on screen."""
    outside = re.sub(r":root\s*\{[^}]*\}", "", CSS)
    literal = re.findall(
        r"#[0-9a-fA-F]{3,6}\b|\brgb\([^)]*\)|(?<![\w-])(?:white|black)(?![\w-])", outside
    )
    assert literal == []


@pytest.mark.parametrize(
    "rule",
    [
        r"tr\.highlight td \{ background: var\(--highlight\)",
        r"button\.primary, input\.primary \{ background: var\(--primary\); "
        r"color: var\(--on-primary\)",
        r"input, select, textarea \{ background: var\(--surface\); color: var\(--fg\)",
        r"button, \.button \{[^}]*background: var\(--surface\); color: var\(--fg\)",
    ],
)
def test_the_pairs_are_the_ones_used(rule: str) -> None:
    assert re.search(rule, CSS)
