"""Serve static files, and the NHS.UK design system's assets at /assets/ where its CSS expects them."""

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class AssetsMiddleware(WhiteNoiseMiddleware):
    def __init__(self, get_response=None):  # type: ignore[no-untyped-def]
        super().__init__(get_response)
        if settings.NHSUK_ASSETS_DIR.is_dir():
            self.add_files(str(settings.NHSUK_ASSETS_DIR), prefix="assets/")
