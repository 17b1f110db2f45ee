"""Month-by-month life of one chunk of customers: churn, usage, bills, contacts, orders.

Each month, in this order:
1. **Churn**: a hazard per customer built from the state *before* the month (last month's
   bill shock, unresolved complaints of the last two months, contract end, network
   perception, competitor campaigns in the county, tenure, device age, engagement). The
   components are competing risks: the churn's recorded driver is drawn in proportion to
   them, so every driver leaves traces a model can learn from the import files.
2. **Usage and bill** for the days the customer was active (churners use less in their
   last month: partial defection).
3. **Contacts and complaints**, whose rates depend on network perception, bill shock and
   arrears; fixed-line **orders**, whose lateness produces timeliness complaints.
4. Plan changes for some of those who stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from weixi.ingest.schema import ChurnDriver, ContactChannel, ContactKind, ProductKind
from weixi.synth import catalogue
from weixi.synth.customers import Customers
from weixi.synth.world import World

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
SHANGHAI_OFFSET_MS = 8 * HOUR_MS
FIXED_LINE_FEE = 25.0
INSTALL_LIMIT_DAYS = (5, 7)
"""Published install/move limit, urban and rural: an assumption (telecom-domain.md §3.3)."""
REPAIR_LIMIT_HOURS = (48, 72)
"""Fault repair limit, urban and rural (Telecommunications Regulations art. 33)."""

DRIVERS = tuple(ChurnDriver)

# Contact streams: (kind, category or None, text group, resolution probability at P = 0).
STREAMS: tuple[tuple[ContactKind, str | None, str, float], ...] = (
    (ContactKind.COMPLAINT, "network", "network", 0.65),
    (ContactKind.COMPLAINT, "billing", "billing", 0.80),
    (ContactKind.COMPLAINT, "service", "service", 0.70),
    (ContactKind.COMPLAINT, "product", "product", 0.85),
    (ContactKind.ENQUIRY, None, "enquiry", 0.98),
    (ContactKind.TRANSACTION, None, "transaction", 0.99),
    (ContactKind.FAULT_REPORT, "network", "fault_network", 0.85),
    (ContactKind.SUGGESTION, None, "suggestion", 0.90),
    (ContactKind.COMPLAINT, "fixed_line_timeliness", "fixed_line_timeliness", 0.55),
    (ContactKind.FAULT_REPORT, None, "fault_fixed_line", 0.90),
)
TIMELINESS_STREAM, FIXED_FAULT_STREAM = 8, 9
CH = ContactChannel
_CHANNEL_MIX: dict[ContactKind, dict[ContactChannel, float]] = {
    ContactKind.COMPLAINT: {CH.HALL: 0.25, CH.HOTLINE_ORDINARY: 0.45, CH.HOTLINE_EXPERT: 0.10,
                            CH.ONLINE: 0.08, CH.APP: 0.04, CH.SMS: 0.02, CH.AGENT: 0.06},
    ContactKind.ENQUIRY: {CH.HALL: 0.20, CH.IVR: 0.30, CH.HOTLINE_ORDINARY: 0.20,
                          CH.HOTLINE_EXPERT: 0.03, CH.ONLINE: 0.08, CH.APP: 0.07, CH.SMS: 0.07,
                          CH.SELF_SERVICE: 0.03, CH.AGENT: 0.02},
    ContactKind.TRANSACTION: {CH.HALL: 0.45, CH.ONLINE: 0.15, CH.APP: 0.10,
                              CH.SELF_SERVICE: 0.15, CH.AGENT: 0.15},
    ContactKind.FAULT_REPORT: {CH.HOTLINE_ORDINARY: 0.60, CH.HOTLINE_EXPERT: 0.10, CH.HALL: 0.20,
                               CH.ONLINE: 0.10},
    ContactKind.SUGGESTION: {CH.HALL: 0.30, CH.ONLINE: 0.40, CH.HOTLINE_ORDINARY: 0.30},
}  # fmt: skip
CHANNELS = tuple(ContactChannel)
CHANNEL_P = np.array([[_CHANNEL_MIX[kind].get(ch, 0.0) for ch in CHANNELS] for kind, *_ in STREAMS])
TEXT_GROUPS = tuple(catalogue.CONTACT_TEXTS)
TEXTS = tuple(t for group in TEXT_GROUPS for t in catalogue.CONTACT_TEXTS[group])
_TEXT_COUNT = np.array([len(catalogue.CONTACT_TEXTS[s[2]]) for s in STREAMS])
_TEXT_START = np.array(
    [sum(len(catalogue.CONTACT_TEXTS[g]) for g in TEXT_GROUPS[: TEXT_GROUPS.index(s[2])])
     for s in STREAMS]
)  # fmt: skip


@dataclass
class Collected:
    """Rows of one table, gathered month by month as NumPy column pieces."""

    pieces: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            self.pieces.setdefault(name, []).append(values)

    def column(self, name: str, dtype: type | str = float) -> np.ndarray:
        parts = self.pieces.get(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


@dataclass
class ChunkActivity:
    churn_day: np.ndarray
    driver: np.ndarray
    change_day: np.ndarray
    new_plan: np.ndarray
    usage: Collected
    cells: Collected
    contacts: Collected
    orders: Collected


@dataclass
class _State:
    churn_day: np.ndarray
    driver: np.ndarray
    change_day: np.ndarray
    new_plan: np.ndarray
    ema: np.ndarray
    billed: np.ndarray
    last_shock: np.ndarray
    last_unresolved: np.ndarray

    @classmethod
    def start(cls, c: Customers) -> _State:
        n = len(c)
        never = np.full(n, -99, dtype=np.int64)
        return cls(
            churn_day=np.full(n, -1, dtype=np.int64),
            driver=np.full(n, -1, dtype=np.int64),
            change_day=np.full(n, -1, dtype=np.int64),
            new_plan=c.plan.copy(),
            ema=np.zeros(n),
            billed=np.zeros(n, dtype=np.int64),
            last_shock=never,
            last_unresolved=never.copy(),
        )


def simulate(world: World, rng: np.random.Generator, c: Customers) -> ChunkActivity:
    """Run the chunk's customers through every month of the window."""
    st = _State.start(c)
    act = ChunkActivity(
        st.churn_day, st.driver, st.change_day, st.new_plan,
        Collected(), Collected(), Collected(), Collected(),
    )  # fmt: skip
    for m in range(world.config.months):
        ms = int(world.month_start[m])
        me = ms + int(world.month_days[m])
        idx = np.flatnonzero((c.activated < me) & (st.churn_day < 0))
        if idx.size == 0:
            continue
        _churn(world, rng, c, st, m, idx)
        first = np.maximum(c.activated[idx], ms)
        last = np.where(st.churn_day[idx] >= 0, st.churn_day[idx], me - 1)
        _, shock, arrears = _usage(world, rng, c, st, m, idx, first, last, act)
        unresolved = _contacts(world, rng, c, idx, first, last, shock, arrears, act)
        unresolved |= _orders(world, rng, c, idx, ms, me, first, last, act)
        st.last_shock[idx[shock]] = m
        st.last_unresolved[idx[unresolved]] = m
        _plan_changes(world, rng, c, st, idx, ms, me)
        _customer_cells(rng, c, idx, ms, act)
    return act


def _churn(
    world: World, rng: np.random.Generator, c: Customers, st: _State, m: int, idx: np.ndarray
) -> None:
    ms = int(world.month_start[m])
    me = ms + int(world.month_days[m])
    idx = idx[c.activated[idx] < ms]
    if idx.size == 0:
        return
    comps = hazard_components(world, c, st, m, idx)
    total = comps.sum(axis=1)
    churn = rng.random(idx.size) < -np.expm1(-total)
    u = rng.random(idx.size) * total
    driver = (np.cumsum(comps, axis=1) < u[:, None]).sum(axis=1)
    who = idx[churn]
    st.churn_day[who] = ms + rng.integers(0, me - ms, who.size)
    st.driver[who] = np.minimum(driver[churn], len(DRIVERS) - 1)


def hazard_components(
    world: World, c: Customers, st: _State, m: int, idx: np.ndarray
) -> np.ndarray:
    """Monthly churn hazard per driver (columns in `ChurnDriver` order) for customers idx."""
    ms = int(world.month_start[m])
    me = ms + int(world.month_days[m])
    p = c.perception[idx]
    contract = c.has_contract[idx]
    ends = c.contract_end[idx]
    ending = contract & (ends >= ms - 31) & (ends < me)
    locked = contract & (ends >= me)
    prepaid_2g = c.prepaid[idx] & ~c.is3g[idx]
    tenure = ms - c.activated[idx]
    device_months = (ms - c.device_bought[idx]) / 30.44
    comps = np.stack(
        [
            0.0005 + 0.035 * np.clip((p - 0.15) / 0.4, 0.0, 1.5),
            0.10 * (st.last_shock[idx] == m - 1) + 0.03 * (st.last_shock[idx] == m - 2),
            0.08 * (st.last_unresolved[idx] >= m - 2),
            0.12 * ending,
            0.0045 * world.competitor[c.county[idx], m] * np.where(prepaid_2g, 1.6, 1.0),
            np.where(tenure < 183, np.where(c.prepaid[idx], 0.03, 0.02), 0.0),
            0.004 * np.clip((device_months - 18) / 12, 0.0, 2.0) * c.device_known[idx],
            0.015 / (1 + np.exp(2.5 * (c.engagement[idx] + 1.3))),
        ],
        axis=1,
    )
    factor = np.where(locked, 0.4, 1.0) * np.where(c.enterprise[idx], 0.5, 1.0)
    factor *= np.where(c.am[idx] >= 0, 0.8, 1.0)
    comps[:, 3] /= np.where(locked, 0.4, 1.0)  # the lock-in does not damp its own end
    return comps * factor[:, None]


@dataclass
class _Consumption:
    voice: np.ndarray
    data: np.ndarray
    sms: np.ndarray
    roaming: np.ndarray
    dropped: np.ndarray


def _usage(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    st: _State,
    m: int,
    idx: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    act: ChunkActivity,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The month's usage and bill rows; return (bill, bill shock, arrears) per customer."""
    k = idx.size
    ms, dim = int(world.month_start[m]), int(world.month_days[m])
    plans = world.plans
    frac = (last - first + 1) / dim
    frac = frac * np.where(st.churn_day[idx] >= 0, 0.7, 1.0)  # partial defection
    changed = (st.change_day[idx] >= 0) & (st.change_day[idx] < ms)
    plan = np.where(changed, st.new_plan[idx], c.plan[idx])
    use = _consume(rng, c, idx, m, ms, frac)
    fee = plans.fee[plan] + FIXED_LINE_FEE * c.has_fixed[idx]
    fee = fee + plans.fee[c.bb_plan[idx]] * c.has_bb[idx]
    overage = (
        np.maximum(0.0, use.voice - plans.voice[plan]) * 0.15
        + np.maximum(0.0, use.data - plans.data[plan]) * 0.1
        + use.sms * 0.1
        + use.roaming * 2.86
    )
    bill = np.round(fee * frac + overage, 2)
    ema, billed = st.ema[idx], st.billed[idx]
    shock = (billed >= 2) & (bill > 1.8 * ema) & (bill - ema > 50.0)
    st.ema[idx] = np.where(billed == 0, bill, 0.7 * ema + 0.3 * bill)
    st.billed[idx] = billed + 1
    prepaid = c.prepaid[idx]
    late = ~prepaid & (rng.random(k) < 0.025 + 0.2 * shock)
    arrears = np.where(late, np.round(bill * rng.uniform(0.3, 1.0, k), 2), 0.0)
    topup = np.where(prepaid, np.ceil(bill * rng.uniform(0.9, 1.3, k) / 10.0) * 10.0, 0.0)
    plan_changed = (st.change_day[idx] >= ms) & (st.change_day[idx] < ms + dim)
    act.usage.add(
        cust=idx, month=np.full(k, ms), voice_minutes=np.round(use.voice, 1), sms=use.sms,
        data_mb=np.round(use.data, 1), roaming_minutes=np.round(use.roaming, 1),
        dropped_calls=use.dropped, bill_amount=bill, arrears=arrears, topup_amount=topup,
        plan_changed=plan_changed,
    )  # fmt: skip
    return bill, shock, arrears


def _consume(
    rng: np.random.Generator, c: Customers, idx: np.ndarray, m: int, ms: int, frac: np.ndarray
) -> _Consumption:
    """Voice, data (growing 3% a month), SMS (Spring Festival peak), roaming, drops."""
    k = idx.size
    february = np.datetime64(ms, "D").astype("datetime64[M]").astype(int) % 12 == 1
    voice = c.voice_base[idx] * frac * rng.lognormal(-0.03, 0.25, k)
    data = c.data_base[idx] * frac * 1.03**m * rng.lognormal(-0.05, 0.3, k)
    sms = rng.poisson(c.sms_base[idx] * frac * (1.8 if february else 1.0))
    roaming = np.zeros(k)
    trip = np.flatnonzero(c.roamer[idx] & (rng.random(k) < 0.2))
    roaming[trip] = rng.lognormal(3.0, 0.7, trip.size)
    # Bill shock: a roaming trip or a data binge far beyond the plan.
    shock_event = np.flatnonzero(rng.random(k) < 0.012)
    extra = rng.lognormal(np.log(250.0), 0.5, shock_event.size)
    by_roaming = rng.random(shock_event.size) < 0.4
    roaming[shock_event[by_roaming]] += extra[by_roaming] / 2.86
    data[shock_event[~by_roaming]] += extra[~by_roaming] / 0.1
    dropped = rng.poisson(voice / 2.5 * (0.004 + 0.06 * c.perception[idx]))
    return _Consumption(voice, data, sms, roaming, dropped)


def _contacts(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    idx: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    shock: np.ndarray,
    arrears: np.ndarray,
    act: ChunkActivity,
) -> np.ndarray:
    """Draw the month's contacts; return which of idx have an unresolved complaint."""
    p = c.perception[idx]
    fee = world.plans.fee[c.plan[idx]]
    rates = np.stack(
        [
            0.002 + 0.06 * p**1.3,
            0.002 + 0.35 * shock + 0.03 * (arrears > 0),
            np.full(idx.size, 0.0015),
            0.001 + 0.002 * c.is3g[idx] + 0.004 * c.iphone[idx],
            0.10 + 0.08 * c.is3g[idx],
            np.full(idx.size, 0.05),
            0.002 + 0.03 * p,
            np.full(idx.size, 0.001),
        ],
        axis=1,
    )
    # One Poisson count per customer, then a stream per contact in proportion to the rates:
    # the same distribution as one Poisson per stream, at an eighth of the draws.
    row = np.repeat(np.arange(idx.size), rng.poisson(rates.sum(axis=1)))
    cum = np.cumsum(rates[row], axis=1)
    stream = (cum < rng.random(row.size)[:, None] * cum[:, -1:]).sum(axis=1)
    span = last[row] - first[row] + 1
    day = first[row] + (rng.random(row.size) * span).astype(np.int64)
    at = day * DAY_MS - SHANGHAI_OFFSET_MS + rng.integers(8 * HOUR_MS, 22 * HOUR_MS, row.size)
    resolve_p = np.array([s[3] for s in STREAMS])[stream] - 0.4 * p[row] * np.isin(stream, (0, 6))
    resolved = rng.random(row.size) < resolve_p
    vip = (fee[row] >= 186) | c.iphone[idx][row] | c.enterprise[idx][row]
    _add_contacts(world, rng, c, idx[row], stream, at, resolved, vip, act)
    complaint = stream < 4
    bad = np.zeros(idx.size, dtype=bool)
    bad[row[complaint & ~resolved]] = True
    return bad


def _add_contacts(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    cust: np.ndarray,
    stream: np.ndarray,
    at: np.ndarray,
    resolved: np.ndarray,
    vip: np.ndarray,
    act: ChunkActivity,
) -> None:
    n = cust.size
    cum = np.cumsum(CHANNEL_P[stream], axis=1)
    channel = (cum < rng.random(n)[:, None] * cum[:, -1:]).sum(axis=1)
    expert = CHANNELS.index(ContactChannel.HOTLINE_EXPERT)
    ordinary = CHANNELS.index(ContactChannel.HOTLINE_ORDINARY)
    channel = np.where((channel == expert) & ~vip, ordinary, channel)
    county = c.county[cust]
    hall_agent = world.hall_start[county] + rng.integers(0, world.hall_count[county])
    n_ord, n_exp = len(world.hotline_ordinary), len(world.hotline_expert)
    staff_kind = np.select(
        [channel == CHANNELS.index(ContactChannel.HALL), channel == ordinary, channel == expert],
        [0, 1, 2],
        -1,
    )
    staff_index = np.select(
        [staff_kind == 0, staff_kind == 1, staff_kind == 2],
        [hall_agent, rng.integers(0, n_ord, n), rng.integers(0, n_exp, n)],
        0,
    )
    rated = (staff_kind >= 0) & (rng.random(n) < 0.6)
    score = np.where(
        resolved,
        rng.choice([3, 4, 5], n, p=[0.15, 0.40, 0.45]),
        rng.choice([1, 2, 3], n, p=[0.40, 0.40, 0.20]),
    )
    text = _TEXT_START[stream] + (rng.random(n) * _TEXT_COUNT[stream]).astype(np.int64)
    act.contacts.add(
        cust=cust, at=at, channel=channel, stream=stream, text=text, resolved=resolved,
        staff_kind=staff_kind, staff_index=staff_index, satisfaction=np.where(rated, score, 0),
    )  # fmt: skip


def _orders(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    idx: np.ndarray,
    ms: int,
    me: int,
    first: np.ndarray,
    last: np.ndarray,
    act: ChunkActivity,
) -> np.ndarray:
    """Fixed-line install/move/repair orders of the month, with their fault reports and
    timeliness complaints; return which of idx have an unresolved timeliness complaint."""
    fixed, bb = c.has_fixed[idx], c.has_bb[idx]
    wire_start = np.minimum(np.where(fixed, c.fixed_started[idx], 10**9),
                            np.where(bb, c.bb_started[idx], 10**9))  # fmt: skip
    wired = (fixed | bb) & (wire_start <= last)
    rural = world.rural[c.county[idx]]
    parts = []
    for has, started in ((fixed, c.fixed_started), (bb, c.bb_started)):
        r = np.flatnonzero(has & (started[idx] >= ms) & (started[idx] < me) & wired)
        lim = _limit_ms(rural[r], 0)
        opened = started[idx[r]] * DAY_MS + 9 * HOUR_MS - SHANGHAI_OFFSET_MS - lim // 2
        parts.append((r, np.zeros(r.size, dtype=np.int64), opened, lim))
    for code, rate in ((1, 0.003), (2, 0.025)):
        r = np.flatnonzero(wired & (rng.random(idx.size) < rate + 0.01 * (code == 2) * rural))
        begin = np.maximum(first[r], wire_start[r])
        day = begin + (rng.random(r.size) * (last[r] - begin + 1)).astype(np.int64)
        opened = day * DAY_MS - SHANGHAI_OFFSET_MS + rng.integers(0, DAY_MS, r.size)
        parts.append((r, np.full(r.size, code), opened, _limit_ms(rural[r], code)))
    r, kind, open_at, lim = (np.concatenate(column) for column in zip(*parts, strict=True))
    late = rng.random(r.size) < np.where(rural[r], 0.18, 0.12)
    stretch = np.where(late, rng.uniform(1.05, 2.5, r.size), rng.uniform(0.05, 0.95, r.size))
    done = open_at + (lim * stretch).astype(np.int64)
    window_end_ms = world.window_end * DAY_MS - SHANGHAI_OFFSET_MS
    act.orders.add(cust=idx[r], kind=kind, opened=open_at, promised=open_at + lim, done=done,
                   completed=done < window_end_ms)  # fmt: skip
    return _order_contacts(world, rng, c, idx, r, kind, open_at, open_at + lim, late, act)


def _limit_ms(rural: np.ndarray, kind: int) -> np.ndarray:
    """Promised time per order in ms: repairs (kind 2) by the hour, installs and moves by
    the day; rural counties get the longer limit."""
    if kind == 2:
        return np.where(rural, REPAIR_LIMIT_HOURS[1], REPAIR_LIMIT_HOURS[0]) * HOUR_MS
    return np.where(rural, INSTALL_LIMIT_DAYS[1], INSTALL_LIMIT_DAYS[0]) * DAY_MS


def _order_contacts(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    idx: np.ndarray,
    r: np.ndarray,
    kind: np.ndarray,
    opened: np.ndarray,
    promised: np.ndarray,
    late: np.ndarray,
    act: ChunkActivity,
) -> np.ndarray:
    repair = kind == 2
    complain = late & (rng.random(r.size) < 0.45)
    rows = np.concatenate([r[repair], r[complain]])
    stream = np.concatenate(
        [np.full(int(repair.sum()), FIXED_FAULT_STREAM), np.full(int(complain.sum()), 8)]
    )
    at = np.concatenate(
        [opened[repair], promised[complain] + rng.integers(0, 2 * DAY_MS, int(complain.sum()))]
    )
    resolve_p = np.array([s[3] for s in STREAMS])[stream]
    resolved = rng.random(rows.size) < resolve_p
    vip = c.enterprise[idx][rows] | c.iphone[idx][rows]
    _add_contacts(world, rng, c, idx[rows], stream, at, resolved, vip, act)
    bad = np.zeros(idx.size, dtype=bool)
    bad[rows[(stream == TIMELINESS_STREAM) & ~resolved]] = True
    return bad


def _plan_changes(
    world: World,
    rng: np.random.Generator,
    c: Customers,
    st: _State,
    idx: np.ndarray,
    ms: int,
    me: int,
) -> None:
    """About 1.2% a month move one tier up (60%) or down within their kind, once at most."""
    day = ms + rng.integers(0, me - ms, idx.size)
    eligible = (st.churn_day[idx] < 0) & (st.change_day[idx] < 0) & (c.mobile_started[idx] < day)
    who = idx[eligible & (rng.random(idx.size) < 0.012)]
    if who.size == 0:
        return
    plans = world.plans
    for kind in (ProductKind.MOBILE_2G, ProductKind.MOBILE_3G):
        members = plans.of_kind(kind)
        ladder = members[np.argsort(plans.fee[members], kind="stable")]
        mine = who[np.isin(c.plan[who], ladder)]
        pos = np.searchsorted(plans.fee[ladder], plans.fee[c.plan[mine]])
        step = np.where(rng.random(mine.size) < 0.6, 1, -1)
        target = np.clip(pos + step, 0, len(ladder) - 1)
        moved = ladder[target] != c.plan[mine]
        st.new_plan[mine[moved]] = ladder[target[moved]]
        st.change_day[mine[moved]] = day[np.searchsorted(idx, mine[moved])]


def _customer_cells(
    rng: np.random.Generator, c: Customers, idx: np.ndarray, ms: int, act: ChunkActivity
) -> None:
    used = c.cells[idx] >= 0
    shares = c.shares[idx] * rng.lognormal(0.0, 0.1, (idx.size, 3)) * used
    shares = shares / shares.sum(axis=1, keepdims=True)
    row, slot = np.nonzero(used)
    act.cells.add(
        cust=idx[row], month=np.full(row.size, ms), cell=c.cells[idx][row, slot],
        share=shares[row, slot],
    )  # fmt: skip
