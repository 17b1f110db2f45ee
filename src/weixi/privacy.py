"""Masking of personal numbers for display (pure)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """138****1234: keep the first three and last four digits of a mobile number."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """370102********1234: keep the region code and the last four characters."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"
