"""The HTTP JSON API: /api/ with its OpenAPI document at /api/openapi.json and docs at /api/docs.

Authentication is a bearer token (`commonweal make-token`, or POST /api/tokens) or a signed-in
session. Every error has the same body: {"error": {"status", "code", "message", "problems"}}.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update

from commonweal.core.api import (
    BodyParser,
    CommonwealAPI,
    SessionAuth,
    TokenAuth,
    install_error_handlers,
)

api = CommonwealAPI(
    title="Commonweal API",
    version="1",
    description=(
        "Integrated commissioning for a health and care system: its organisations, areas, "
        "structure and governance. Authenticate with `Authorization: Bearer <token>` or a "
        "signed-in session. Amounts are pounds, VAT included; dates are YYYY-MM-DD."
    ),
    auth=[TokenAuth(), SessionAuth()],
    parser=BodyParser(),
    urls_namespace="api",
    # The interactive docs page (Swagger UI, served by the app itself) styles itself inline.
    docs_decorator=csp_update({"style-src": [SELF, UNSAFE_INLINE]}),
)
install_error_handlers(api)
api.add_router("/", "commonweal.core.endpoints.router")
api.add_router("/", "commonweal.registry.api.router")
api.add_router("/", "commonweal.governance.api.router")
api.add_router("/", "commonweal.finance.api.router")
api.add_router("/", "commonweal.pools.api.router")
api.add_router("/", "commonweal.allocations.api.router")
api.add_router("/", "commonweal.outcomes.api.router")
api.add_router("/", "commonweal.assurance.api.router")
api.add_router("/", "commonweal.proposals.api.router")
api.add_router("/public/", "commonweal.public.api.router")
api.add_router("/public/", "commonweal.outcomes.api.public_router")
