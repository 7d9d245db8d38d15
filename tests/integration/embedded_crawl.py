"""Crawl a demo site in this process and write, as JSON to the file named by the first argument, every answer that was a 5xx.

Run by tests/integration/test_embedded.py as `python -m tests.integration.embedded_crawl` in a
subprocess whose environment is the embedded mode of `make run` (SQLite, no broker, local
media). Not a test module itself: it needs a settings module configured from that environment,
which a pytest session on PostgreSQL cannot give.

For each of the four kinds of visitor (anonymous, facility staff, coordinator, administrator)
it requests every GET operation of the OpenAPI schema, path parameters filled with real ids
from the administrator's lists, then every page the header links to and the links in the
content of those pages (one level down).
"""

import json
import os
import re
import sys
import traceback
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import django

VISITORS = {
    "anonymous": None,
    "facility staff": "unit-230000-museum-staff",
    "coordinator": "hlj-coordinator",
    "administrator": "admin",
}
# Links of one page followed one level down; the admin index alone links to every changelist.
LINKS_PER_PAGE = 60
SKIPPED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout", "/admin/logout")
PARAMETER = re.compile(r"\{(\w+)\}")


class LinkParser(HTMLParser):
    """Collects the hrefs inside <header class="site-header"> and those inside <main>."""

    def __init__(self):
        super().__init__()
        self.header_links, self.content_links = [], []
        self._in_header = self._in_main = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "header" and "site-header" in (attributes.get("class") or ""):
            self._in_header += 1
        elif tag == "main":  # the site's pages and the admin's alike
            self._in_main += 1
        elif tag == "a" and attributes.get("href"):
            if self._in_header:
                self.header_links.append(attributes["href"])
            elif self._in_main:
                self.content_links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "header" and self._in_header:
            self._in_header -= 1
        elif tag == "main" and self._in_main:
            self._in_main -= 1


def internal(href, base_path):
    """The site path of a link, or None for other sites, anchors, mailto: and the like."""
    href, _fragment = urldefrag(href.strip())
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href:
        return None
    if not parts.path.startswith("/"):
        # Relative links (the admin uses some): resolve against the page's path.
        directory = base_path.rsplit("/", 1)[0]
        href = f"{directory}/{href}"
    if href.startswith(SKIPPED_PREFIXES):
        return None
    return href


class Crawler:
    def __init__(self):
        from django.core.signals import got_request_exception
        from django.test import Client

        self.Client = Client
        self.failures = []
        self.requested = {}
        self._last_exception = None
        got_request_exception.connect(self._remember_exception)

    def _remember_exception(self, sender, request=None, **kwargs):
        self._last_exception = traceback.format_exc(limit=-8)

    def client_for(self, username):
        from django.contrib.auth import get_user_model

        client = self.Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        return client

    def get(self, visitor, client, path, *, via):
        self._last_exception = None
        response = client.get(path)
        self.requested[visitor] = self.requested.get(visitor, 0) + 1
        if response.status_code >= 500:
            self.failures.append(
                {
                    "visitor": visitor,
                    "path": path,
                    "via": via,
                    "status": response.status_code,
                    "traceback": self._last_exception,
                }
            )
        return response


def add_what_the_demo_lacks():
    """A bundle and a distribution, made through the services with tasks run in-process, so
    that their detail operations have something to show."""
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from resources.models import Distribution, Kit, ResourceBundle
    from resources.services.bundles import create_bundle
    from resources.services.distributions import start_distribution

    admin = get_user_model().objects.get(username=VISITORS["administrator"])
    campaign = Campaign.objects.order_by("pk").first()
    if not ResourceBundle.objects.exists():
        create_bundle(by=admin, title="Embedded pass", campaign=campaign)
    if not Distribution.objects.exists():
        kit = Kit.objects.filter(quantity_available__gt=0).order_by("pk").first()
        start_distribution(
            kit=kit, quantity_per_facility=1, by=admin, campaign=campaign, allow_partial=True
        )


def schema_operations(crawler):
    """GET paths of the OpenAPI schema: those without parameters, then the filled-in ones."""
    admin = crawler.client_for(VISITORS["administrator"])
    schema = crawler.get("administrator", admin, "/api/schema/?format=json", via="schema")
    assert schema.status_code == 200, schema.status_code
    paths = [path for path, item in json.loads(schema.content)["paths"].items() if "get" in item]
    plain = [path for path in paths if not PARAMETER.search(path)]
    filled, unfilled = [], []
    for path in paths:
        if path in plain:
            continue
        value = parameter_value(crawler, admin, path)
        if value is None:
            unfilled.append(path)
        else:
            filled.append(PARAMETER.sub(str(value), path, count=1))
    return plain, filled, unfilled


def parameter_value(crawler, admin, path):
    """A real value of the path's first parameter, from the list the path lives under."""
    name = PARAMETER.search(path).group(1)
    listing = path[: path.index("{")]
    response = admin.get(listing, {"status": "all"} if "digital-resources" in listing else {})
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    body = json.loads(response.content)
    rows = body.get("results", body) if isinstance(body, dict) else body
    # A nested route's parent (`{kit_pk}`) is the id of a row of the parent list.
    key = "id" if name.endswith("_pk") else name
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get(key) not in (None, ""):
            return row[key]
    return stored_value(path, name)


def stored_value(path, name):
    """The first stored row's value when the list shows none (e.g. a list of pending items)."""
    from django.urls import resolve

    view = resolve(PARAMETER.sub("1", path)).func
    queryset = getattr(getattr(view, "cls", None), "queryset", None)
    if queryset is None:
        return None
    field = "pk" if name == "id" else name
    return queryset.model._default_manager.order_by("pk").values_list(field, flat=True).first()


def crawl_pages(crawler, visitor, client):
    home = crawler.get(visitor, client, "/", via="start")
    parser = LinkParser()
    parser.feed(home.content.decode(errors="replace"))
    header = list(dict.fromkeys(filter(None, (internal(h, "/") for h in parser.header_links))))
    seen = {"/"}
    for page in header:
        if page in seen:
            continue
        seen.add(page)
        response = crawler.get(visitor, client, page, via="header")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        below = LinkParser()
        below.feed(response.content.decode(errors="replace"))
        links = [internal(h, page) for h in below.content_links]
        for link in list(dict.fromkeys(filter(None, links)))[:LINKS_PER_PAGE]:
            if link not in seen:
                seen.add(link)
                crawler.get(visitor, client, link, via=page)
    return header


def main(report_path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; mail stays in memory
    add_what_the_demo_lacks()
    crawler = Crawler()
    plain, filled, unfilled = schema_operations(crawler)
    headers = {}
    for visitor, username in VISITORS.items():
        client = crawler.client_for(username)
        for path in plain + filled:
            crawler.get(visitor, client, path, via="schema")
        headers[visitor] = crawl_pages(crawler, visitor, client)
    report = {
        "failures": crawler.failures,
        "requested": crawler.requested,
        "operations": {"plain": plain, "filled": filled, "unfilled": unfilled},
        "header_links": headers,
    }
    with open(report_path, "w", encoding="utf-8") as output:
        json.dump(report, output, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
