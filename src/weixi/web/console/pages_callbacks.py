"""The callback runner: walks the order's callback script question by question.

The answers so far travel in a hidden JSON field; each step adds one answer and
:func:`weixi.callbacks.script.walk` picks the next question along the script's branches.
When the walk ends, the agent records the callback and the loop closes or reopens.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from weixi.callbacks.script import Answer, CallbackScript, Question, QuestionType, outcome, walk
from weixi.callbacks.service import current_script, record_callback, script_code_for
from weixi.errors import Forbidden, ValidationFailed
from weixi.org.actor import Actor
from weixi.web.console.actions import Action, allowed_actions
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import Csrf, Viewer, flash, redirect, render
from weixi.web.deps import Uow
from weixi.workorders import repository
from weixi.workorders.kinds import Status
from weixi.workorders.models import WorkOrder

router = APIRouter()
SKIP = "__declined__"


@router.get("/orders/{order_id}/callback", response_class=HTMLResponse)
def runner(request: Request, order_id: int, actor: Viewer, uow: Uow) -> HTMLResponse:
    order = _callable_order(uow.session, actor, order_id)
    return _runner_page(request, actor, order, current_script(uow.session, _code(order)), {})


@router.post("/orders/{order_id}/callback/step", response_class=HTMLResponse)
def step(
    request: Request,
    order_id: int,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    answers_json: Annotated[str, Form()],
    question_id: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
) -> HTMLResponse:
    order = _callable_order(uow.session, actor, order_id)
    script = current_script(uow.session, _code(order))
    answers = _answers(answers_json)
    pending = walk(script, answers)
    error = ""
    if pending is not None and pending.id == question_id:
        try:
            answers[question_id] = parse_answer(pending, value)
        except ValidationFailed:
            error = N_("Please give an answer")
    return _runner_page(request, actor, order, script, answers, error=error)


@router.post("/orders/{order_id}/callback/back", response_class=HTMLResponse)
def back(
    request: Request,
    order_id: int,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    answers_json: Annotated[str, Form()],
) -> HTMLResponse:
    order = _callable_order(uow.session, actor, order_id)
    answers = _answers(answers_json)
    if answers:
        answers.pop(list(answers)[-1])
    script = current_script(uow.session, _code(order))
    return _runner_page(request, actor, order, script, answers)


@router.post("/orders/{order_id}/callback/record")
def record(
    request: Request,
    order_id: int,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    answers_json: Annotated[str, Form()] = "{}",
    reached: Annotated[str, Form()] = "yes",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    was_reached = reached == "yes"
    answers = _answers(answers_json) if was_reached else {}
    payload: dict[str, object] = dict(answers)
    record_callback(uow, actor, order_id, reached=was_reached, answers=payload, note=note)
    order = repository.get_visible(uow.session, actor, order_id)
    status = order.status
    uow.commit()
    if not was_reached:
        flash(request, N_("Unanswered attempt recorded"))
    elif status == Status.CLOSED:
        flash(request, N_("Callback recorded: the order is closed"))
    else:
        flash(
            request, N_("Callback recorded: the customer says it is not resolved; order reopened")
        )
    return redirect(f"/console/orders/{order_id}")


def parse_answer(question: Question, raw: str) -> Answer:
    """The stored value of a submitted answer (``ValidationFailed`` if there is none)."""
    raw = raw.strip()
    if raw == SKIP and not question.required:
        return None
    if question.type is QuestionType.YES_NO and raw in ("yes", "no"):
        return raw == "yes"
    if question.type is QuestionType.SCORE and raw.isdigit():
        return int(raw)
    if question.type is QuestionType.CHOICE and raw in {c.value for c in question.choices}:
        return raw
    if question.type is QuestionType.TEXT and raw:
        return raw
    raise ValidationFailed(f"{question.id}: no usable answer")


def _callable_order(session: Session, actor: Actor, order_id: int) -> WorkOrder:
    order = repository.get_visible(session, actor, order_id)
    if Action.CALLBACK not in allowed_actions(actor, order):
        raise Forbidden("a callback is not possible for this order now")
    return order


def _code(order: WorkOrder) -> str:
    return script_code_for(order)


def _answers(raw: str) -> dict[str, Answer]:
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationFailed("the answers could not be read") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the answers could not be read")
    return {str(k): v for k, v in data.items()}


def _runner_page(
    request: Request,
    actor: Actor,
    order: WorkOrder,
    script: CallbackScript,
    answers: dict[str, Answer],
    *,
    error: str = "",
) -> HTMLResponse:
    pending = walk(script, answers)
    result = outcome(script, answers) if pending is None else None
    asked = [(script.question(qid), answers[qid]) for qid in answers if _known(script, qid)]
    return render(
        request,
        "callback.html",
        actor=actor,
        active="work",
        order=order,
        script=script,
        pending=pending,
        asked=asked,
        answers_json=json.dumps(answers, ensure_ascii=False),
        result=result,
        error=error,
        skip=SKIP,
        here=f"/console/orders/{order.id}/callback",
    )


def _known(script: CallbackScript, qid: str) -> bool:
    try:
        script.question(qid)
    except KeyError:
        return False
    return True
