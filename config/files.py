"""Uploaded files: what they really are, how big, their checksum, and how to serve them.

The content type is sniffed from the bytes (magic numbers through the pure-Python `filetype`
library, plus a few text formats it does not know), never taken from the file name or the
browser's claim. Nothing here imports a model, so any app's models and validators can use it.
"""

import hashlib

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from .errors import BadRequest, DomainError

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


class FileTooLarge(DomainError):
    status_code = 413
    default_message = gettext_lazy("The file is too large.")


class FileTypeMismatch(BadRequest):
    default_message = gettext_lazy("The file's content does not match the chosen format.")


class EmptyFile(BadRequest):
    default_message = gettext_lazy("The file is empty.")


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


def check_size(size, max_size):
    if max_size is not None and size > max_size:
        raise FileTooLarge(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_size)}
        )


def check_picture(file, *, max_size=None):
    """Refuse a picture (a cover, a banner, a kit photo) that Pillow cannot open."""
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
