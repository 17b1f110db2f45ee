"""Roles, unit kinds and what each role may see (pure)."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    HALL = "hall"
    HOTLINE_CENTRE = "hotline_centre"
    AM_TEAM = "am_team"
    DEPARTMENT = "department"


AREA_KINDS = frozenset({UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY})


class Role(StrEnum):
    ACCOUNT_MANAGER = "account_manager"
    HALL_AGENT = "hall_agent"
    HOTLINE_AGENT = "hotline_agent"
    SUPERVISOR = "supervisor"
    DEPARTMENT_HANDLER = "department_handler"
    ADMIN = "admin"


class Seat(StrEnum):
    ORDINARY = "ordinary"
    EXPERT = "expert"


#: Roles that may see phone numbers whole (account managers call their customers).
PHONE_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.ADMIN})
#: Roles that may see ID numbers whole.
ID_NUMBER_ROLES = frozenset({Role.ADMIN})

#: Roles whose view of orders covers their whole area (not only their own work).
AREA_WIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})

#: Roles that receive contacts from any customer of the province (front line).
FRONT_LINE_ROLES = frozenset({Role.HALL_AGENT, Role.HOTLINE_AGENT})


def may_see_phone(role: str) -> bool:
    """Whether ``role`` may read phone numbers in full."""
    return role in PHONE_ROLES


def may_see_id_number(role: str) -> bool:
    """Whether ``role`` may read ID numbers in full."""
    return role in ID_NUMBER_ROLES
