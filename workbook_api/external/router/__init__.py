"""The system of record's endpoints: upserts by external id, links, the review queue."""

from workbook_api.external.router.links import router as links_router
from workbook_api.external.router.reviews import router as reviews_router
from workbook_api.external.router.upserts import router as upserts_router

__all__ = ["links_router", "reviews_router", "upserts_router"]
