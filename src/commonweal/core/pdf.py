"""Generated pages as tagged PDF (WeasyPrint): the structure of headings, lists and tables is
kept for screen readers, the language and title are set, and nothing is fetched from anywhere."""

from typing import Any

from django.template.loader import render_to_string


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Generated pages fetch nothing: everything they show is in the HTML."""
    raise ValueError(f"generated pages fetch nothing ({url[:60]})")


def tagged_pdf(html: str, *, variant: str | None = None) -> bytes:
    from weasyprint import HTML

    options: dict[str, Any] = {"pdf_tags": True}
    if variant:
        options["pdf_variant"] = variant
    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf(**options)  # type: ignore[no-any-return]


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """A template as a PDF/UA-1 document: wholly generated, so wholly tagged."""
    return tagged_pdf(render_to_string(template, context), variant="pdf/ua-1")
