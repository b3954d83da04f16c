"""The public proposals pages: a system's pipeline and a proposal, once it has reached a state
its workflow makes public (stage 4, formal approval, in the shipped default), built by the
proposals presenters in their public form (no money, documents, risks or history; no forms)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from commonweal.proposals import views

ROOT = "systems/<slug:slug>/proposals/"


@login_not_required
@require_safe
def board(request: HttpRequest, slug: str) -> HttpResponse:
    return views.board_page(request, slug, public=True)


@login_not_required
@require_safe
def proposal(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return views.proposal_page(request, slug, number, public=True)


@login_not_required
@require_safe
def programme(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return views.programme_page(request, slug, code, public=True)


urlpatterns = [
    path(ROOT, board, name="public-proposals"),
    path(ROOT + "programmes/<slug:code>/", programme, name="public-proposals-programme"),
    path(ROOT + "<int:number>/", proposal, name="public-proposal"),
]
