"""Uploaded files: what they really are, how big, their checksum, and whether a format accepts them.

The content type is sniffed from the bytes (magic numbers through the pure-Python `filetype`
library, plus a few text formats it does not know), never taken from the file name or the
browser's claim. Shared by digital-resource publishing and the offline bundle builder.
"""

import hashlib
from dataclasses import dataclass

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import BadRequest, DomainError

from .models import ResourceFormat

SNIFF_BYTES = 8192
CHUNK_SIZE = 1024 * 1024
OCTET_STREAM = "application/octet-stream"

PDF = "application/pdf"
ZIP = "application/zip"
HTML = "text/html"
TEXT = "text/plain"
DWG = "image/vnd.dwg"
DXF = "image/vnd.dxf"
SVG = "image/svg+xml"
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
CAD_TYPES = frozenset({DWG, DXF})
# image/* types that are not pictures a browser or Pillow shows (CAD drawings, scriptable SVG).
NOT_PICTURES = CAD_TYPES | {SVG}


# What a browser shows or plays without running script in it. Every other type (SVG, HTML,
# XML, office files, anything unknown) is served as an octet-stream attachment.
INERT_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        PDF,
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        ZIP,
        TEXT,
    }
)


def is_picture(content_type):
    return content_type.startswith("image/") and content_type not in NOT_PICTURES


def delivery(content_type, *, inline=False):
    """(Content-Type, as_attachment) to serve a stored file with: its own type, inline when
    asked, for inert types only; a script-capable or unknown type always downloads as bytes."""
    if content_type in INERT_TYPES:
        return content_type, not inline
    return OCTET_STREAM, True


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


class FileTooLarge(DomainError):
    status_code = 413
    default_message = gettext_lazy("The file is too large.")


class FileTypeMismatch(BadRequest):
    default_message = gettext_lazy("The file's content does not match the chosen format.")


class EmptyFile(BadRequest):
    default_message = gettext_lazy("The file is empty.")


@dataclass(frozen=True)
class FileInfo:
    size: int
    sha256: str
    content_type: str


def _sniff_text(head):
    """Text formats have no magic number: recognise HTML, SVG, DXF and plain UTF-8 text."""
    if b"\x00" in head:
        return None
    # A multi-byte character may be cut at the end of the sniffed window.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    text = text.lstrip("\ufeff \t\r\n")
    lowered = text[:1024].lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return HTML
    if lowered.startswith(("<svg", "<?xml")) and "<svg" in lowered:
        return SVG
    lines = [line.strip() for line in text.splitlines()[:2]]
    if lines == ["0", "SECTION"]:
        return DXF
    printable = sum(1 for char in text if char.isprintable() or char in "\t\r\n\f")
    if text and printable / len(text) > 0.95:
        return TEXT
    return None


def sniff_bytes(head):
    """The content type of a file whose first bytes are `head` (octet-stream when unknown)."""
    if not head:
        return OCTET_STREAM
    kind = filetype.guess(bytes(head))
    if kind is not None:
        return kind.mime
    return _sniff_text(head) or OCTET_STREAM


def _rewind(file):
    if hasattr(file, "seek"):
        file.seek(0)


def sniff_content_type(file):
    """Sniff an open Django File / file object from its first bytes; leaves it rewound."""
    _rewind(file)
    head = file.read(SNIFF_BYTES)
    _rewind(file)
    return sniff_bytes(head)


def digest(file):
    """(size in bytes, SHA-256 hex digest) of a file, read in chunks; leaves it rewound."""
    _rewind(file)
    sha = hashlib.sha256()
    size = 0
    chunks = (
        file.chunks(CHUNK_SIZE)
        if hasattr(file, "chunks")
        else iter(lambda: file.read(CHUNK_SIZE), b"")
    )
    for chunk in chunks:
        sha.update(chunk)
        size += len(chunk)
    _rewind(file)
    return size, sha.hexdigest()


def format_accepts(resource_format, content_type):
    accepts, _label = FORMAT_RULES.get(resource_format, FORMAT_RULES[ResourceFormat.OTHER])
    return accepts(content_type)


def check_size(size, max_size):
    if max_size is not None and size > max_size:
        raise FileTooLarge(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_size)}
        )


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


def check_picture(file, *, max_size=None):
    """Refuse a cover image that is not a picture Pillow can open."""
    from PIL import Image, UnidentifiedImageError

    declared_size = getattr(file, "size", None)
    if declared_size is not None:
        check_size(declared_size, max_size)
    content_type = sniff_content_type(file)
    if not is_picture(content_type):
        raise FileTypeMismatch(
            _("The cover must be an image (JPEG, PNG, GIF or WebP); this file is %(found)s.")
            % {"found": content_type}
        )
    try:
        with Image.open(file) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise FileTypeMismatch(_("The cover image cannot be read.")) from exc
    finally:
        _rewind(file)
    return content_type
