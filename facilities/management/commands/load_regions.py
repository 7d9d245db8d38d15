import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from facilities.models import Region, RegionLevel

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.csv"
LEVEL_DEPTH = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}
BATCH_SIZE = 500


def read_regions(path):
    """Rows of the region file as (code, name, level, parent_code, is_grouping), checked."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            lines = [line for line in handle if not line.startswith("#")]
    except OSError as exc:
        raise CommandError(
            _("Cannot read the region file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    rows = {}
    for number, record in enumerate(csv.DictReader(lines), start=2):
        code, name, level = record["code"], record["name"].strip(), record["level"]
        parent_code = record["parent_code"] or None
        if len(code) != 6 or not code.isdigit() or not name or level not in LEVEL_DEPTH:
            raise CommandError(
                _("Line %(line)d of %(path)s is not a valid region: %(record)s")
                % {"line": number, "path": path, "record": record}
            )
        rows[code] = (code, name, level, parent_code, record.get("grouping") == "1")
    for code, _name, level, parent_code, _grouping in rows.values():
        expected_parent_depth = LEVEL_DEPTH[level] - 1
        parent = rows.get(parent_code)
        if (parent_code is None) != (expected_parent_depth < 0) or (
            parent_code and (parent is None or LEVEL_DEPTH[parent[2]] != expected_parent_depth)
        ):
            raise CommandError(
                _("Region %(code)s has no valid parent one level above it in %(path)s.")
                % {"code": code, "path": path}
            )
    return rows


class Command(BaseCommand):
    @property
    def help(self):  # a property: argparse needs a plain string in the active language
        return _(
            "Load or update the administrative regions of China (GB/T 2260 codes) from "
            "facilities/data/regions.csv. Idempotent: only new or changed regions are written; "
            "regions missing from the file are kept and reported."
        )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help=_("Region CSV file."))

    def handle(self, *args, **options):
        rows = read_regions(options["file"])
        existing = {
            code: (code, name, level, parent_code, is_grouping)
            for code, name, level, parent_code, is_grouping in Region.objects.values_list(
                "code", "name", "level", "parent_id", "is_grouping"
            )
        }
        changed = [row for code, row in sorted(rows.items()) if existing.get(code) != row]
        created = sum(1 for row in changed if row[0] not in existing)
        # Parents sort before their children (110000 < 110100 < 110101), so every batch
        # refers only to rows already written.
        regions = [
            Region(code=code, name=name, level=level, parent_id=parent_code, is_grouping=grouping)
            for code, name, level, parent_code, grouping in changed
        ]
        with transaction.atomic():
            Region.objects.bulk_create(
                regions,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "level", "parent", "is_grouping"],
            )
        stale = sorted(set(existing) - set(rows))
        self.stdout.write(
            _(
                "Regions: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(stale)d not in the file (kept)."
            )
            % {
                "created": created,
                "updated": len(changed) - created,
                "unchanged": len(rows) - len(changed),
                "stale": len(stale),
            }
        )
        if stale:
            self.stdout.write(_("Not in the file: %(codes)s") % {"codes": ", ".join(stale[:20])})
