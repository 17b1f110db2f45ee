"""Seed a database for benchmarks: the test province, with N customers per county."""

from __future__ import annotations

from sqlalchemy.orm import Session
from tests.factories import Province, add_customer, build_province


def seed_province(session: Session, *, customers_per_county: int, password_hash: str) -> Province:
    p = build_province(session, password_hash=password_hash)
    for county in ("JN-LX", "JN-PY", "QD-SN"):
        for i in range(customers_per_county):
            add_customer(session, p, f"{county}-{i}", county=county, manager=f"{county}-am1")
    return p
