"""Columnar inputs: customers who need a manager and the managers who can take them.

Both are plain numpy columns (one array per field) so four million customers cost a
few hundred megabytes; ``from_arrow`` accepts the same columns as a pyarrow table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from weixi.errors import ValidationFailed

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_MANAGER = -1
"""Manager id meaning "none" in every id column (current, hint and result)."""


def take(values: npt.NDArray[Any], index: IntArray, fill: Any = -1) -> npt.NDArray[Any]:
    """``values[index]`` where ``index >= 0``, else ``fill`` (``values`` may be empty)."""
    if not len(values):
        return np.full(len(index), fill, dtype=values.dtype)
    return np.where(index >= 0, values[np.maximum(index, 0)], fill)


CUSTOMER_COLUMNS = (
    "customer_id",
    "county_id",
    "value",
    "skills",
    "current_manager_id",
    "hint_manager_id",
)
MANAGER_COLUMNS = (
    "manager_id",
    "county_id",
    "neighbour_counties",
    "skills",
    "capacity",
    "active",
)


def _ints(table: pa.Table, name: str, fill: int | None = None) -> IntArray:
    column = table.column(name).cast(pa.int64())
    if fill is not None:
        column = column.fill_null(fill)
    elif column.null_count:
        raise ValidationFailed(f"column {name} has nulls")
    return np.asarray(column.to_numpy(), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Customers:
    """Customers needing an account manager, one entry per customer in every array.

    ``skills`` is a bitmask of the skills their products need; ``current_manager_id``
    and ``hint_manager_id`` (household or hall manager) are ``NO_MANAGER`` when absent.
    """

    customer_id: IntArray
    county_id: IntArray
    value: FloatArray
    skills: IntArray
    current_manager_id: IntArray
    hint_manager_id: IntArray

    def __post_init__(self) -> None:
        n = len(self.customer_id)
        for name in CUSTOMER_COLUMNS:
            if len(getattr(self, name)) != n:
                raise ValidationFailed(f"customers.{name} has the wrong length")
        if n and len(np.unique(self.customer_id)) != n:
            raise ValidationFailed("customer ids are not unique")
        if n and (not np.all(np.isfinite(self.value)) or self.value.min() < 0):
            raise ValidationFailed("customer values must be finite and >= 0")
        if n and self.skills.min() < 0:
            raise ValidationFailed("skill masks must be >= 0")

    def __len__(self) -> int:
        return len(self.customer_id)

    @classmethod
    def from_arrays(
        cls,
        *,
        customer_id: npt.ArrayLike,
        county_id: npt.ArrayLike,
        value: npt.ArrayLike,
        skills: npt.ArrayLike,
        current_manager_id: npt.ArrayLike,
        hint_manager_id: npt.ArrayLike,
    ) -> Customers:
        """Customers from anything numpy can turn into 1-d arrays."""
        return cls(
            customer_id=np.asarray(customer_id, dtype=np.int64),
            county_id=np.asarray(county_id, dtype=np.int64),
            value=np.asarray(value, dtype=np.float64),
            skills=np.asarray(skills, dtype=np.int64),
            current_manager_id=np.asarray(current_manager_id, dtype=np.int64),
            hint_manager_id=np.asarray(hint_manager_id, dtype=np.int64),
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Customers:
        """Customers from a table with ``CUSTOMER_COLUMNS`` (null manager ids mean none)."""
        return cls(
            customer_id=_ints(table, "customer_id"),
            county_id=_ints(table, "county_id"),
            value=np.asarray(table.column("value").to_numpy(), dtype=np.float64),
            skills=_ints(table, "skills", 0),
            current_manager_id=_ints(table, "current_manager_id", NO_MANAGER),
            hint_manager_id=_ints(table, "hint_manager_id", NO_MANAGER),
        )


@dataclass(frozen=True, eq=False)
class Managers:
    """Account managers; neighbour counties are stored compressed (CSR).

    Manager ``i`` may also serve the counties
    ``neighbour_county_id[neighbour_offsets[i]:neighbour_offsets[i + 1]]``.
    Inactive managers (left, on leave, wrong role) take nobody.
    """

    manager_id: IntArray
    county_id: IntArray
    skills: IntArray
    capacity: IntArray
    active: BoolArray
    neighbour_offsets: IntArray
    neighbour_county_id: IntArray

    def __post_init__(self) -> None:
        n = len(self.manager_id)
        for name in ("county_id", "skills", "capacity", "active"):
            if len(getattr(self, name)) != n:
                raise ValidationFailed(f"managers.{name} has the wrong length")
        if len(self.neighbour_offsets) != n + 1 or self.neighbour_offsets[0] != 0:
            raise ValidationFailed("managers.neighbour_offsets must have n + 1 entries from 0")
        if np.any(np.diff(self.neighbour_offsets) < 0):
            raise ValidationFailed("managers.neighbour_offsets must not decrease")
        if self.neighbour_offsets[-1] != len(self.neighbour_county_id):
            raise ValidationFailed("managers.neighbour_offsets do not match the county list")
        if n and len(np.unique(self.manager_id)) != n:
            raise ValidationFailed("manager ids are not unique")
        if n and self.manager_id.min() < 0:
            raise ValidationFailed("manager ids must be >= 0")
        if n and self.capacity.min() < 0:
            raise ValidationFailed("capacities must be >= 0")

    def __len__(self) -> int:
        return len(self.manager_id)

    @classmethod
    def from_arrays(
        cls,
        *,
        manager_id: npt.ArrayLike,
        county_id: npt.ArrayLike,
        skills: npt.ArrayLike,
        capacity: npt.ArrayLike,
        active: npt.ArrayLike,
        neighbour_counties: list[list[int]] | None = None,
    ) -> Managers:
        """Managers from 1-d arrays and one list of allowed neighbour counties each."""
        ids = np.asarray(manager_id, dtype=np.int64)
        lists = neighbour_counties if neighbour_counties is not None else [[] for _ in ids]
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(x) for x in lists])
        flat = [c for x in lists for c in x]
        return cls(
            manager_id=ids,
            county_id=np.asarray(county_id, dtype=np.int64),
            skills=np.asarray(skills, dtype=np.int64),
            capacity=np.asarray(capacity, dtype=np.int64),
            active=np.asarray(active, dtype=np.bool_),
            neighbour_offsets=offsets,
            neighbour_county_id=np.asarray(flat, dtype=np.int64),
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Managers:
        """Managers from a table with ``MANAGER_COLUMNS``; neighbours is a list<int64>."""
        lists = table.column("neighbour_counties")
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy()
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(lengths)
        flat = np.asarray(pc.list_flatten(lists).to_numpy(), dtype=np.int64)
        return cls(
            manager_id=_ints(table, "manager_id"),
            county_id=_ints(table, "county_id"),
            skills=_ints(table, "skills", 0),
            capacity=_ints(table, "capacity"),
            active=np.asarray(table.column("active").fill_null(False).to_numpy(), dtype=bool),
            neighbour_offsets=offsets,
            neighbour_county_id=flat,
        )
