"""Who is acting: the authenticated staff member and their place in the organisation (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from weixi.org.roles import AREA_WIDE_ROLES, Role, may_see_id_number, may_see_phone


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: int
    code: str
    name: str
    role: Role
    unit_id: int
    province_id: int | None
    city_id: int | None
    county_id: int | None
    seat: str | None = None

    @property
    def area_level(self) -> str:
        """The narrowest area the actor belongs to: county, city or province."""
        if self.county_id is not None:
            return "county"
        if self.city_id is not None:
            return "city"
        return "province"

    @property
    def sees_whole_area(self) -> bool:
        return self.role in AREA_WIDE_ROLES

    @property
    def sees_phone(self) -> bool:
        return may_see_phone(self.role)

    @property
    def sees_id_number(self) -> bool:
        return may_see_id_number(self.role)

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)
