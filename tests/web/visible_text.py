"""The UI text of a console page: what a reader sees, minus data (names, numbers, records).

Elements marked ``class="data"`` (customer and stored data) or ``data-i18n-skip`` (the
language switch, which names the other language in that language) are left out, as are
scripts and styles. Placeholders, titles and aria-labels count as UI text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it skipped?
        self.chunks: list[str] = []

    def _skipped(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            tag in ("script", "style")
            or "data" in (values.get("class") or "").split()
            or "data-i18n-skip" in values
        )
        if not skip and not self._skipped():
            for name in ("placeholder", "title", "aria-label"):
                if values.get(name):
                    self.chunks.append(str(values[name]))
        if tag not in VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipped() and data.strip():
            self.chunks.append(data.strip())


def ui_text(html: str) -> list[str]:
    """The page's UI text chunks."""
    collector = _Collector()
    collector.feed(html)
    return collector.chunks


#: Latin words allowed on Chinese pages: product and format names.
LATIN_ALLOWED = {"Excel", "JSON", "TOML", "MB", "SLA", "weixi", "ID"}
#: ... and radio standards, counters and units the network panel names.
LATIN_ALLOWED |= {"GSM", "WCDMA", "RSCP", "RXLEV", "dBm", "kbit", "RRC", "RAB", "iPhone"}


def untranslated_on_chinese_page(html: str, english_ids: set[str]) -> list[str]:
    """UI chunks of a Chinese page that are English message ids or English words."""
    found = []
    for chunk in ui_text(html):
        words = [w for w in re.findall(r"[A-Za-z]{3,}", chunk) if w not in LATIN_ALLOWED]
        if chunk in english_ids or words:
            found.append(chunk)
    return found


def chinese_on_english_page(html: str) -> list[str]:
    """UI chunks of an English page that contain CJK characters."""
    return [chunk for chunk in ui_text(html) if CJK.search(chunk)]
