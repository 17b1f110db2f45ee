"""Callback use cases (回访): record a callback, then close the loop or reopen.

A closed-loop order (complaint, fault, install/move/repair) closes only when a
reached callback confirms resolution; "not resolved" reopens it to its last
handler with the callback attached; after N unanswered attempts a supervisor may
close it with a reason. For proactive work (warning, onboarding care, exit
callback), the callback *is* the work: a reached callback resolves and closes it.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from weixi.callbacks.models import CallbackRecord
from weixi.callbacks.script import CallbackScript, outcome, script_from_dict, validate_answers
from weixi.db.uow import UnitOfWork
from weixi.errors import Forbidden, IllegalTransition, ValidationFailed
from weixi.org.actor import Actor
from weixi.versioned import service as versioned
from weixi.workorders import policies, repository
from weixi.workorders.kinds import CLOSED_LOOP_KINDS, Status, WorkOrderKind
from weixi.workorders.models import WorkOrder
from weixi.workorders.service import close_order, reopen_order, resolve_order
from weixi.workorders.workflow import CloseBasis, ClosePermit

#: Unanswered attempts after which a supervisor may close without the customer.
MAX_UNANSWERED = 3

SCRIPT_FOR_KIND = {
    WorkOrderKind.WARNING: "retention",
    WorkOrderKind.ONBOARDING_CARE: "onboarding",
    WorkOrderKind.CALLBACK: "exit",
    WorkOrderKind.HANDOVER: "onboarding",
}


def script_document(code: str) -> str:
    return f"callback_script:{code}"


#: document name → (version, the stored body it was parsed from, the script). A version
#: never changes once saved, so each is parsed once per body read.
_PARSED: dict[str, tuple[int, object, CallbackScript]] = {}


def current_script(session: Session, code: str) -> CallbackScript:
    """The newest stored version of a script, else the shipped default (version 1).

    Read through the versioned documents' short per-process cache, like the dispatch
    rules and SLA policies: a version saved in another process is used within
    ``versioned.service.CACHE_SECONDS``, and every record names the version it used.
    """
    name = script_document(code)
    found = versioned.latest_body(session, name)
    if found is not None:
        version, body = found
        hit = _PARSED.get(name)
        if hit is None or hit[0] != version or hit[1] is not body:
            hit = (version, body, script_from_dict({**body, "version": version}))
            _PARSED[name] = hit
        return hit[2]
    from weixi.callbacks.default_scripts import DEFAULT_SCRIPTS

    if code not in DEFAULT_SCRIPTS:
        raise ValidationFailed(f"no callback script '{code}'")
    return DEFAULT_SCRIPTS[code]


def script_code_for(order: WorkOrder) -> str:
    if order.callback_script:
        return order.callback_script
    return SCRIPT_FOR_KIND.get(WorkOrderKind(order.kind), "resolution")


def record_callback(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    reached: bool,
    answers: dict[str, object],
    note: str = "",
) -> CallbackRecord:
    """Store the callback against its script version, then advance the loop."""
    order = repository.get_visible(uow.session, actor, order_id)
    if not policies.can_record_callback(actor, order):
        raise Forbidden("only the first-contact owner, the handler or a supervisor calls back")
    closed_loop = WorkOrderKind(order.kind) in CLOSED_LOOP_KINDS
    if closed_loop and order.status != Status.RESOLVED:
        raise IllegalTransition("call back after the order is resolved")
    script = current_script(uow.session, script_code_for(order))
    result = None
    if reached:
        problems = validate_answers(script, answers)  # type: ignore[arg-type]
        if problems:
            raise ValidationFailed("; ".join(problems))
        result = outcome(script, answers)  # type: ignore[arg-type]
    values: dict[str, object] = {
        "order_id": order.id,
        "script_code": script.code,
        "script_version": script.version,
        "reached": reached,
        "answers": answers,
        "resolved": result.resolved if result else None,
        "satisfaction": result.satisfaction if result else None,
        "staff_id": actor.staff_id,
        "at": uow.clock.now(),
        "note": note,
    }
    # Append-only (a trigger refuses UPDATE and DELETE), so the record is written by a
    # plain INSERT … RETURNING id rather than the ORM's flush, and handed back as a value
    # the session does not track.
    record_id = uow.session.scalars(_RECORD_INSERT, values).one()
    record = CallbackRecord(id=record_id, **values)
    _advance(uow, actor, order, record, closed_loop=closed_loop)
    return record


_RECORDS = cast(Table, CallbackRecord.__table__)
_RECORD_INSERT = insert(_RECORDS).returning(_RECORDS.c.id)


def _advance(
    uow: UnitOfWork, actor: Actor, order: WorkOrder, record: CallbackRecord, *, closed_loop: bool
) -> None:
    tag = f"callback #{record.id}"
    if not record.reached:
        order.unanswered_callbacks += 1
        return
    if not closed_loop:
        if order.status != Status.RESOLVED:
            resolve_order(
                uow,
                actor,
                order.id,
                resolution=f"{tag}: customer reached",
                outcome=_retention_outcome(record),
            )
        close_order(uow, actor, order, reason=f"{tag}: done")
        return
    if record.resolved:
        order.callback_verified = True
        close_order(uow, actor, order, reason=f"{tag}: customer confirmed resolution")
    else:
        reopen_order(uow, actor, order, reason=f"{tag}: customer says not resolved")


def _retention_outcome(record: CallbackRecord) -> str:
    if record.resolved is True:
        return "retained"
    if record.resolved is False:
        return "not_retained"
    return "contacted"


def close_unreachable(uow: UnitOfWork, actor: Actor, order_id: int, *, reason: str) -> WorkOrder:
    """A supervisor closes after N unanswered callback attempts, with a reason."""
    order = repository.get_visible(uow.session, actor, order_id)
    if not policies.supervises(actor, order):
        raise Forbidden("only a supervisor of the area may close without the customer")
    permit = ClosePermit(CloseBasis.UNREACHABLE, max_unanswered=MAX_UNANSWERED)
    close_order(uow, actor, order, reason=reason, permit=permit)
    return order
