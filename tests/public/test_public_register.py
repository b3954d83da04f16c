"""The public register publishes only its allow-list, and links only to public pages.

Every text field that `commonweal.public.presenters.PUBLISHED` does not list gets a unique
marker; a crawl of every page reachable from /public/ must find no marker and no link to a
page that needs signing in. A second test leaks one private field through a presenter and shows
the crawl catches it.
"""

from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from django.apps import apps
from django.db import connection, models

from commonweal.public import presenters

pytestmark = pytest.mark.django_db

MARK = "zqmk"
APPS = (
    "core", "registry", "governance", "meetings", "decisions", "interests", "finance", "public",
    "proposals", "auth",
)  # fmt: skip
# Where a visitor may be sent from the public register without signing in.
PUBLIC_PREFIXES = ("/public/", "/accounts/login/", "/api/docs", "/static/", "/assets/")


def _text_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.primary_key
    ]


def plant_markers() -> int:
    """A unique marker in every unpublished text field of every row; returns how many fields."""
    planted = 0
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            published = presenters.PUBLISHED.get(model._meta.label, ())
            for field in _text_fields(model):
                if field.name in published or field.name == "password":
                    continue
                table, column = model._meta.db_table, field.column
                pk = model._meta.pk.column
                if isinstance(field, models.JSONField):
                    value = "'[\"" + MARK + "j' || " + pk + " || '\"]'"
                    if connection.vendor == "postgresql":
                        value = f"({value})::jsonb"
                else:
                    width = getattr(field, "max_length", None) or 40
                    value = f"substr('{MARK}' || {pk}, 1, {width})"
                with connection.cursor() as cursor:
                    # Raw SQL: audit events and scheme versions refuse changes through the ORM.
                    cursor.execute(f'UPDATE "{table}" SET "{column}" = {value}')
                planted += 1
    return planted


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.hrefs.append(value)


def crawl(client: Any, start: str = "/public/") -> tuple[int, list[str]]:
    """Visit every page reachable from `start`; return how many, and every problem found."""
    seen, queue, problems = {start}, deque([start]), []
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        if getattr(response, "streaming", False):  # downloads: CSV, JSON, papers
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        if MARK.encode() in content:
            problems.append(f"{url}: publishes an unpublished field")
        if "html" not in response.get("Content-Type", ""):
            continue
        html = content.decode()
        if MARK in html:
            at = html.index(MARK)
            problems.append(f"{url}: publishes an unpublished field: …{html[at - 80 : at + 20]}…")
        parser = Links()
        parser.feed(html)
        for href in parser.hrefs:
            target = urlparse(urljoin(url, href))
            if target.scheme not in ("", "http") or (
                target.netloc and target.netloc != "testserver"
            ):
                problems.append(f"{url}: links outside the site: {href}")
                continue
            if href.startswith("#"):
                continue
            if not target.path.startswith(PUBLIC_PREFIXES):
                problems.append(f"{url}: links to a page that is not public: {href}")
                continue
            page = target.path + (f"?{target.query}" if target.query else "")
            if target.path.startswith("/public/") and page not in seen:
                seen.add(page)
                queue.append(page)
    return len(seen), problems


def _a_public_proposal() -> None:
    """A Devon proposal at stage 4 (so public), with a passage and its route asked."""
    from datetime import date, timedelta

    from commonweal.core.actions import Actor
    from commonweal.proposals import actions as proposals
    from commonweal.proposals.models import Proposal
    from commonweal.registry.actions import example_path

    cl = Actor.command_line()
    setup = proposals.read_setup(cl, example_path("devon-2019-proposals"))
    p = proposals.create(
        cl,
        setup.system,
        proposals.ProposalIn(
            title="Stroke services",
            service="Stroke",
            footprint="wider-devon",
            lead="15N",
            programme="specialist-services",
            risks="Not for the public",
        ),
    )
    proposals.advance(cl, p, "start", note="A note")
    Proposal.objects.filter(pk=p.pk).update(state="stage-4", stage=4, public=True)
    later = date.today() + timedelta(days=40)
    proposals.seek_approval(cl, p, "approve", decision_type="policy", due=later)


def test_the_public_register_shows_only_its_allow_list(client, universe):
    from commonweal.registry.models import Area, System

    _a_public_proposal()
    expected = 1 + 2 * System.objects.count() + Area.objects.count()
    assert plant_markers() > 40
    pages, problems = crawl(client)
    assert problems == []
    assert pages > expected, (
        "the crawl reached the home page, every system, tree and area, and more"
    )


def test_the_crawl_catches_a_private_field_on_a_public_page(client, universe, monkeypatch):
    original = presenters.system

    def leaky(s, on=None):  # a presenter that lets a private field (the file loaded) through
        view = original(s, on)
        return type(view)(**{**view.__dict__, "description": s.document})

    monkeypatch.setattr(presenters, "system", leaky)
    plant_markers()
    _, problems = crawl(client)
    assert any("publishes an unpublished field" in p for p in problems), problems
