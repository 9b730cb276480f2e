"""Front-end module sources for anywidgets: ``static/dom.js`` (shared helpers) followed
by the widget's own module, since an anywidget module is loaded alone."""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).resolve().parent / "static"


def module(name: str) -> str:
    return (STATIC / "dom.js").read_text(encoding="utf-8") + "\n" + (STATIC / name).read_text(encoding="utf-8")


def css(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")
