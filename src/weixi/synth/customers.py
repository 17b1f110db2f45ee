"""Customers of one chunk: who they are, what they bought, where their traffic goes.

Dates are integer days since 1970-01-01 inside the generator. Hidden traits (engagement,
network perception, roaming habit) drive the monthly activity in `activity` and are never
written to the import files except through their effects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from weixi.ingest.schema import AcquisitionChannel, ProductKind
from weixi.synth import catalogue
from weixi.synth.strings import fixed_ids, names, pick, prc_id_numbers
from weixi.synth.world import World, days, to_date32

UNICOM_FOUNDED = days(dt.date(1994, 7, 19))
MOBILE_PREFIXES = np.array([130, 131, 132, 155, 156, 185, 186])
PHONE_MULTIPLIER = 387_420_489  # 3**18: coprime with 7 × 10**8, scatters numbers
PHONE_OFFSET = 123_456_789
PHONE_SPACE = len(MOBILE_PREFIXES) * 10**8
STAFF_PHONE_BASE = 690_000_000
"""Staff phones use inputs above every customer index, so they never equal a customer's."""

AM_MIN_3G_FEE = 66.0
"""F1: every 3G plan of 66 yuan or more gets a dedicated account manager."""
CHANNELS = tuple(c.value for c in AcquisitionChannel)
CHANNEL_P = np.array([0.45, 0.25, 0.05, 0.20, 0.02, 0.03])


DEVICES = pa.array([*catalogue.DEVICES_2G, *catalogue.DEVICES_3G, "iPhone 3GS", "iPhone 4"])


def county_ids(world: World) -> pa.Array:
    return pa.array([c.code for c in world.org.counties], pa.string())


def phone_numbers(index: np.ndarray) -> pa.Array:
    """Unique 11-digit Unicom mobile numbers: a bijection of the index onto the number space."""
    value = (index.astype(np.int64) * PHONE_MULTIPLIER + PHONE_OFFSET) % PHONE_SPACE
    number = MOBILE_PREFIXES[value // 10**8] * 10**8 + value % 10**8
    return fixed_ids("", number, 11)


@dataclass
class Customers:
    """Column arrays for one chunk of customers (index i is the same person everywhere)."""

    g: np.ndarray
    county: np.ndarray
    enterprise: np.ndarray
    is3g: np.ndarray
    plan: np.ndarray
    activated: np.ndarray
    mobile_started: np.ndarray
    prepaid: np.ndarray
    iphone: np.ndarray
    device_bought: np.ndarray
    device_known: np.ndarray
    contract_end: np.ndarray
    has_contract: np.ndarray
    has_fixed: np.ndarray
    has_bb: np.ndarray
    fixed_started: np.ndarray
    bb_plan: np.ndarray
    bb_started: np.ndarray
    bundled: np.ndarray
    engagement: np.ndarray
    voice_base: np.ndarray
    sms_base: np.ndarray
    data_base: np.ndarray
    roamer: np.ndarray
    cells: np.ndarray
    """(n, 3) cell indices, -1 where the customer uses fewer cells."""
    shares: np.ndarray
    perception: np.ndarray
    """Traffic-weighted cell badness: the customer's network perception, 0 good … 1 bad."""
    am: np.ndarray
    """Index into `World.am_ids`, -1 without a dedicated account manager."""
    ids: pa.Array | None = None
    """Formatted customer ids, built on first use."""

    def __len__(self) -> int:
        return len(self.g)


def draw_customers(world: World, rng: np.random.Generator, first: int, n: int) -> Customers:
    """Static attributes of customers ``first`` … ``first + n - 1``."""
    g = np.arange(first, first + n, dtype=np.int64)
    county = np.searchsorted(np.cumsum(world.org.county_weight), rng.random(n) * (1 - 1e-12))
    enterprise = rng.random(n) < 0.05
    is3g = rng.random(n) < np.where(enterprise, 0.35, 0.14)
    plan = _draw_plans(world, rng, is3g)
    activated = _draw_activation(world, rng, n)
    launched = world.plans.launched[plan]
    gap = np.maximum(1, world.window_start - launched)
    late_start = launched + rng.integers(0, gap)
    mobile_started = np.where(activated >= launched, activated, late_start)
    prepaid = ~enterprise & (rng.random(n) < np.where(is3g, 0.10, 0.70))
    fee = world.plans.fee[plan]
    iphone = np.where(is3g, rng.random(n) < np.where(fee >= 126, 0.25, 0.10), rng.random(n) < 0.003)
    device_bought = _draw_device_dates(world, rng, activated, iphone)
    has_contract = ~prepaid & (rng.random(n) < np.where(is3g, 0.6, 0.15))
    contract_months = np.where(rng.random(n) < 0.5, 12, 24)
    contract_end = mobile_started + (contract_months * 30.44).astype(np.int64)
    has_fixed = rng.random(n) < 0.22
    has_bb = np.where(has_fixed, rng.random(n) < 0.55, rng.random(n) < 0.08)
    fixed_started = _draw_wireline_start(world, rng, activated)
    bb_started = np.where(
        rng.random(n) < 0.7, fixed_started, _draw_wireline_start(world, rng, activated)
    )
    bb_choices = world.plans.of_kind(ProductKind.BROADBAND)
    bb_plan = rng.choice(bb_choices, n, p=world.plans.share[bb_choices])
    engagement = rng.normal(0, 1, n)
    voice_base = np.maximum(60.0, world.plans.voice[plan]) * 0.85 * rng.lognormal(-0.1, 0.45, n)
    voice_base *= np.exp(0.35 * engagement)
    data_base = np.where(
        is3g, world.plans.data[plan] * rng.lognormal(-0.4, 0.6, n), 5.0 * rng.lognormal(0, 1, n)
    ) * np.exp(0.3 * engagement)
    cells, shares = _draw_cells(world, rng, county)
    badness = np.where(cells >= 0, world.cells.badness[np.maximum(cells, 0)], 0.0)
    return Customers(
        g=g,
        county=county,
        enterprise=enterprise,
        is3g=is3g,
        plan=plan,
        activated=activated,
        mobile_started=mobile_started,
        prepaid=prepaid,
        iphone=iphone,
        device_bought=device_bought,
        device_known=rng.random(n) > 0.03,
        contract_end=contract_end,
        has_contract=has_contract,
        has_fixed=has_fixed,
        has_bb=has_bb,
        fixed_started=fixed_started,
        bb_plan=bb_plan,
        bb_started=bb_started,
        bundled=has_bb & (rng.random(n) < 0.4),
        engagement=engagement,
        voice_base=voice_base,
        sms_base=rng.lognormal(3.4, 0.8, n) * np.exp(0.2 * engagement),
        data_base=data_base,
        roamer=rng.random(n) < np.where(enterprise | (fee >= 286), 0.15, 0.015),
        cells=cells,
        shares=shares,
        perception=(badness * shares).sum(axis=1),
        am=_assign_account_managers(world, rng, county, enterprise, is3g, fee),
    )


def _draw_plans(world: World, rng: np.random.Generator, is3g: np.ndarray) -> np.ndarray:
    p3 = world.plans.of_kind(ProductKind.MOBILE_3G)
    p2 = world.plans.of_kind(ProductKind.MOBILE_2G)
    n = len(is3g)
    return np.where(
        is3g,
        rng.choice(p3, n, p=world.plans.share[p3]),
        rng.choice(p2, n, p=world.plans.share[p2]),
    )


def _draw_activation(world: World, rng: np.random.Generator, n: int) -> np.ndarray:
    """Tenure: mostly long-standing customers, plus joiners spread over the window."""
    span = world.window_end - world.window_start
    joiner = rng.random(n) < min(0.5, 0.018 * world.config.months)
    tenure = 30 + rng.exponential(4 * 365.0, n).astype(np.int64)
    existing = np.maximum(UNICOM_FOUNDED, world.window_start - tenure)
    return np.where(joiner, world.window_start + rng.integers(0, span, n), existing)


def _draw_device_dates(
    world: World, rng: np.random.Generator, activated: np.ndarray, iphone: np.ndarray
) -> np.ndarray:
    age = rng.exponential(16 * 30.44, len(activated)).astype(np.int64)
    bought = np.maximum(activated - 30, world.window_start - age)
    first_iphone = days(catalogue.IPHONE_3GS_ON)
    spread = rng.integers(0, max(1, world.window_end - first_iphone), len(activated))
    late = np.minimum(first_iphone + spread, world.window_end - 1)
    return np.where(iphone & (bought < first_iphone), late, bought)


def _draw_wireline_start(
    world: World, rng: np.random.Generator, activated: np.ndarray
) -> np.ndarray:
    """Mostly with the customer's activation; 15% of existing customers add it in the window."""
    n = len(activated)
    in_window = (activated < world.window_start) & (rng.random(n) < 0.15)
    span = world.window_end - world.window_start
    later = world.window_start + rng.integers(0, span, n)
    return np.where(in_window, later, activated)


def _draw_cells(
    world: World, rng: np.random.Generator, county: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One to three distinct cells in the home county, with traffic shares summing to 1."""
    n = len(county)
    start, count = world.cells.county_start[county], world.cells.county_count[county]
    o0 = rng.integers(0, count)
    a = rng.integers(0, count - 1)
    b = (a + 1 + rng.integers(0, count - 2)) % (count - 1)
    cells = np.stack([o0, (o0 + 1 + a) % count, (o0 + 1 + b) % count], axis=1) + start[:, None]
    used = np.stack([np.ones(n, bool), rng.random(n) < 0.5, rng.random(n) < 0.12], axis=1)
    used[:, 2] &= used[:, 1]
    cells = np.where(used, cells, -1)
    weight = rng.gamma(np.array([4.0, 1.2, 0.6]), 1.0, (n, 3)) * used
    return cells, weight / weight.sum(axis=1, keepdims=True)


def _assign_account_managers(
    world: World,
    rng: np.random.Generator,
    county: np.ndarray,
    enterprise: np.ndarray,
    is3g: np.ndarray,
    fee: np.ndarray,
) -> np.ndarray:
    eligible = (is3g & (fee >= AM_MIN_3G_FEE)) | enterprise | (fee >= 88)
    pick_ = world.am_start[county] + rng.integers(0, world.am_count[county])
    return np.where(eligible, pick_, -1)


def customer_columns(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    deactivated: np.ndarray,
) -> dict[str, pa.Array]:
    """The ``customers`` table rows of the chunk (``deactivated`` is -1 while active)."""
    n = len(c)
    area = world.county_code[c.county]
    age = rng.integers(18, 71, n)
    birth = (2010 - age) * 10_000 + rng.integers(1, 13, n) * 100 + rng.integers(1, 29, n)
    n2, n3 = len(catalogue.DEVICES_2G), len(catalogue.DEVICES_3G)
    device = np.where(
        c.iphone,
        n2 + n3 + (c.device_bought >= days(catalogue.IPHONE_4_ON)),
        np.where(c.is3g, n2 + rng.integers(0, n3, n), rng.integers(0, n2, n)),
    )
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    channel = np.where(
        c.enterprise & (rng.random(n) < 0.6), CHANNELS.index("account_manager"), channel
    )
    new_household = rng.random(n) < 0.75
    new_household[0] = True
    household = np.maximum.accumulate(np.where(new_household, c.g, -1))
    return {
        "customer_id": fixed_ids("C", c.g, 9) if c.ids is None else c.ids,
        "name": names(rng, n, catalogue.SURNAMES, catalogue.GIVEN),
        "phone": phone_numbers(c.g),
        "id_number": prc_id_numbers(area, birth, rng.integers(0, 1000, n)),
        "home_county_id": pick(county_ids(world), c.county),
        "activated_on": to_date32(c.activated),
        "deactivated_on": to_date32(deactivated, deactivated >= 0),
        "channel": pick(pa.array(CHANNELS), channel),
        "payment": pick(pa.array(["postpaid", "prepaid"]), c.prepaid.astype(np.int32)),
        "device_model": pick(DEVICES, device),
        "device_is_iphone": pa.array(c.iphone),
        "device_bought_on": to_date32(c.device_bought, c.device_known),
        "contract_end_on": to_date32(c.contract_end, c.has_contract),
        "household_id": fixed_ids("H", household, 9),
        "segment": pick(pa.array(["personal", "enterprise"]), c.enterprise.astype(np.int32)),
        "account_manager_id": _nullable_take(world.am_ids, c.am, c.am >= 0),
    }


def _nullable_take(values: pa.Array, index: np.ndarray, valid: np.ndarray) -> pa.Array:
    return values.take(pa.array(np.maximum(index, 0), mask=~valid))
