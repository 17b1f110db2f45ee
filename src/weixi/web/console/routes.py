"""The console's entry point: mounts static files, page routers and HTML error pages.

The API keeps its problem+json errors; under ``/console`` the same errors become pages:
not logged in → the log-in page, anything outside your scope → the 404 page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from weixi.errors import Unauthenticated, WeixiError
from weixi.web.console import (
    pages_admin,
    pages_auth,
    pages_callbacks,
    pages_customers,
    pages_dashboard,
    pages_orders,
)
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import render

STATIC = Path(__file__).resolve().parent.parent / "static"
PREFIX = "/console"

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

#: Titles of the error page by HTTP status (message ids).
ERROR_TITLES = {
    400: N_("The request could not be processed"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    409: N_("Someone changed this first, or the step is not allowed now"),
    422: N_("Please check what you entered"),
}


def install(app: FastAPI) -> None:
    """Add the console to the app (called by ``weixi.web.app.create_app``)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        pages_auth,
        pages_orders,
        pages_callbacks,
        pages_customers,
        pages_dashboard,
        pages_admin,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    for exc_class in (WeixiError, StaleDataError, RequestValidationError, StarletteHTTPException):
        _route_errors_by_prefix(app, exc_class)


def _route_errors_by_prefix(app: FastAPI, exc_class: type[Exception]) -> None:
    """Console paths get HTML; everything else keeps the handler installed before us."""
    api_handler = app.exception_handlers.get(exc_class)

    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX) or api_handler is None:
            return console_error(request, exc)
        result = api_handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    app.add_exception_handler(exc_class, handler)


def console_error(request: Request, exc: Exception) -> Response:
    """The HTML answer to an error on a console page."""
    if isinstance(exc, Unauthenticated):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)
    status, detail = _status_and_detail(exc)
    title = ERROR_TITLES.get(status, N_("Something went wrong"))
    return render(
        request,
        "error.html",
        actor=None,
        status=status,
        title=title,
        detail=detail,
        status_code=status,
    )


def _status_and_detail(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, WeixiError):
        return exc.http_status, exc.message
    if isinstance(exc, StaleDataError):
        return 409, ""
    if isinstance(exc, RequestValidationError):
        return 422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, ""
    return 500, ""
