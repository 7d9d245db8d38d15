"""What each digital-resource format accepts, and the check of an upload before publishing.

Sniffing, checksums and size limits are config.files; this adds the rules that need
ResourceFormat. Shared by digital-resource publishing, its forms and the API.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.files import (
    CAD_TYPES,
    HTML,
    PDF,
    TEXT,
    ZIP,
    EmptyFile,
    FileTypeMismatch,
    check_size,
    digest,
    is_picture,
    sniff_content_type,
)

from ..models import ResourceFormat

OFFICE_TYPES = frozenset(
    {
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
        "application/rtf",
        "application/epub+zip",
    }
)
PRESENTATION_TYPES = frozenset(
    {
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
    }
)

# What each format accepts, and how the refusal message names it.
FORMAT_RULES = {
    ResourceFormat.IMAGE: (is_picture, gettext_lazy("images (JPEG, PNG, GIF, WebP …)")),
    ResourceFormat.VIDEO: (
        lambda ct: ct.startswith("video/"),
        gettext_lazy("videos (MP4, WebM …)"),
    ),
    ResourceFormat.AUDIO: (
        lambda ct: ct.startswith("audio/"),
        gettext_lazy("audio (MP3, WAV, AAC …)"),
    ),
    ResourceFormat.DOCUMENT: (
        lambda ct: ct in OFFICE_TYPES or ct in {PDF, TEXT},
        gettext_lazy("PDF, plain text and office documents"),
    ),
    ResourceFormat.COURSEWARE: (
        lambda ct: ct in PRESENTATION_TYPES or ct in {PDF, ZIP, HTML},
        gettext_lazy("presentations (PPTX, PPT, ODP), PDF, ZIP and HTML"),
    ),
    ResourceFormat.EXHIBIT_DESIGN: (
        lambda ct: is_picture(ct) or ct in CAD_TYPES or ct in {PDF, ZIP},
        gettext_lazy("PDF, images, ZIP and CAD drawings (DWG, DXF)"),
    ),
    ResourceFormat.OTHER: (lambda ct: True, gettext_lazy("any file")),
}


@dataclass(frozen=True)
class FileInfo:
    size: int
    sha256: str
    content_type: str


def format_accepts(resource_format, content_type):
    accepts, _label = FORMAT_RULES.get(resource_format, FORMAT_RULES[ResourceFormat.OTHER])
    return accepts(content_type)


def check_format(resource_format, content_type):
    """Raise FileTypeMismatch, naming what was found and what is accepted, on a mismatch."""
    if format_accepts(resource_format, content_type):
        return
    _accepts, accepted = FORMAT_RULES[resource_format]
    raise FileTypeMismatch(
        _(
            "This file's content is %(found)s, which the format “%(format)s” does not accept "
            "(it accepts %(accepted)s). Choose the matching format or upload another file."
        )
        % {
            "found": content_type,
            "format": ResourceFormat(resource_format).label,
            "accepted": accepted,
        }
    )


def inspect_upload(file, *, resource_format, max_size=None):
    """Size, checksum and sniffed content type of an upload, refused when it cannot be published.

    Raises FileTooLarge (413) above `max_size`, EmptyFile, or FileTypeMismatch when the bytes
    are not what `resource_format` accepts. Nothing is written anywhere.
    """
    declared_size = getattr(file, "size", None)
    if declared_size is not None:
        check_size(declared_size, max_size)
    content_type = sniff_content_type(file)
    check_format(resource_format, content_type)
    size, sha256 = digest(file)
    if size == 0:
        raise EmptyFile(_("The file is empty."))
    check_size(size, max_size)
    return FileInfo(size=size, sha256=sha256, content_type=content_type)
