"""Charts drawn on the server: a Vega-Lite specification (written in Altair) rendered to SVG by
vl-convert, so a page needs no script and a PDF embeds the same drawing.

`render` draws a specification once per process (drawings are kept by the specification's
JSON); `accessible_svg` checks that a drawing refers to nothing outside itself (the content
security policy would refuse it, and a PDF could not fetch it) and gives it an accessible root:
`role="img"` with a `<title>` and a `<desc>` that say what it shows.

No Django here: this module is shared by the apps' chart modules, which stay plain Python.
"""

import json
import re
from functools import lru_cache
from typing import Any

import vl_convert as vlc
from markupsafe import escape

# The NHS identity colours (service.nhs.uk/design-system/styles/colour).
BLUE = "#005eb8"
DARK_BLUE = "#003087"
LIGHT_BLUE = "#41b6e6"
DARK_GREY = "#425563"
MID_GREY = "#768692"
PALE_GREY = "#d8dde0"
TEXT = "#212b32"
GREEN = "#007f3b"
RED = "#d5281b"
WARM_YELLOW = "#ffb81c"
ORANGE = "#ed8b00"
PURPLE = "#330072"
AQUA_GREEN = "#00a499"
WHITE = "#ffffff"
FONT = "Arial, sans-serif"

_ROOT = re.compile(r"<svg\b([^>]*)>")
# Vega's own roles for its marks mean nothing to a screen reader inside an image.
_INNER_ROLES = re.compile(r' (?:role|aria-roledescription|aria-label)="[^"]*"')
# The SVG namespaces name w3.org; nothing else may be named, fetched or run, and no inline
# style may be set (the content security policy forbids inline styles).
_UNSAFE = re.compile(
    r"(?:https?:)?//(?!www\.w3\.org/)|@import|@font-face|<script|<image\b|<a\b|<style|\sstyle=",
    re.I,
)
_ID = re.compile(r"^[A-Za-z][\w-]*$")
_INNER_IDS = re.compile(r'\sid="([^"]+)"')


@lru_cache(maxsize=512)
def _render(text: str) -> str:
    # No base URL is allowed: a specification may not fetch data from anywhere.
    return str(vlc.vegalite_to_svg(text, allowed_base_urls=[]))


def render(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite specification; the same specification is drawn once."""
    return _render(json.dumps(spec, sort_keys=True, separators=(",", ":"), allow_nan=False))


def cache_info() -> Any:
    return _render.cache_info()


def cache_clear() -> None:
    _render.cache_clear()


def check_safe(svg: str) -> None:
    """Refuse a drawing that refers to anything outside itself, runs a script or styles inline."""
    if _UNSAFE.search(svg):
        raise ValueError("the chart refers to something outside itself or styles itself inline")


def accessible_svg(svg: str, label: str, description: str, element_id: str) -> str:
    """The drawing with an accessible root: `role="img"`, labelled by a `<title>` (`label`:
    what it is) and a `<desc>` (`description`: what it shows). `element_id` prefixes the ids of
    the title and description, so must be unique on the page."""
    if not _ID.match(element_id):
        raise ValueError(f"{element_id!r} is not a usable element id")
    check_safe(svg)
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("vl-convert did not draw an SVG")
    attributes = match.group(1)
    inner = _INNER_ROLES.sub("", svg[match.end() :])
    # Vega names its clip paths clip1, clip2…: prefixed, so two drawings on a page keep apart.
    for name in set(_INNER_IDS.findall(inner)):
        inner = (
            inner.replace(f' id="{name}"', f' id="{element_id}-{name}"')
            .replace(f"url(#{name})", f"url(#{element_id}-{name})")
            .replace(f'href="#{name}"', f'href="#{element_id}-{name}"')
        )
    root = (
        f'<svg{attributes} role="img" focusable="false" '
        f'aria-labelledby="{element_id}-title {element_id}-desc">'
        f'<title id="{element_id}-title">{escape(label)}</title>'
        f'<desc id="{element_id}-desc">{escape(description)}</desc>'
    )
    return svg[: match.start()] + root + inner
