"""Weights of the soft goals, read from the ``[assignment]`` section of a TOML file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from itertools import pairwise
from pathlib import Path

from weixi.errors import ValidationFailed

SECTION = "assignment"


@dataclass(frozen=True)
class AssignmentWeights:
    """How much each soft goal costs, in points per customer (only ratios matter).

    ``continuity``: moving a customer away from their current manager.
    ``skill_match``: per required skill the manager lacks.
    ``load_balance``: scale of the convex (≈ quadratic) cost of a manager's utilisation.
    ``value_balance``: scale of the convex cost of a manager's share of each value bucket.
    ``household``: not giving the customer their household's or hall's manager.
    """

    continuity: float = 10.0
    skill_match: float = 4.0
    load_balance: float = 2.0
    value_balance: float = 1.0
    household: float = 3.0
    value_bucket_edges: tuple[float, ...] = (100.0, 200.0, 400.0)
    load_segments: int = 4
    skill_names: tuple[str, ...] = ("3g", "iphone", "roaming", "enterprise")

    def __post_init__(self) -> None:
        for name in ("continuity", "skill_match", "load_balance", "value_balance", "household"):
            if getattr(self, name) < 0:
                raise ValidationFailed(f"assignment weight {name} must be >= 0")
        edges = self.value_bucket_edges
        if any(b <= a for a, b in pairwise(edges)):
            raise ValidationFailed("value_bucket_edges must be strictly increasing")
        if not 1 <= self.load_segments <= 64:
            raise ValidationFailed("load_segments must be between 1 and 64")

    @property
    def n_buckets(self) -> int:
        return len(self.value_bucket_edges) + 1

    def skill_name(self, bit: int) -> str:
        """The configured name of skill ``bit`` (``skill7`` when unnamed)."""
        return self.skill_names[bit] if bit < len(self.skill_names) else f"skill{bit}"

    @classmethod
    def from_mapping(cls, section: Mapping[str, object]) -> AssignmentWeights:
        """Weights from a parsed ``[assignment]`` table; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(section) - known
        if unknown:
            raise ValidationFailed(f"unknown assignment settings: {sorted(unknown)}")
        values: dict[str, object] = {}
        for key, value in section.items():
            values[key] = tuple(value) if isinstance(value, list) else value
        return cls(**values)  # type: ignore[arg-type]


def load_weights(path: Path | None = None) -> AssignmentWeights:
    """The shipped defaults, overridden by the ``[assignment]`` section of ``path`` if given."""
    text = resources.files(__package__).joinpath("defaults.toml").read_text(encoding="utf-8")
    section = dict(tomllib.loads(text)[SECTION])
    if path is not None:
        with open(path, "rb") as fh:
            section.update(tomllib.load(fh).get(SECTION, {}))
    return AssignmentWeights.from_mapping(section)
