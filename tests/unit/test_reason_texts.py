"""Warning reasons read as sentences a manager can act on."""

from __future__ import annotations

from weixi.analytics.nightly.reason_texts import render


def test_cell_reasons_name_the_cell_and_show_shares_as_percentages() -> None:
    r = render("worst_cell_drop_rate", 0.034, "C370102-07")
    assert r["text_zh"] == "常用小区掉话率3.4%（小区 C370102-07）"
    assert r["text_en"] == "drop rate 3.4% on the cell used most (cell C370102-07)"
    assert r["action"] == "open_network_ticket"


def test_bill_change_reads_as_a_signed_percentage() -> None:
    assert render("bill_vs_avg_6m", 0.8, None)["text_en"] == "bill +80% on the 6-month average"


def test_contract_end_reads_in_days_and_offers_renewal() -> None:
    r = render("contract_days_left", 20, None)
    assert (r["text_zh"], r["action"]) == ("合约20天后到期", "offer_renewal")


def test_missing_values_and_unknown_features_still_read() -> None:
    assert render("net_drop_rate", float("nan"), None)["text_en"] == "call drop rate —"
    assert "raises the churn risk" in render("has_3g", 1, None)["text_en"]
