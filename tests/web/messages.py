"""Every message id the console uses: ``_()``, ``N_()`` and ``gettext()`` calls, and labels."""

from __future__ import annotations

import re
from pathlib import Path

from weixi.web.console.i18n import LABELS, ROLE_INTROS, STORED_PHRASES

WEB = Path(__file__).resolve().parents[2] / "src" / "weixi" / "web"
CALL = re.compile(r"""(?:\b_|\bN_|\bgettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def message_ids() -> set[str]:
    ids: set[str] = set()
    files = [*(WEB / "templates").glob("*.html"), *(WEB / "console").glob("*.py")]
    for path in files:
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            ids.add(match.group(1) if match.group(1) is not None else match.group(2))
    for group in LABELS.values():
        ids.update(group.values())
    ids.update(ROLE_INTROS.values())
    ids.update(STORED_PHRASES)
    return ids
