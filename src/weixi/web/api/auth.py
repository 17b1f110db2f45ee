"""Log-in (console session cookie), log-out, bearer tokens, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request

from weixi.auth.service import authenticate, issue_token
from weixi.org.actor import Actor
from weixi.org.service import actor_for
from weixi.web.api.schemas import LoginRequest, MeRead, TokenRead, TokenRequest
from weixi.web.deps import CurrentActor, Uow

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=MeRead)
def login(body: LoginRequest, request: Request, uow: Uow) -> MeRead:
    staff = authenticate(uow.session, body.login, body.password)
    uow.commit()
    request.session.clear()
    request.session["staff_id"] = staff.id
    return _me(actor_for(uow.session, staff))


@router.post("/auth/logout", status_code=204)
def logout(request: Request) -> None:
    request.session.clear()


@router.post("/auth/tokens", response_model=TokenRead, status_code=201)
def create_token(body: TokenRequest, request: Request, uow: Uow) -> TokenRead:
    staff = authenticate(uow.session, body.login, body.password)
    days = request.app.state.settings.token_days
    token = issue_token(uow.session, staff, now=uow.clock.now(), days=days, name=body.name)
    uow.commit()
    return TokenRead(token=token)


@router.get("/me", response_model=MeRead)
def me(actor: CurrentActor) -> MeRead:
    return _me(actor)


def _me(actor: Actor) -> MeRead:
    return MeRead(
        id=actor.staff_id,
        code=actor.code,
        name=actor.name,
        role=actor.role.value,
        unit_id=actor.unit_id,
        area_level=actor.area_level,
    )
