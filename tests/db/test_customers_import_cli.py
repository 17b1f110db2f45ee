"""`weixi customers import DIR` brings in everything of an export that references customers."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from weixi.cli.imports import customers_import, org_import, staff_import
from weixi.config import get_settings
from weixi.customers.contacts import CustomerContact
from weixi.customers.models import Customer, Product
from weixi.customers.usage import CustomerUsageMonth
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory
from weixi.synth.generate import generate
from weixi.synth.world import SynthConfig

app = typer.Typer()
app.command(name="customers")(customers_import)
app.command(name="org")(org_import)
app.command(name="staff")(staff_import)


def test_customers_import_takes_products_contacts_and_usage_beside_the_customers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "export"
    generate(SynthConfig(customers=300, months=2, seed=5), data)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    monkeypatch.setenv("WEIXI_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        for args in (
            ["org", str(data / "org_units.parquet")],
            ["staff", str(data / "staff.parquet")],
            ["customers", str(data)],
        ):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
        with make_session_factory(make_engine(url))() as s:
            counts = {
                m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Customer, Product, CustomerContact, CustomerUsageMonth)
            }
        assert counts["Customer"] == 300
        assert all(n and n > 0 for n in counts.values()), counts
    finally:
        get_settings.cache_clear()
