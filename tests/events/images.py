"""Image files for the photo tests, built in memory with Pillow (or by hand for the bomb)."""

import io
import os
import struct
import zlib

from PIL import ExifTags, Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)

GPS_POSITION = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (50.0, 14.0, 42.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (127.0, 31.0, 7.0),
}


def two_colour_image(size=(400, 200)):
    """Left half red, right half blue: rotation shows in where the colours end up."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_bytes(size=(400, 200), exif=None, quality=95):
    buffer = io.BytesIO()
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    two_colour_image(size).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def camera_exif(orientation=6):
    """EXIF as a phone writes it: an orientation, a camera, and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "KepuCam"
    exif[ExifTags.Base.Model] = "Serial 123456"
    exif[ExifTags.IFD.GPSInfo] = GPS_POSITION
    return exif


def jpeg_with_gps(orientation=6):
    return jpeg_bytes(exif=camera_exif(orientation))


def noisy_jpeg_bytes(size=(600, 400)):
    """Random pixels compress badly: a photo-sized file from a small image."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def png_bytes(size=(64, 48), mode="RGBA", colour=(0, 128, 0, 128)):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def webp_bytes(size=(64, 48)):
    buffer = io.BytesIO()
    two_colour_image(size).save(buffer, "WEBP")
    return buffer.getvalue()


def gif_bytes(size=(20, 20)):
    buffer = io.BytesIO()
    two_colour_image(size).save(buffer, "GIF")
    return buffer.getvalue()


def truncated_jpeg():
    data = jpeg_bytes(size=(800, 600))
    return data[: len(data) // 2]


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<rect width="100" height="100" fill="red"/></svg>'
)
TEXT = b"This is a plain text file that someone renamed to photo.jpg.\n" * 20


def _png_chunk(tag, body):
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_bomb(width=20000, height=20000):
    """A valid 1-bit PNG of width × height black pixels: ~50 KB on disk, 400 M pixels decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows_per_step = 100
    parts = [compressor.compress(row * rows_per_step) for _ in range(height // rows_per_step)]
    parts.append(compressor.compress(row * (height % rows_per_step)))
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def is_close(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))
