"""Errors as RFC 9457 problem+json, mapped once for the whole app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from weixi.errors import Conflict, WeixiError

PROBLEM = "application/problem+json"


def problem(status: int, code: str, title: str, **extra: object) -> JSONResponse:
    body = {"type": f"urn:weixi:problem:{code}", "title": title, "status": status, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    @app.exception_handler(WeixiError)
    async def weixi_error(request: Request, exc: WeixiError) -> JSONResponse:
        return problem(exc.http_status, exc.code, exc.message, **_jsonable(exc.detail))

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> JSONResponse:
        c = Conflict("someone else changed this order first; reload and try again")
        return problem(c.http_status, c.code, c.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return problem(422, "validation_failed", "request is not valid", errors=errors)


def _jsonable(detail: dict[str, object]) -> dict[str, object]:
    return {k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in detail.items()}
