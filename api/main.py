"""The REST API v1: one NinjaAPI, its ways in, its error shapes and its routers."""

from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Swagger

from .auth import allowed
from .catalog import router as catalog_router
from .errors import install_handlers
from .finance import router as finance_router
from .sellers import router as sellers_router
from .sync import router as sync_router
from .trade import router as trade_router
from .wb_tokens import router as wb_tokens_router

api = NinjaAPI(
    title="wberp API",
    version="1",
    description=(
        "WB tokens, seller cabinets and their data. Sign in (session; unsafe methods need the "
        "X-CSRFToken header) or send a personal API token: `Authorization: Bearer wberp_…`. "
        'Errors are `{"detail": "..."}` in the language of `Accept-Language`.'
    ),
    urls_namespace="api",
    # Staff only unless an operation asks for more (each names its page's permission).
    auth=allowed(),
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    docs_decorator=require_GET,
)
install_handlers(api)
api.add_router("/wb-tokens/", wb_tokens_router, tags=["WB tokens"])
api.add_router("/sellers/", sellers_router, tags=["Seller cabinets"])
api.add_router("/sellers/", trade_router, tags=["Orders and sales"])
api.add_router("/sellers/", catalog_router, tags=["Catalogue"])
api.add_router("/sellers/", finance_router, tags=["Finance reports"])
api.add_router("/sellers/", sync_router, tags=["Sync"])
