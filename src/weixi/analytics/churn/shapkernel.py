"""The machine-code loops of exact TreeSHAP (``treeshap.py``), built from LLVM IR at first use.

numpy spends most of TreeSHAP's time in call overhead and in the arrays it materialises
between calls (about ten calls per leaf per chunk of rows). Two functions written here in
LLVM IR, compiled once per process with llvmlite for the host CPU (no C compiler needed at
run time), do the same arithmetic in a few calls per group of trees:

* ``shap_build`` fills the contribution tables of a group of trees' *units* (a leaf, or a
  small subtree whose leaves are summed into one table) from the per-path formula;
* ``shap_apply`` takes a block of rows at a time and, per tree, evaluates every split on
  the block (eight rows per vector), derives each node's satisfaction-pattern code, adds
  each unit's table row for the row's code into a small per-tree accumulator (eight floats
  per vector), evaluates the few leaves planned without a table per row, and adds the
  accumulator into the output.

The order is leaf-major within a block of rows so that a unit's table stays in cache while
the block's rows read it (a row-major walk through all tables was measured slower than
numpy, docs/benchmarks.md). ``treeshap.py`` plans the units and packs the records whose
layouts are the ``*Field`` enums below; this module only knows the records.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

ROW_BLOCK = 256  # rows per pass over a tree: the block's codes and accumulator stay in cache
UNROLLED_CHUNKS = 8  # table rows up to 8 × LANES floats wide get straight-line code
LANES = 8  # rows per vector when deciding splits; floats per vector when adding table rows
MAX_CODE_BITS = 32  # a code is a uint32: leaves with more distinct features are not handled
HALF_RULE = MAX_CODE_BITS // 2 + 1  # Gauss–Legendre nodes for d ≤ MAX_CODE_BITS
RULE_STRIDE = 2 * HALF_RULE  # rules[d * RULE_STRIDE + g]: node g; + HALF_RULE: its weight
ZERO_THRESHOLD = 1e-35  # LightGBM's kZeroThreshold


class NodeField(IntEnum):
    """An internal node's int32 record (preorder within its tree)."""

    FEATURE = 0
    CATEGORICAL = 1
    ZERO_MISSING = 2  # |x| <= ZERO_THRESHOLD (and NaN) take the default direction
    DEFAULT_LEFT = 3
    NAN_LEFT = 4  # where a NaN goes
    LEFT = 5  # child ids: internal nodes first (preorder), then leaves
    RIGHT = 6
    BIT = 7  # the node's feature's bit in the codes of the nodes below it
    NEW = 8  # 1 when the feature is not split on higher up the path
    CAT_OFFSET = 9  # categorical: first uint32 word of the category bitset
    CAT_WORDS = 10


class TreeField(IntEnum):
    """One tree's int64 record in a group."""

    NODE_BASE = 0  # first node record of the tree
    INTERNAL = 1
    WIDTH = 2  # floats per table row and per accumulator row, a multiple of LANES
    FEATURES = 3  # distinct features of the tree (the accumulator's used columns)
    FEATURE_MAP = 4  # offset of the tree's column → output feature map
    UNIT_START = 5
    UNIT_END = 6
    DIRECT_START = 7
    DIRECT_END = 8


class UnitField(IntEnum):
    """A table unit's int64 record: table row = code of ROOT | decisions below it."""

    ROOT = 0  # node id whose code gives the low PREFIX_BITS bits of the table row
    PREFIX_BITS = 1
    DECISION_OFFSET = 2  # preorder index of the first internal node of the subtree
    DECISION_BITS = 3  # internal nodes in the subtree (0 for a leaf)
    TABLE = 4  # offset of the table in the pool, in floats


class DirectField(IntEnum):
    """A leaf computed per row: its int64 record."""

    LEAF = 0  # node id
    DEPTH = 1  # distinct features on the path, d
    DATA = 2  # offset in the float64 data: z_0 … z_{d−1}, then the leaf value
    POSITIONS = 3  # offset of the leaf's d accumulator columns


class BuildField(IntEnum):
    """A table to fill: its int64 record."""

    BITS = 0
    WIDTH = 1
    TABLE = 2
    LEAF_START = 3
    LEAF_END = 4


class LeafField(IntEnum):
    """A leaf summed into a table: its int64 record."""

    DEPTH = 0
    DATA = 1
    POSITIONS = 2
    TERMS = 3  # offset of d (mask, want) pairs, or −1 when the table row is the code


def fields(kind: type[IntEnum]) -> int:
    """Values per record of ``kind``."""
    return len(kind)


@dataclass(frozen=True)
class Kernels:
    """The compiled functions; arguments are int64 counts and addresses of numpy buffers."""

    build: Callable[..., None]
    apply: Callable[..., None]
    engine: Any  # keeps the machine code alive


_lock = threading.Lock()
_compiled: list[Kernels | None] = []


def kernels() -> Kernels | None:
    """The kernels of this process, compiled on first use; None if LLVM is unavailable."""
    with _lock:
        if not _compiled:
            try:
                _compiled.append(_compile())
            except Exception:  # any failure has the same answer: use another method
                log.exception("compiling the TreeSHAP kernels failed")
                _compiled.append(None)
        return _compiled[0]


def address(array: np.ndarray) -> int:
    """The address of a contiguous array, for a kernel argument."""
    assert array.flags.c_contiguous
    return int(array.ctypes.data)


# --- IR construction -------------------------------------------------------------------

import llvmlite.binding as llvm  # type: ignore[import-untyped]  # noqa: E402
import llvmlite.ir as ir  # type: ignore[import-untyped]  # noqa: E402

VOID = ir.VoidType()
I1, I8, I32, I64, I128 = (ir.IntType(n) for n in (1, 8, 32, 64, 128))
F32, F64 = ir.FloatType(), ir.DoubleType()

BUILD_ARGS = [
    "n_units",
    "units",
    "leaves",
    "terms",
    "data",
    "positions",
    "rules",
    "pool",
    "leaf_table",
    "work",
    "phi",
]
APPLY_ARGS = [
    "n_trees",
    "trees",
    "nodes",
    "thresholds",
    "cat_bits",
    "feature_map",
    "units",
    "direct",
    "data",
    "positions",
    "rules",
    "pool",
    "columns",
    "stride",
    "row_start",
    "row_end",
    "out",
    "n_out",
    "codes",
    "words",
    "acc",
    "work",
    "phi",
]
_TYPES = {
    "units": I64, "leaves": I64, "terms": I64, "trees": I64, "direct": I64,
    "nodes": I32, "positions": I32, "cat_bits": I32, "feature_map": I32, "codes": I32,
    "words": I64, "data": F64, "rules": F64, "thresholds": F64, "columns": F64,
    "work": F64, "phi": F64, "pool": F32, "leaf_table": F32, "out": F32, "acc": F32,
}  # fmt: skip


def _arg_type(name: str) -> Any:
    return _TYPES[name].as_pointer() if name in _TYPES else I64


def _const(ty: Any, value: float | int, lanes: int = 1) -> Any:
    if lanes == 1:
        return ir.Constant(ty, value)
    return ir.Constant(ir.VectorType(ty, lanes), [value] * lanes)


class _Fn:
    """An IR function being written, with the few control-flow shapes the kernels use."""

    def __init__(self, module: Any, name: str, params: list[Any], internal: bool = False):
        self.fn = ir.Function(module, ir.FunctionType(VOID, params), name)
        if internal:
            self.fn.linkage = "internal"
        self.b = ir.IRBuilder(self.fn.append_basic_block("entry"))

    def var(self, init: Any) -> Any:
        """A mutable local (an entry-block alloca, which LLVM turns into a register)."""
        with self.b.goto_entry_block():
            slot = self.b.alloca(init.type)
        self.b.store(init, slot)
        return slot

    @contextmanager
    def loop(self, start: Any, stop: Any, step: int = 1) -> Iterator[Any]:
        """``for i in range(start, stop, step)`` over int64 values."""
        b = self.b
        before = b.block
        head, body, end = (b.append_basic_block(n) for n in ("head", "body", "end"))
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(I64)
        i.add_incoming(_as64(start), before)
        b.cbranch(b.icmp_signed("<", i, _as64(stop)), body, end)
        b.position_at_end(body)
        yield i
        i.add_incoming(b.add(i, _const(I64, step)), b.block)
        b.branch(head)
        b.position_at_end(end)

    def at(self, ptr: Any, index: Any) -> Any:
        return self.b.gep(ptr, [_as64(index)], inbounds=True)

    def get(self, ptr: Any, index: Any) -> Any:
        return self.b.load(self.at(ptr, index))

    def put(self, ptr: Any, index: Any, value: Any) -> None:
        self.b.store(value, self.at(ptr, index))

    def field(self, records: Any, record: Any, kind: type[IntEnum], which: IntEnum) -> Any:
        """Field ``which`` of record number ``record``, widened to int64."""
        index = self.b.add(self.b.mul(record, _const(I64, fields(kind))), _const(I64, which))
        return self.b.sext(self.get(records, index), I64)

    def vector(self, ptr: Any, index: Any, lanes: int) -> Any:
        """A pointer to ``lanes`` consecutive elements from ``ptr[index]``."""
        return self.b.bitcast(
            self.at(ptr, index), ir.VectorType(ptr.type.pointee, lanes).as_pointer()
        )

    def splat(self, value: Any, lanes: int) -> Any:
        if lanes == 1:
            return value
        vec = ir.VectorType(value.type, lanes)
        one = self.b.insert_element(ir.Constant(vec, ir.Undefined), value, _const(I32, 0))
        return self.b.shuffle_vector(one, ir.Constant(vec, ir.Undefined), _const(I32, 0, lanes))

    def zero(self, ptr: Any, count: Any) -> None:
        """``ptr[0:count] = 0`` for a float or integer buffer."""
        b = self.b
        size = (
            ptr.type.pointee.width // 8
            if isinstance(ptr.type.pointee, ir.IntType)
            else (4 if ptr.type.pointee == F32 else 8)
        )
        memset = self.fn.module.declare_intrinsic("llvm.memset", [I8.as_pointer(), I64])
        nbytes = b.mul(_as64(count), _const(I64, size))
        b.call(memset, [b.bitcast(ptr, I8.as_pointer()), _const(I8, 0), nbytes, _const(I1, 0)])


def _declare(module: Any, name: str, ret: Any, params: list[Any]) -> Any:
    """An external function (here an LLVM intrinsic), declared once per module."""
    existing = module.globals.get(name)
    return (
        existing
        if existing is not None
        else ir.Function(module, ir.FunctionType(ret, params), name)
    )


def _as64(value: Any) -> Any:
    return ir.Constant(I64, value) if isinstance(value, int) else value


def _emit_phi(module: Any) -> Any:
    """``shap_phi(d, z, rule, codes, work, out)``: φ of one leaf for LANES patterns at once.

    The subset sum with rules s! (d − s − 1)! / d! = ∫_0^1 u^s (1 − u)^(d−1−s) du is the
    integral of a polynomial of degree d − 1 (Yu et al. 2022, "Linear TreeShap"):

        φ_i = v (o_i − z_i) ∫_0^1 Π_{j≠i} (z_j + (o_j − z_j) u) du,

    exact with ⌈d/2⌉ Gauss–Legendre nodes (``rule``: nodes, then weights). Per node, the
    products over j ≠ i come from prefix and suffix products: no division, so z_j = 0 is
    harmless, and no long chains of dependent steps. ``z`` holds the leaf's d cover
    fractions and then its value; ``codes`` one pattern per lane; ``out[i * LANES + lane]``.
    """
    vec = ir.VectorType(F64, LANES)
    codes_type = ir.VectorType(I64, LANES)
    f = _Fn(module, "shap_phi", [I64, F64.as_pointer(), F64.as_pointer(), codes_type,
                                 F64.as_pointer(), F64.as_pointer()], internal=True)  # fmt: skip
    d, z, rule, codes, work, out = f.fn.args
    b = f.b
    lanes = _const(I64, LANES)
    prefix = work
    factors = f.at(work, _const(I64, MAX_CODE_BITS * LANES))
    one = _const(F64, 1.0, LANES)
    f.zero(out, b.mul(d, lanes))

    def bit(j: Any) -> Any:
        return b.trunc(b.lshr(codes, f.splat(j, LANES)), ir.VectorType(I1, LANES))

    def slot(ptr: Any, j: Any) -> Any:
        return b.bitcast(f.at(ptr, b.mul(j, lanes)), vec.as_pointer())

    with f.loop(0, b.lshr(b.add(d, _const(I64, 1)), _const(I64, 1))) as g:
        u = f.get(rule, g)
        weight = f.splat(f.get(rule, b.add(g, _const(I64, HALF_RULE))), LANES)
        product = f.var(one)
        with f.loop(0, d) as j:
            absent = b.fmul(f.get(z, j), b.fsub(_const(F64, 1.0), u))
            factor = b.select(bit(j), f.splat(b.fadd(absent, u), LANES), f.splat(absent, LANES))
            b.store(factor, slot(factors, j), align=8)
            b.store(b.load(product), slot(prefix, j), align=8)
            b.store(b.fmul(b.load(product), factor), product)
        suffix = f.var(one)
        with f.loop(0, d) as t:
            i = b.sub(b.sub(d, _const(I64, 1)), t)
            others = b.fmul(b.fmul(weight, b.load(slot(prefix, i), align=8)), b.load(suffix))
            b.store(b.fadd(b.load(slot(out, i), align=8), others), slot(out, i), align=8)
            b.store(b.fmul(b.load(suffix), b.load(slot(factors, i), align=8)), suffix)
    value = f.splat(f.get(z, d), LANES)
    with f.loop(0, d) as i:
        present = b.select(bit(i), one, _const(F64, 0.0, LANES))
        scale = b.fmul(value, b.fsub(present, f.splat(f.get(z, i), LANES)))
        b.store(b.fmul(scale, b.load(slot(out, i), align=8)), slot(out, i), align=8)
    b.ret_void()
    return f.fn


def _emit_build(module: Any, phi: Any) -> None:
    """``shap_build``: fill each unit's (2^bits × width) float32 table.

    Each leaf's own (2^d × d) table comes first (φ per pattern); a table row of the unit
    then adds, per leaf, the leaf table's row for the leaf's code, each code bit being
    ``(row & mask) == want`` over the unit's bits. A leaf alone is written directly.
    """
    f = _Fn(module, "shap_build", [_arg_type(n) for n in BUILD_ARGS])
    a = dict(zip(BUILD_ARGS, f.fn.args, strict=True))
    b = f.b
    with f.loop(0, a["n_units"]) as u:
        unit = _reader(f, a["units"], u, BuildField)
        rows = b.shl(_const(I64, 1), unit(BuildField.BITS))
        width = unit(BuildField.WIDTH)
        table = f.at(a["pool"], unit(BuildField.TABLE))
        f.zero(table, b.mul(rows, width))
        with f.loop(unit(BuildField.LEAF_START), unit(BuildField.LEAF_END)) as leaf:
            rec = _reader(f, a["leaves"], leaf, LeafField)
            d = rec(LeafField.DEPTH)
            cols = f.at(a["positions"], rec(LeafField.POSITIONS))
            terms = rec(LeafField.TERMS)
            with b.if_else(b.icmp_signed("<", terms, _const(I64, 0))) as (single, shared):
                with single:  # the table row is the code: write φ straight into it
                    _emit_leaf_table(
                        f, phi, a, rec, lambda code, k: b.mul(code, width), cols, table
                    )
                with shared:
                    _emit_leaf_table(
                        f, phi, a, rec, lambda code, k: b.mul(code, d), None, a["leaf_table"]
                    )
                    pairs = f.at(a["terms"], b.mul(terms, _const(I64, 2)))
                    _emit_assemble(f, a["leaf_table"], table, rows, width, d, cols, pairs)
    b.ret_void()


def _emit_leaf_table(
    f: _Fn, phi: Any, a: dict[str, Any], rec: Callable[[IntEnum], Any],
    row_of: Callable[[Any, Any], Any], cols: Any, table: Any,
) -> None:  # fmt: skip
    """φ for each of a leaf's 2^d codes into ``table[row_of(code) + column]``: the columns are
    the leaf's positions (``cols``), or 0 … d − 1 when ``cols`` is None."""
    b = f.b
    d = rec(LeafField.DEPTH)
    z = f.at(a["data"], rec(LeafField.DATA))
    rule = f.at(a["rules"], b.mul(d, _const(I64, RULE_STRIDE)))
    codes_count = b.shl(_const(I64, 1), d)
    lane_ids = ir.Constant(ir.VectorType(I64, LANES), list(range(LANES)))
    with f.loop(0, codes_count, LANES) as first:
        codes = b.add(f.splat(first, LANES), lane_ids)
        codes = b.and_(codes, f.splat(b.sub(codes_count, _const(I64, 1)), LANES))
        b.call(phi, [d, z, rule, codes, a["work"], a["phi"]])
        lanes = b.select(
            b.icmp_signed("<", b.sub(codes_count, first), _const(I64, LANES)),
            b.sub(codes_count, first), _const(I64, LANES),
        )  # fmt: skip
        with f.loop(0, lanes) as lane:
            row = f.at(table, row_of(b.add(first, lane), d))
            with f.loop(0, d) as k:
                value = b.fptrunc(f.get(a["phi"], b.add(b.mul(k, _const(I64, LANES)), lane)), F32)
                f.put(row, k if cols is None else f.get(cols, k), value)


def _emit_assemble(
    f: _Fn, leaf_table: Any, table: Any, rows: Any, width: Any, d: Any, cols: Any, pairs: Any
) -> None:
    b = f.b
    with f.loop(0, rows) as index:
        code = f.var(_const(I64, 0))
        with f.loop(0, d) as bit:
            mask = f.get(pairs, b.mul(bit, _const(I64, 2)))
            want = f.get(pairs, b.add(b.mul(bit, _const(I64, 2)), _const(I64, 1)))
            holds = b.zext(b.icmp_unsigned("==", b.and_(index, mask), want), I64)
            b.store(b.or_(b.load(code), b.shl(holds, bit)), code)
        source = f.at(leaf_table, b.mul(b.load(code), d))
        row = f.at(table, b.mul(index, width))
        with f.loop(0, d) as k:
            col = f.get(cols, k)
            f.put(row, col, b.fadd(f.get(row, col), f.get(source, k)))


def _reader(f: _Fn, records: Any, record: Any, kind: type[IntEnum]) -> Callable[[IntEnum], Any]:
    return lambda which: f.field(records, record, kind, which)


def _emit_apply(module: Any, phi: Any) -> None:
    """``shap_apply``: add the group's trees' TreeSHAP values for rows [row_start, row_end).

    ``columns`` is feature-major (``columns[f * stride + row]``); ``out`` row-major with
    ``n_out`` columns. Per block of ROW_BLOCK rows and per tree: decisions and codes,
    table units, per-row leaves, then the accumulator into ``out``.
    """
    f = _Fn(module, "shap_apply", [_arg_type(n) for n in APPLY_ARGS])
    a = dict(zip(APPLY_ARGS, f.fn.args, strict=True))
    b = f.b
    with f.loop(a["row_start"], a["row_end"], ROW_BLOCK) as start, f.loop(0, a["n_trees"]) as t:
        tree = _reader(f, a["trees"], t, TreeField)
        internal = tree(TreeField.INTERNAL)
        width = tree(TreeField.WIDTH)
        words = b.add(b.lshr(internal, _const(I64, 6)), _const(I64, 2))
        f.zero(a["words"], b.mul(words, _const(I64, ROW_BLOCK)))
        f.zero(a["codes"], _const(I64, ROW_BLOCK))  # the root's code: no feature yet
        base = tree(TreeField.NODE_BASE)
        with f.loop(0, internal) as n:
            _emit_node(f, a, b.add(base, n), n, start)
        f.zero(a["acc"], b.mul(width, _const(I64, ROW_BLOCK)))
        with f.loop(tree(TreeField.UNIT_START), tree(TreeField.UNIT_END)) as u:
            _emit_unit(f, a, u, width)
        with f.loop(tree(TreeField.DIRECT_START), tree(TreeField.DIRECT_END)) as q:
            _emit_direct(f, phi, a, q, width)
        _emit_scatter(f, a, start, width, tree(TreeField.FEATURES), tree(TreeField.FEATURE_MAP))
    b.ret_void()


def _emit_node(f: _Fn, a: dict[str, Any], record: Any, n: Any, start: Any) -> None:
    """Decide one node for the block, set its decision bit, and code its two children."""
    b = f.b
    node = _reader(f, a["nodes"], record, NodeField)
    column = f.at(a["columns"], b.add(b.mul(node(NodeField.FEATURE), a["stride"]), start))
    bit = b.trunc(b.shl(_const(I64, 1), node(NodeField.BIT)), I32)
    new = b.trunc(node(NodeField.NEW), I1)
    codes = a["codes"]
    block = _const(I64, ROW_BLOCK)
    ctx = _NodeContext(
        own=f.at(codes, b.mul(n, block)),
        left=f.at(codes, b.mul(node(NodeField.LEFT), block)),
        right=f.at(codes, b.mul(node(NodeField.RIGHT), block)),
        word=f.at(a["words"], b.mul(b.lshr(n, _const(I64, 6)), block)),
        word_bit=b.shl(_const(I64, 1), b.and_(n, _const(I64, 63))),
        keep=b.xor(bit, _const(I32, -1)),
        bit=bit,
        set_bit=b.select(new, bit, _const(I32, 0)),
    )
    threshold = f.get(a["thresholds"], record)
    default_left = b.trunc(node(NodeField.DEFAULT_LEFT), I1)
    nan_left = b.trunc(node(NodeField.NAN_LEFT), I1)
    categorical = b.trunc(node(NodeField.CATEGORICAL), I1)
    zero_missing = b.trunc(node(NodeField.ZERO_MISSING), I1)
    with b.if_else(categorical) as (is_cat, is_num):
        with is_cat:
            bits = f.at(a["cat_bits"], node(NodeField.CAT_OFFSET))
            limit = b.sitofp(b.mul(node(NodeField.CAT_WORDS), _const(I64, 32)), F64)
            with f.loop(0, ROW_BLOCK) as r:
                left = _categorical(f, f.get(column, r), bits, limit)
                _emit_codes(f, ctx, r, left, 1)
        with is_num, b.if_else(zero_missing) as (zeros, plain):
            for branch, zero in ((zeros, True), (plain, False)):
                with branch, f.loop(0, ROW_BLOCK, LANES) as r:
                    x = b.load(f.vector(column, r, LANES), align=8)
                    left = _numerical(f, x, threshold, default_left, nan_left, zero)
                    _emit_codes(f, ctx, r, left, LANES)


@dataclass(frozen=True)
class _NodeContext:
    own: Any  # this node's codes for the block
    left: Any
    right: Any
    word: Any  # the block's decision words holding this node's bit
    word_bit: Any
    keep: Any  # ~bit
    bit: Any
    set_bit: Any  # bit when the feature is new on this path, else 0


def _numerical(f: _Fn, x: Any, threshold: Any, default_left: Any, nan_left: Any, zero: bool) -> Any:
    """LightGBM's numerical rule: NaN and (missing type Zero) zero take their direction."""
    b = f.b
    lanes = LANES
    left = b.fcmp_ordered("<=", x, f.splat(threshold, lanes))
    if zero:
        small = b.and_(
            b.fcmp_ordered("<=", x, _const(F64, ZERO_THRESHOLD, lanes)),
            b.fcmp_ordered(">=", x, _const(F64, -ZERO_THRESHOLD, lanes)),
        )
        left = b.select(small, f.splat(default_left, lanes), left)
    nan = b.fcmp_unordered("uno", x, x)
    return b.select(nan, f.splat(nan_left, lanes), left)


def _categorical(f: _Fn, x: Any, bits: Any, limit: Any) -> Any:
    """LightGBM's categorical rule: left iff int(x) is in the bitset; NaN and < 0 go right."""
    b = f.b
    inside = b.and_(
        b.fcmp_ordered(">", x, _const(F64, -1.0)), b.fcmp_ordered("<", x, limit)
    )  # false for NaN; int() truncates, so (−1, 0) is category 0 as in LightGBM
    category = b.fptosi(b.select(inside, x, _const(F64, 0.0)), I64)
    word = f.get(bits, b.lshr(category, _const(I64, 5)))
    member = b.trunc(b.lshr(word, b.trunc(b.and_(category, _const(I64, 31)), I32)), I1)
    return b.and_(inside, member)


def _emit_codes(f: _Fn, ctx: _NodeContext, r: Any, left: Any, lanes: int) -> None:
    """Children's codes: bit set where the row satisfies every split on the feature so far.

    With ``q = code | set_bit`` (the bit is 1 for a new feature, its value so far for a
    repeated one), a child's code is ``q & (~bit | ok << bit)``.
    """
    b = f.b
    zero32 = _const(I32, 0, lanes)
    if lanes == 1:
        code, word = f.get(ctx.own, r), f.get(ctx.word, r)
    else:
        code = b.load(f.vector(ctx.own, r, lanes), align=4)
        word = b.load(f.vector(ctx.word, r, lanes), align=8)
    q = b.or_(code, f.splat(ctx.set_bit, lanes))
    bit, keep = f.splat(ctx.bit, lanes), f.splat(ctx.keep, lanes)
    go_left = b.and_(q, b.or_(keep, b.select(left, bit, zero32)))
    go_right = b.and_(q, b.or_(keep, b.select(left, zero32, bit)))
    word = b.or_(word, b.select(left, f.splat(ctx.word_bit, lanes), _const(I64, 0, lanes)))
    if lanes == 1:
        f.put(ctx.left, r, go_left)
        f.put(ctx.right, r, go_right)
        f.put(ctx.word, r, word)
    else:
        b.store(go_left, f.vector(ctx.left, r, lanes), align=4)
        b.store(go_right, f.vector(ctx.right, r, lanes), align=4)
        b.store(word, f.vector(ctx.word, r, lanes), align=8)


def _emit_unit(f: _Fn, a: dict[str, Any], u: Any, width: Any) -> None:
    """Add one unit's table row per row of the block: row = code | decisions << prefix."""
    b = f.b
    unit = _reader(f, a["units"], u, UnitField)
    codes = f.at(a["codes"], b.mul(unit(UnitField.ROOT), _const(I64, ROW_BLOCK)))
    table = f.at(a["pool"], unit(UnitField.TABLE))
    prefix = unit(UnitField.PREFIX_BITS)
    offset = unit(UnitField.DECISION_OFFSET)
    low = f.at(a["words"], b.mul(b.lshr(offset, _const(I64, 6)), _const(I64, ROW_BLOCK)))
    high = f.at(low, _const(I64, ROW_BLOCK))
    shift = b.zext(b.and_(offset, _const(I64, 63)), I128)
    mask = b.sub(b.shl(_const(I64, 1), unit(UnitField.DECISION_BITS)), _const(I64, 1))

    def row_of(r: Any) -> Any:
        pair = b.or_(
            b.shl(b.zext(f.get(high, r), I128), _const(I128, 64)), b.zext(f.get(low, r), I128)
        )
        below = b.and_(b.trunc(b.lshr(pair, shift), I64), mask)
        index = b.or_(b.zext(f.get(codes, r), I64), b.shl(below, prefix))
        return f.at(table, b.mul(index, width))

    def rows(chunks: int | None) -> None:
        with f.loop(0, ROW_BLOCK) as r:
            target = f.at(a["acc"], b.mul(r, width))
            _emit_add_row(f, row_of(r), target, width, chunks)

    _switch_on_width(f, width, rows)


def _switch_on_width(f: _Fn, width: Any, body: Callable[[int | None], None]) -> None:
    """``body`` emitted once per common width (its row loop unrolled) and once for any."""
    b = f.b
    done = b.append_basic_block("width_done")
    generic = b.append_basic_block("width_any")
    switch = b.switch(b.udiv(width, _const(I64, LANES)), generic)
    for chunks in range(1, UNROLLED_CHUNKS + 1):
        case = b.append_basic_block(f"width_{chunks}")
        switch.add_case(_const(I64, chunks), case)
        b.position_at_end(case)
        body(chunks)
        b.branch(done)
    b.position_at_end(generic)
    body(None)
    b.branch(done)
    b.position_at_end(done)


def _emit_add_row(f: _Fn, source: Any, target: Any, width: Any, chunks: int | None) -> None:
    """``target[0:width] += source[0:width]``, LANES floats a step (unrolled when known)."""
    b = f.b

    def step(c: Any) -> None:
        dst = f.vector(target, c, LANES)
        total = b.fadd(b.load(dst, align=4), b.load(f.vector(source, c, LANES), align=4))
        b.store(total, dst, align=4)

    if chunks is None:
        with f.loop(0, width, LANES) as c:
            step(c)
    else:
        for c in range(chunks):
            step(_const(I64, c * LANES))


def _emit_direct(f: _Fn, phi: Any, a: dict[str, Any], q: Any, width: Any) -> None:
    """A leaf without a table: its φ from the formula for each row's code, LANES rows a call."""
    b = f.b
    leaf = _reader(f, a["direct"], q, DirectField)
    d = leaf(DirectField.DEPTH)
    codes = f.at(a["codes"], b.mul(leaf(DirectField.LEAF), _const(I64, ROW_BLOCK)))
    z = f.at(a["data"], leaf(DirectField.DATA))
    rule = f.at(a["rules"], b.mul(d, _const(I64, RULE_STRIDE)))
    cols = f.at(a["positions"], leaf(DirectField.POSITIONS))
    with f.loop(0, ROW_BLOCK, LANES) as r:
        lane_codes = b.zext(b.load(f.vector(codes, r, LANES), align=4), ir.VectorType(I64, LANES))
        b.call(phi, [d, z, rule, lane_codes, a["work"], a["phi"]])
        with f.loop(0, LANES) as lane:
            target = f.at(a["acc"], b.mul(b.add(r, lane), width))
            with f.loop(0, d) as k:
                col = f.get(cols, k)
                value = b.fptrunc(f.get(a["phi"], b.add(b.mul(k, _const(I64, LANES)), lane)), F32)
                f.put(target, col, b.fadd(f.get(target, col), value))


def _emit_scatter(f: _Fn, a: dict[str, Any], start: Any, width: Any, used: Any, fmap: Any) -> None:
    """Add the block's accumulator columns into their output features."""
    b = f.b
    features = f.at(a["feature_map"], fmap)
    with f.loop(0, ROW_BLOCK) as r:
        source = f.at(a["acc"], b.mul(r, width))
        target = f.at(a["out"], b.mul(b.add(start, r), a["n_out"]))
        with f.loop(0, used) as j:
            col = f.get(features, j)
            f.put(target, col, b.fadd(f.get(target, col), f.get(source, j)))


def _compile() -> Kernels:
    llvm.initialize()
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    module = ir.Module(name="treeshap")
    module.triple = llvm.get_process_triple()
    phi = _emit_phi(module)
    _emit_build(module, phi)
    _emit_apply(module, phi)
    parsed = llvm.parse_assembly(str(module))
    parsed.verify()
    target = llvm.Target.from_triple(module.triple)
    machine = target.create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(), opt=3
    )
    builder = llvm.create_pass_manager_builder()
    builder.opt_level = 3
    passes = llvm.create_module_pass_manager()
    machine.add_analysis_passes(passes)
    builder.populate(passes)
    passes.run(parsed)
    engine = llvm.create_mcjit_compiler(parsed, machine)
    engine.finalize_object()

    def function(name: str, n_args: int) -> Callable[..., None]:
        prototype = ctypes.CFUNCTYPE(None, *([ctypes.c_int64] * n_args))
        return prototype(engine.get_function_address(name))

    return Kernels(
        build=function("shap_build", len(BUILD_ARGS)),
        apply=function("shap_apply", len(APPLY_ARGS)),
        engine=engine,
    )
