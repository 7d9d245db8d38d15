"""Checking, cleaning and thumbnailing uploaded pictures with Pillow, for every app.

Nothing here touches storage or the database: `clean_photo` turns an uploaded file into clean
image bytes (or refuses it with a reason a person can act on), `render_thumbnail` turns stored
image bytes into a small JPEG (activity photos, digital resources and their covers).

An upload is refused unless it is a real JPEG, PNG or WebP image within the size limit
(settings.PHOTO_MAX_UPLOAD_SIZE) and the pixel limit (settings.PHOTO_MAX_PIXELS). The pixel
count is checked from the header, before any pixel is decoded, so a decompression bomb (a tiny
file that expands to gigabytes) never gets decoded; Pillow's own DecompressionBombWarning and
DecompressionBombError are refusals too. Accepted images are turned upright by their EXIF
orientation and re-encoded from their pixels alone: EXIF (GPS position, camera serial), XMP and
text chunks are dropped; only the colour profile is kept.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadRequest

# Pillow format name → (format written, file extension, content type).
OUTPUT_BY_FORMAT = {
    "JPEG": ("JPEG", ".jpg", "image/jpeg"),
    "MPO": ("JPEG", ".jpg", "image/jpeg"),  # multi-picture JPEG from phone cameras
    "PNG": ("PNG", ".png", "image/png"),
    "WEBP": ("WEBP", ".webp", "image/webp"),
}
READABLE_FORMATS = ["JPEG", "PNG", "WEBP"]
THUMBNAIL_SIZE = (480, 480)
JPEG_QUALITY = 88
THUMBNAIL_QUALITY = 80


class InvalidImage(BadRequest):
    """An upload that is not an acceptable photo; the message says why."""

    default_message = _("The file is not an acceptable photo.")


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int


def _not_an_image():
    return InvalidImage(_("The file is not a JPEG, PNG or WebP image."))


def _too_many_pixels(width, height, limit):
    return InvalidImage(
        _("The image is %(width)s × %(height)s pixels; at most %(limit)s pixels are allowed.")
        % {"width": width, "height": height, "limit": f"{limit:,}"}
    )


def _bomb(limit):
    return InvalidImage(
        _("The image has far too many pixels; at most %(limit)s pixels are allowed.")
        % {"limit": f"{limit:,}"}
    )


def _open_checked(fileobj, max_pixels):
    """Open and decode the image, refusing bombs by their header before decoding pixels."""
    with warnings.catch_warnings():
        # Pillow warns (rather than raises) between MAX_IMAGE_PIXELS and twice that: refuse too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(fileobj, formats=READABLE_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb(max_pixels) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _not_an_image() from None
        width, height = image.size
        if image.format not in OUTPUT_BY_FORMAT or width < 1 or height < 1:
            raise _not_an_image()
        if width * height > max_pixels:
            raise _too_many_pixels(width, height, max_pixels)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb(max_pixels) from None
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
            raise InvalidImage(_("The image file is damaged or incomplete.")) from None
    return image


def _normalise_mode(image, output_format):
    """A mode the output format stores faithfully; transparency becomes an alpha channel."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if output_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def clean_photo(upload):
    """Check an uploaded photo and return it upright and re-encoded without metadata.

    Raises InvalidImage with the reason when the upload is not a JPEG, PNG or WebP image, is
    too large in bytes or pixels, or cannot be decoded completely.
    """
    max_size = settings.PHOTO_MAX_UPLOAD_SIZE
    size = getattr(upload, "size", None)
    if size is not None and size > max_size:
        raise InvalidImage(
            _("The file is %(size)s; photos may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_size)}
        )
    if not size:
        raise InvalidImage(_("The file is empty."))
    upload.seek(0)
    source = _open_checked(upload, settings.PHOTO_MAX_PIXELS)
    output_format, extension, content_type = OUTPUT_BY_FORMAT[source.format]
    icc_profile = source.info.get("icc_profile")

    upright = ImageOps.exif_transpose(source)
    clean = _normalise_mode(upright, output_format)
    # Drop everything Pillow carried over from the file (EXIF, XMP, comments, text chunks).
    clean.info = {}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif output_format == "WEBP":
        options.update(quality=JPEG_QUALITY)
    buffer = io.BytesIO()
    clean.save(buffer, format=output_format, **options)
    return CleanImage(
        content=buffer.getvalue(),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
    )


def render_thumbnail(fileobj, size=THUMBNAIL_SIZE, *, formats=READABLE_FORMATS, max_pixels=None):
    """A JPEG no larger than `size`, upright, transparency flattened onto white.

    `formats` are the Pillow formats it may decode (None: all it knows), for images that
    clean_photo did not check. Raises InvalidImage above `max_pixels` pixels, read from the
    header before any pixel is decoded; Pillow's own errors (OSError and the like) propagate.
    """
    with Image.open(fileobj, formats=formats) as image:
        width, height = image.size
        if max_pixels is not None and width * height > max_pixels:
            raise _too_many_pixels(width, height, max_pixels)
        image.draft("RGB", size)  # JPEG decodes at a reduced scale: much less memory
        image = ImageOps.exif_transpose(image)
        image.thumbnail(size, Image.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return buffer.getvalue()
