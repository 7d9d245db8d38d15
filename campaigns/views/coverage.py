"""The coverage map of a campaign: China → a province's prefectures → a prefecture's counties.

Server-rendered SVG (campaigns/maps.py) whose shapes are links, so drilling down works without
JavaScript; every figure the colours show is also in the table beside the map. The counties of
a prefecture are a table sorted by the column headers' links. Exports: every county as CSV or
XLSX.
"""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_text, xlsx_bytes
from facilities.models import RegionLevel, RegionTag

from ..coverage import cached_coverage, summarize
from ..forms import CoverageFilterForm
from ..maps import BUCKETS, bucket, load_map
from ..models import Campaign

COUNTY_SORTS = {
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("County"),
    "reached": gettext_lazy("Reached"),
    "last_reached_on": gettext_lazy("Last reached"),
    "kits_received": gettext_lazy("Kits received"),
    "activities": gettext_lazy("Activities"),
    "audience": gettext_lazy("Audience"),
    "downloads": gettext_lazy("Downloads"),
}


def _state(request, slug):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    form = CoverageFilterForm({"tag": request.GET.get("tag", "")})
    return campaign, form


def _decorate(rows, link):
    for row in rows:
        row["share_percent"] = (
            round(100 * row["counties_reached"] / row["counties"]) if row["counties"] else None
        )
        row["bucket"] = bucket(row)
        row["url"] = link(row)
    return rows


def coverage_map(request, slug, code=None):
    campaign, form = _state(request, slug)
    if not form.is_valid():
        return HttpResponseBadRequest("; ".join(form.errors["tag"]))
    tag = form.cleaned_data["tag"]
    query = f"?{urlencode({'tag': tag.code})}" if tag else ""
    coverage = cached_coverage(campaign=campaign, tag=tag.code if tag else None)
    nodes = coverage.tree.nodes
    region = nodes.get(code) if code else None
    if code and (region is None or region.level == RegionLevel.COUNTY):
        raise Http404(_("No such province or prefecture."))

    def page(target):
        return reverse("campaign-coverage-region", args=[campaign.slug, target]) + query

    tags = list(RegionTag.objects.all())
    labels = {item.code: item.label for item in tags}
    context = {
        "campaign": campaign,
        "form": form,
        "tags": tags,
        "tag": tag,
        "query": query,
        "buckets": BUCKETS,
        "region": region,
        "trail": [],
        "map": None,
    }
    if region is None:
        rows = _decorate(coverage.rows(level=RegionLevel.PROVINCE), lambda row: page(row["code"]))
        context.update(map=load_map("china"), rows=rows, row_level=_("Province"))
    elif region.level == RegionLevel.PROVINCE:
        rows = _decorate(
            coverage.rows(level=RegionLevel.PREFECTURE, parent=region.code),
            lambda row: page(row["code"]),
        )
        # A municipality's map shows its districts: they link to their grouping row's table.
        counties = _decorate(
            coverage.rows(level=RegionLevel.COUNTY, parent=region.code),
            lambda row: page(nodes[row["code"]].parent) + f"#county-{row['code']}",
        )
        context.update(
            map=load_map(region.code),
            rows=rows,
            map_rows=rows + counties,
            row_level=_("Prefecture"),
        )
    else:
        province = nodes[region.parent]
        context["trail"] = [(province.name, page(province.code))]
        rows = coverage.rows(level=RegionLevel.COUNTY, parent=region.code)
        for row in rows:
            row["reached"] = bool(row["counties_reached"])
            row["tag_labels"] = [labels.get(code, code) for code in row["tags"]]
        sort, descending = _sort(request, rows)
        context.update(
            counties=rows,
            sort=sort,
            descending=descending,
            sort_links=_sort_links(request, sort, descending),
        )
    rows_for_map = context.get("map_rows", context.get("rows", []))
    context["summary"] = summarize(context.get("rows") or context.get("counties") or [])
    context["shapes"] = _shapes(context["map"], rows_for_map)
    return render(request, "campaigns/coverage.html", context)


def _shapes(map_shapes, rows):
    if map_shapes is None:
        return []
    by_code = {row["code"]: row for row in rows}
    return [(shape, by_code.get(shape.code)) for shape in map_shapes.shapes]


def _sort(request, rows):
    sort = request.GET.get("sort", "code")
    if sort not in COUNTY_SORTS:
        sort = "code"
    descending = request.GET.get("order") == "desc"

    def key(row):
        value = row[sort]
        # Empty values (never reached) sort first ascending, last descending, like zeros.
        return (value is not None, value if value is not None else 0, row["code"])

    rows.sort(key=key, reverse=descending)
    return sort, descending


def _sort_links(request, sort, descending):
    links = []
    for name, label in COUNTY_SORTS.items():
        order = "asc" if name != sort or descending else "desc"
        params = {"sort": name, "order": order}
        if request.GET.get("tag"):
            params["tag"] = request.GET["tag"]
        links.append(
            {
                "name": name,
                "label": label,
                "url": f"?{urlencode(params)}",
                "current": name == sort,
                "aria_sort": ("descending" if descending else "ascending")
                if name == sort
                else None,
            }
        )
    return links


# ---------------------------------------------------------------------------
# Exports: every county
# ---------------------------------------------------------------------------

COUNTY_COLUMNS = (
    ("province", gettext_lazy("Province code")),
    ("province_name", gettext_lazy("Province")),
    ("prefecture", gettext_lazy("Prefecture code")),
    ("prefecture_name", gettext_lazy("Prefecture")),
    ("code", gettext_lazy("County code")),
    ("name", gettext_lazy("County")),
    ("reached", gettext_lazy("Reached")),
    ("last_reached_on", gettext_lazy("Last reached")),
    ("tags", gettext_lazy("Priority tags")),
    ("facilities", gettext_lazy("Participating units")),
    ("stops", gettext_lazy("Tour stops")),
    ("trips", gettext_lazy("Caravan trips")),
    ("kits_received", gettext_lazy("Kits received")),
    ("activities", gettext_lazy("Verified activities")),
    ("audience", gettext_lazy("Audience")),
    ("downloads", gettext_lazy("Downloads")),
)


def county_table(coverage):
    """Header and one row per county, in code order."""
    nodes = coverage.tree.nodes
    rows = [[str(label) for _key, label in COUNTY_COLUMNS]]
    for row in coverage.rows(level=RegionLevel.COUNTY):
        prefecture = nodes[nodes[row["code"]].parent]
        province = nodes[prefecture.parent]
        values = {
            **row,
            "province": province.code,
            "province_name": province.name,
            "prefecture": prefecture.code,
            "prefecture_name": prefecture.name,
            "reached": _("yes") if row["counties_reached"] else _("no"),
            "last_reached_on": row["last_reached_on"].isoformat() if row["last_reached_on"] else "",
            "tags": ", ".join(row["tags"]),
        }
        rows.append([values[key] for key, _label in COUNTY_COLUMNS])
    return rows


def export_counties(request, slug, file_format):
    campaign, form = _state(request, slug)
    if not form.is_valid():
        return HttpResponseBadRequest("; ".join(form.errors["tag"]))
    tag = form.cleaned_data["tag"]
    table = county_table(cached_coverage(campaign=campaign, tag=tag.code if tag else None))
    filename = f"{campaign.slug}-counties" + (f"-{tag.code}" if tag else "")
    if file_format == "csv":
        response = HttpResponse(csv_text(table), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse(
            xlsx_bytes([(_("Counties"), table)]), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
