"""Target lists of bulk distributions: the facilities named in an uploaded CSV or XLSX file.

The first column holds facility ids or exact facility names; the parser reads it without
loading a whole workbook, and the resolver turns labels into facility ids, naming every label
it could not resolve and why.
"""

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from config.errors import BadRequest
from facilities.models import Facility

from ..models import SkipReason

MAX_LIST_ROWS = 100_000
MAX_LIST_FILE_SIZE = 10 * 1024 * 1024
# Words a first row may hold when it is a header rather than a facility.
HEADER_WORDS = {
    "id",
    "facility",
    "facility id",
    "facility_id",
    "name",
    "facility name",
    "设施",
    "设施id",
    "设施编号",
    "编号",
    "名称",
    "设施名称",
}


def _decode_csv(raw):
    # Excel on Chinese Windows saves CSV as GB 18030; everything else is UTF-8 (maybe with BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest(_("The CSV file is neither UTF-8 nor GB 18030 text."))


def _first_column_of_csv(raw):
    text = _decode_csv(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(text), dialect):
        yield row[0] if row else ""


def _first_column_of_xlsx(file):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise BadRequest(_("The spreadsheet cannot be read; save it again as XLSX.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(max_col=1, values_only=True):
            value = row[0] if row else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            yield "" if value is None else str(value)
    finally:
        workbook.close()


def read_facility_list(file):
    """The facility ids or names in the first column of an uploaded CSV or XLSX file.

    Empty cells are ignored and a first row that reads like a header ("id", "name", "设施名称" …)
    is dropped. Raises BadRequest for another format, an unreadable or oversized file.
    """
    size = getattr(file, "size", None)
    if size is not None and size > MAX_LIST_FILE_SIZE:
        raise BadRequest(
            _("The list file is larger than %(limit)d MB.")
            % {"limit": MAX_LIST_FILE_SIZE // (1024 * 1024)}
        )
    suffix = Path(getattr(file, "name", "") or "").suffix.lower()
    file.seek(0)
    if suffix == ".csv":
        cells = _first_column_of_csv(file.read())
    elif suffix in (".xlsx", ".xlsm"):
        cells = _first_column_of_xlsx(file)
    else:
        raise BadRequest(_("Upload the list as a CSV or XLSX file."))
    labels = []
    for cell in cells:
        label = cell.strip()
        if not label:
            continue
        if not labels and label.lower() in HEADER_WORDS:
            continue
        labels.append(label)
        if len(labels) > MAX_LIST_ROWS:
            raise BadRequest(
                _("The list has more than %(limit)d rows; split it.") % {"limit": MAX_LIST_ROWS}
            )
    if not labels:
        raise BadRequest(_("The list file names no facility."))
    return labels


def resolve_facility_labels(labels):
    """Facility ids for a list of ids or names, and the (label, reason) pairs not resolved.

    A label of digits is a facility id; anything else must be the exact name of one facility
    (names are unique only within a region, so a name shared by several is ambiguous).
    """
    labels = list(dict.fromkeys(label.strip() for label in labels if label and label.strip()))
    numbers = {label: int(label) for label in labels if label.isdigit()}
    names = [label for label in labels if label not in numbers]
    known_ids = set(
        Facility.objects.filter(pk__in=set(numbers.values())).values_list("pk", flat=True)
    )
    ids_by_name = {}
    for pk, name in Facility.objects.filter(name__in=names).values_list("pk", "name"):
        ids_by_name.setdefault(name, []).append(pk)
    resolved, unresolved = [], []
    for label in labels:
        if label in numbers:
            if numbers[label] in known_ids:
                resolved.append(numbers[label])
            else:
                unresolved.append((label, SkipReason.UNKNOWN_FACILITY))
            continue
        matches = ids_by_name.get(label, [])
        if len(matches) == 1:
            resolved.append(matches[0])
        elif matches:
            unresolved.append((label, SkipReason.AMBIGUOUS_NAME))
        else:
            unresolved.append((label, SkipReason.UNKNOWN_FACILITY))
    return list(dict.fromkeys(resolved)), unresolved
