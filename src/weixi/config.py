"""Configuration in one place.

Settings come from ``WEIXI_*`` environment variables, then from an optional TOML
file named by ``WEIXI_CONFIG``; nothing else in weixi reads the environment.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may configure, with defaults that run out of the box."""

    model_config = SettingsConfigDict(env_prefix="WEIXI_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/weixi.db",
        description="SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://…).",
    )
    var_dir: Path = Field(default=Path("./var"), description="Working files: models, runs, logs.")
    data_dir: Path = Field(
        default=Path("./var/data"), description="The operator's latest export files (Parquet/CSV)."
    )
    timezone: str = Field(default="Asia/Shanghai", description="Operator's display time zone.")
    default_locale: str = Field(default="zh_CN", description="Console language by default.")
    secret_key: str = Field(
        default="dev-only-change-me",
        description="Signs session cookies and CSRF tokens; set a long random value in production.",
    )
    secure_cookies: bool = Field(default=False, description="Send cookies only over HTTPS.")
    session_hours: int = Field(default=12, description="Console session lifetime in hours.")
    token_days: int = Field(default=30, description="API bearer-token lifetime in days.")
    holiday_calendar: Path | None = Field(
        default=None, description="TOML file of public holidays and make-up working days."
    )
    notifier: str = Field(default="log", description="Notification adapter: log, sms or email.")
    sms_gateway_url: str = Field(default="", description="SMS gateway endpoint (sms adapter).")
    smtp_host: str = Field(default="localhost", description="SMTP host (email adapter).")
    smtp_port: int = Field(default=25, description="SMTP port (email adapter).")
    smtp_sender: str = Field(default="weixi@localhost", description="From address (email).")
    tick_seconds: int = Field(default=60, description="How often the server evaluates SLA clocks.")
    assignment_config: Path | None = Field(
        default=None,
        description="TOML with [assignment] weights and [neighbours] county → counties it serves.",
    )
    nightly_crash_at: str = Field(
        default="", description="Tests only: kill the nightly run right after this step."
    )
    shared_dir: Path = Field(
        default=Path("../shared"), description="Public data sets for tests and benchmarks only."
    )


def _toml_overrides() -> dict[str, object]:
    path = os.environ.get("WEIXI_CONFIG")
    if not path:
        return {}
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    section = data.get("weixi", data)
    return {k: v for k, v in section.items() if f"WEIXI_{k.upper()}" not in os.environ}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment first, then the TOML file)."""
    return Settings(**_toml_overrides())  # type: ignore[arg-type]
