"""Cells, their counters per month, and each customer's cells (the 360 view's read model)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from weixi.db.base import Base

#: The daily counters summed into a cell-month (every KPI is a ratio of these sums).
KPI_COUNTERS = (
    "rrc_att",
    "rrc_succ",
    "rab_att",
    "rab_succ",
    "rab_abnormal_rel",
    "ho_att",
    "ho_succ",
    "samples",
    "weak_samples",
)


class Cell(Base):
    __tablename__ = "cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    technology: Mapped[str] = mapped_column(String(10))
    band: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    row_hash: Mapped[str] = mapped_column(String(64))


class CellKpiMonthly(Base):
    """Sums of a cell's daily counters over one month (so every KPI stays a ratio of sums)."""

    __tablename__ = "cell_kpi_monthly"

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("cells.id"))
    month: Mapped[date] = mapped_column(Date)
    rrc_att: Mapped[int] = mapped_column(Integer)
    rrc_succ: Mapped[int] = mapped_column(Integer)
    rab_att: Mapped[int] = mapped_column(Integer)
    rab_succ: Mapped[int] = mapped_column(Integer)
    rab_abnormal_rel: Mapped[int] = mapped_column(Integer)
    ho_att: Mapped[int] = mapped_column(Integer)
    ho_succ: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)
    weak_samples: Mapped[int] = mapped_column(Integer)
    thr_sum: Mapped[float] = mapped_column(Float)
    thr_days: Mapped[int] = mapped_column(Integer)
    kpi_days: Mapped[int] = mapped_column(Integer)


class CustomerCell(Base):
    """A cell carrying the customer's traffic over the window, with its mean monthly share."""

    __tablename__ = "customer_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    cell_id: Mapped[int] = mapped_column(ForeignKey("cells.id"))
    traffic_share: Mapped[float] = mapped_column(Float)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)  # the first day of the window's last month


Index("ix_cell_kpi_monthly_cell_month", CellKpiMonthly.cell_id, CellKpiMonthly.month, unique=True)
Index("ix_customer_cells_customer", CustomerCell.customer_id, CustomerCell.cell_id, unique=True)
