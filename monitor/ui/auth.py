"""Who is asking, and may they: Airflow's own auth manager, as the core API uses it.

Airflow does not authenticate plugin apps: a mounted app inherits none of the core API's
dependencies. So every route here resolves the caller itself, the way
``airflow.api_fastapi.core_api.security.get_user`` does in Airflow 3.3: an
``Authorization: Bearer`` token wins; otherwise the user the JWT refresh middleware already
resolved (only when it carries Airflow's trust marker), otherwise the ``_token`` cookie the UI
sets. Tokens are checked by the module-level ``get_auth_manager()`` (``auth_manager_from_app``
would read the plugin app's own state, which has no auth manager).

Reading findings needs GET access to the ``brand_monitor`` DAG, changing one needs PUT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import HTTPException, Request, status

FINDINGS_DAG = "brand_monitor"  # findings are this DAG's data: its permissions are theirs


@dataclass(frozen=True)
class Caller:
    user: Any  # the auth manager's user (BaseUser)
    name: str
    via: Literal["bearer", "cookie"]
    credential: str  # the token it came with (the CSRF token is bound to the cookie's)


class AirflowAuth:
    """The auth manager of the api-server this plugin runs in."""

    @staticmethod
    def _manager():
        from airflow.api_fastapi.app import get_auth_manager

        return get_auth_manager()

    async def caller(self, request: Request) -> Caller:
        """The authenticated caller; HTTPException 401 (no or expired token) or 403 (invalid)."""
        from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
        from airflow.api_fastapi.core_api.security import USER_INJECTED_BY_TRUSTED_MIDDLEWARE, resolve_user_from_token

        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = await resolve_user_from_token(token.strip())
            return Caller(user, user.get_name(), "bearer", token.strip())
        cookie = request.cookies.get(COOKIE_NAME_JWT_TOKEN)
        if not cookie:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated")
        injected = getattr(request.state, "user", None)
        trusted = getattr(request.state, "user_authenticated_via", None) is USER_INJECTED_BY_TRUSTED_MIDDLEWARE
        user = injected if injected is not None and trusted else await resolve_user_from_token(cookie)
        return Caller(user, user.get_name(), "cookie", cookie)

    def may(self, caller: Caller, method: Literal["GET", "PUT"]) -> bool:
        from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

        return bool(self._manager().is_authorized_dag(method=method, user=caller.user,
                                                      details=DagDetails(id=FINDINGS_DAG)))

    def login_url(self, next_url: str) -> str:
        return self._manager().get_url_login(next_url=next_url)

    @staticmethod
    def fallback_secret() -> str:
        """Airflow's [api] secret_key: the same on every api-server, as Airflow requires."""
        from airflow.configuration import conf

        return conf.get("api", "secret_key", fallback="") or ""
