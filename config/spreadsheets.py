"""Spreadsheet exports that never carry a live formula.

Anyone who signs up can name a facility `=HYPERLINK(...)`; a spreadsheet program opening an
export would run it for the administrator. Every CSV and XLSX the platform writes (pages,
dashboard, distributions, the admin's import-export) goes through this module: a text cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
advice for CSV injection), and XLSX text cells are always written as strings.
"""

import csv
import io

from django.http import HttpResponse
from django.utils.functional import Promise
from import_export import resources
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Lets spreadsheet programs read the Chinese names of a CSV as UTF-8.
BYTE_ORDER_MARK = "\ufeff"
SHEET_TITLE_LENGTH = 31


def cell_text(value):
    """An imported cell as text: spreadsheets give numbers for codes (230000 or 230000.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def neutralise(value):
    """The cell value to write: text that a spreadsheet would read as a formula gets a `'`."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(row):
    return [neutralise(value) for value in row]


class SafeCSVWriter:
    """csv.writer whose rows are neutralised; writerow returns what the target's write did."""

    def __init__(self, target, **options):
        self._writer = csv.writer(target, **options)

    def writerow(self, row):
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_text(rows):
    """Rows (headers first) as CSV text with a byte order mark."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    SafeCSVWriter(buffer).writerows(rows)
    return buffer.getvalue()


def _cell(sheet, value, font=None):
    value = neutralise(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store text starting with "=" as a formula
    if font is not None:
        cell.font = font
    return cell


def xlsx_bytes(sheets):
    """An XLSX workbook of `sheets`, (title, rows) pairs whose first row is the bold header."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:SHEET_TITLE_LENGTH])
        for index, row in enumerate(rows):
            font = bold if index == 0 else None
            sheet.append([_cell(sheet, value, font) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dataset_rows(dataset):
    return [list(dataset.headers or ()), *(list(row) for row in dataset)]


def export_dataset(dataset, file_format, *, title="Sheet1"):
    """A tablib Dataset as CSV text (`csv`) or XLSX bytes (`xlsx`), neutralised."""
    if file_format == "csv":
        return csv_text(dataset_rows(dataset))
    if file_format == "xlsx":
        return xlsx_bytes([(dataset.title or title, dataset_rows(dataset))])
    raise ValueError(f"unknown spreadsheet format {file_format!r}")


class SafeExportResource(resources.ModelResource):
    """Base of every django-import-export resource that exports: each exported cell and
    header is neutralised, so the admin's CSV and XLSX downloads carry no formula either."""

    def get_export_headers(self, selected_fields=None):
        return neutralise_row(super().get_export_headers(selected_fields=selected_fields))

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields=selected_fields, **kwargs)
        return neutralise_row(row)


EXPORT_FORMATS = {
    "csv": (CSV_CONTENT_TYPE, "csv"),
    "xlsx": (XLSX_CONTENT_TYPE, "xlsx"),
}


def export_response(resource, queryset, file_format, filename):
    """An attachment with the queryset exported as CSV (UTF-8 with BOM, for Excel) or XLSX;
    no cell of either can be a formula (config.spreadsheets)."""
    content_type, extension = EXPORT_FORMATS[file_format]
    dataset = resource.export(queryset=queryset)
    content = export_dataset(dataset, file_format, title=filename)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response
