"""Write ``docs/features.md`` from the catalogue: ``python -m weixi.analytics.features.docs``."""

from __future__ import annotations

import sys
from pathlib import Path

from weixi.analytics.features.catalogue import catalogue_markdown


def main(argv: list[str] | None = None) -> int:
    """Write the catalogue to the given path (default ``docs/features.md``)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("docs/features.md")
    target.write_text(catalogue_markdown(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
