"""The organisation and staff of the synthetic operator, scaled to the number of customers.

Proportions from the article (SYSTEM.md): about 7,000 halls (4,000 standard, 3,000 partner)
and 4,000 account managers per 40 million customers; every county keeps at least one hall of
each kind and one account manager whatever the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from weixi.ingest.schema import Department, HallKind, OrgUnitKind, Seat, Skill, StaffRole
from weixi.synth import catalogue
from weixi.synth.geography import PROVINCE_CODE, PROVINCE_EN, PROVINCE_ZH, City, County
from weixi.synth.strings import names

ARTICLE_CUSTOMERS = 40_000_000
ARTICLE_STANDARD_HALLS = 4_000
ARTICLE_PARTNER_HALLS = 3_000
ARTICLE_ACCOUNT_MANAGERS = 4_000
HOTLINE_AGENTS_PER_CUSTOMER = 1 / 20_000
"""About 2,000 10010 seats for 40 M customers: an assumption, not from the article."""
EXPERT_SEAT_SHARE = 0.15
AM_CAPACITY = 1_200

COUNTY_DEPARTMENTS = (Department.NETWORK, Department.FIXED_LINE)
CITY_DEPARTMENTS = (Department.NETWORK, Department.BILLING, Department.MARKETING, Department.IT)


@dataclass
class Organisation:
    """Org units and staff as columns, plus the lookups the customer generator needs."""

    units: dict[str, list[object]] = field(default_factory=dict)
    staff: dict[str, list[object]] = field(default_factory=dict)
    counties: list[County] = field(default_factory=list)
    county_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    county_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    county_lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    account_managers: list[list[str]] = field(default_factory=list)
    """Per county index: staff ids of its account managers."""
    hall_agents: list[list[str]] = field(default_factory=list)
    hotline_ordinary: list[str] = field(default_factory=list)
    hotline_expert: list[str] = field(default_factory=list)

    def add_unit(
        self, unit_id: str, parent: str | None, kind: OrgUnitKind, zh: str, en: str, **extra: object
    ) -> str:
        row = {
            "unit_id": unit_id,
            "parent_id": parent,
            "kind": kind.value,
            "name_zh": zh,
            "name_en": en,
            "department": None,
            "hall_kind": None,
            "rural": None,
            "lat": None,
            "lon": None,
            **extra,
        }
        for key, value in row.items():
            self.units.setdefault(key, []).append(value)
        return unit_id

    def add_staff(
        self,
        unit_id: str,
        role: StaffRole,
        *,
        seat: Seat | None = None,
        skills: tuple[Skill, ...] = (),
        capacity: int = 20,
    ) -> str:
        staff_id = f"S{len(self.staff.get('staff_id', [])) + 1:07d}"
        row = {
            "staff_id": staff_id,
            "unit_id": unit_id,
            "role": role.value,
            "seat": seat.value if seat else None,
            "skills": ";".join(s.value for s in skills) or None,
            "capacity": capacity,
            "calendar": "shandong-standard",
            "active": True,
        }
        for key, value in row.items():
            self.staff.setdefault(key, []).append(value)
        return staff_id


def _spread(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integer counts per county proportional to weights, at least ``minimum`` each."""
    raw = np.maximum(minimum, np.round(total * weights / weights.sum()))
    return raw.astype(np.int64)


def build_organisation(cities: tuple[City, ...], customers: int, seed: int) -> Organisation:
    """Province, cities, counties, halls, hotline centre, teams, departments and staff."""
    rng = np.random.default_rng([seed, 1])
    org = Organisation()
    prov = org.add_unit(
        PROVINCE_CODE, None, OrgUnitKind.PROVINCE, PROVINCE_ZH, PROVINCE_EN, lat=36.4, lon=118.0
    )
    for dep in Department:
        _add_department(org, prov, dep, "省", "Province", handlers=0)
    hotline = org.add_unit(
        f"{prov}-HC", prov, OrgUnitKind.HOTLINE_CENTRE, "10010客服中心", "10010 hotline centre"
    )
    weights: list[float] = []
    for city in cities:
        weights += _add_city(org, prov, city, rng)
    org.county_weight = np.array(weights) / np.sum(weights)
    _county_units_and_staff(org, customers, rng)
    _province_staff(org, hotline, prov, customers)
    org.staff["name"] = names(
        rng, len(org.staff["staff_id"]), catalogue.SURNAMES, catalogue.GIVEN
    ).to_pylist()
    return org


def _add_department(
    org: Organisation, parent: str, dep: Department, zh: str, en: str, *, handlers: int
) -> str:
    unit = org.add_unit(
        f"{parent}-D-{dep.value}",
        parent,
        OrgUnitKind.DEPARTMENT,
        f"{zh}{_DEPT_ZH[dep]}",
        f"{en} {dep.value} department",
        department=dep.value,
    )
    for _ in range(handlers):
        org.add_staff(unit, StaffRole.DEPARTMENT_HANDLER)
    return unit


def _add_city(org: Organisation, prov: str, city: City, rng: np.random.Generator) -> list[float]:
    """A city with its departments and counties; returns the counties' customer weights."""
    org.add_unit(city.code, prov, OrgUnitKind.CITY, city.name_zh, city.name_en,
                 lat=city.lat, lon=city.lon)  # fmt: skip
    for dep in CITY_DEPARTMENTS:
        _add_department(org, city.code, dep, city.name_zh, city.name_en, handlers=2)
    org.add_staff(city.code, StaffRole.SUPERVISOR, capacity=50)
    share = rng.dirichlet(np.full(len(city.counties), 4.0))
    weights = []
    for county, w in zip(city.counties, share, strict=True):
        lat = city.lat + rng.uniform(-0.35, 0.35)
        lon = city.lon + rng.uniform(-0.45, 0.45)
        org.add_unit(county.code, city.code, OrgUnitKind.COUNTY, county.name_zh,
                     county.name_en, rural=county.rural, lat=round(lat, 4),
                     lon=round(lon, 4))  # fmt: skip
        org.counties.append(county)
        org.county_lat = np.append(org.county_lat, lat)
        org.county_lon = np.append(org.county_lon, lon)
        weights.append(city.population_m * w)
    return weights


_DEPT_ZH = {
    Department.NETWORK: "网络部",
    Department.BILLING: "计费部",
    Department.MARKETING: "市场部",
    Department.IT: "信息化部",
    Department.FIXED_LINE: "装维部",
}


def _county_units_and_staff(org: Organisation, customers: int, rng: np.random.Generator) -> None:
    scale = customers / ARTICLE_CUSTOMERS
    w = org.county_weight
    standard = _spread(round(ARTICLE_STANDARD_HALLS * scale), w, 1)
    partner = _spread(round(ARTICLE_PARTNER_HALLS * scale), w, 1)
    ams = _spread(round(ARTICLE_ACCOUNT_MANAGERS * scale), w, 1)
    am_skills = (Skill.THREE_G, Skill.IPHONE, Skill.ENTERPRISE, Skill.ROAMING, Skill.BROADBAND)
    for i, county in enumerate(org.counties):
        code = county.code
        org.add_staff(code, StaffRole.SUPERVISOR, capacity=50)
        agents: list[str] = []
        for h in range(int(standard[i] + partner[i])):
            kind = HallKind.STANDARD if h < standard[i] else HallKind.PARTNER
            hall = org.add_unit(
                f"{code}-H{h + 1:03d}",
                code,
                OrgUnitKind.HALL,
                f"{county.name_zh}营业厅{h + 1}",
                f"{county.name_en} hall {h + 1}",
                hall_kind=kind.value,
            )
            for _ in range(3 if kind is HallKind.STANDARD else 2):
                agents.append(org.add_staff(hall, StaffRole.HALL_AGENT, capacity=30))
        org.hall_agents.append(agents)
        team = org.add_unit(
            f"{code}-AM",
            code,
            OrgUnitKind.AM_TEAM,
            f"{county.name_zh}客户经理团队",
            f"{county.name_en} account managers",
        )
        members = []
        for _ in range(int(ams[i])):
            skills = tuple(s for s in am_skills if rng.random() < 0.5) or (Skill.THREE_G,)
            members.append(
                org.add_staff(team, StaffRole.ACCOUNT_MANAGER, skills=skills, capacity=AM_CAPACITY)
            )
        org.account_managers.append(members)
        for dep in COUNTY_DEPARTMENTS:
            unit = org.add_unit(
                f"{code}-D-{dep.value}",
                code,
                OrgUnitKind.DEPARTMENT,
                f"{county.name_zh}{_DEPT_ZH[dep]}",
                f"{county.name_en} {dep.value} department",
                department=dep.value,
            )
            skill = Skill.FIXED_LINE if dep is Department.FIXED_LINE else Skill.THREE_G
            for _ in range(2):
                org.add_staff(unit, StaffRole.DEPARTMENT_HANDLER, skills=(skill,))


def _province_staff(org: Organisation, hotline: str, prov: str, customers: int) -> None:
    seats = max(20, round(customers * HOTLINE_AGENTS_PER_CUSTOMER))
    experts = max(3, round(seats * EXPERT_SEAT_SHARE))
    for k in range(seats):
        if k < experts:
            skills = (Skill.THREE_G, Skill.IPHONE, Skill.ROAMING)
            org.hotline_expert.append(
                org.add_staff(hotline, StaffRole.HOTLINE_AGENT, seat=Seat.EXPERT, skills=skills)
            )
        else:
            org.hotline_ordinary.append(
                org.add_staff(hotline, StaffRole.HOTLINE_AGENT, seat=Seat.ORDINARY)
            )
    org.add_staff(hotline, StaffRole.SUPERVISOR, capacity=50)
    for dep in Department:
        for _ in range(3):
            org.add_staff(f"{prov}-D-{dep.value}", StaffRole.DEPARTMENT_HANDLER)
    for _ in range(2):
        org.add_staff(prov, StaffRole.ADMIN)
    org.add_staff(prov, StaffRole.SUPERVISOR, capacity=50)
