"""The review report's page as a test reads it: its Plotly figures (JSON islands) and what it would fetch."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

NETWORK = re.compile(r"^(https?:)?//")


class Figures(HTMLParser):
    """The JSON figure islands of a page, and every external source its tags name."""

    def __init__(self):
        super().__init__()
        self.figures, self.sources, self.styles, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.sources += [attrs[a] for a in ("src", "href") if attrs.get(a) and tag in ("script", "link", "img")]
        self._in = "figure" if tag == "script" and "data-figure" in attrs else "style" if tag == "style" else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "figure":
            self.figures.append(json.loads(data))
        elif self._in == "style":
            self.styles.append(data)


def parse(path: Path) -> Figures:
    parser = Figures()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def assert_offline_and_drawn(page: Figures) -> None:
    """Every chart has data on both axes, and no tag or style loads anything from a network."""
    assert page.figures
    for figure in page.figures:
        assert figure["data"], title(figure)
        for trace in figure["data"]:
            assert values(trace, "x") and values(trace, "y"), (title(figure), trace.get("name"))
    assert not [s for s in page.sources if NETWORK.match(s)], page.sources
    assert not any(re.search(r"url\(\s*['\"]?(https?:)?//|@import", style) for style in page.styles)


def title(figure: dict) -> str:
    return figure["layout"].get("title", {}).get("text", "")


def values(trace: dict, axis: str) -> list:
    return [v for v in trace.get(axis, []) if v is not None]
