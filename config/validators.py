"""Model field validators, importable from any app's models without import cycles."""

from django.conf import settings
from django.core.exceptions import ValidationError

from .files import EmptyFile, FileTooLarge, FileTypeMismatch, check_picture


def validate_picture(file):
    """Uploaded pictures (campaign banners, kit photos) must be images within the size limit.

    New uploads must be an image Pillow can read, within PHOTO_MAX_UPLOAD_SIZE; files already
    stored were checked when they came in and are not read again.
    """
    if getattr(file, "_committed", False):
        return
    try:
        check_picture(file, max_size=settings.PHOTO_MAX_UPLOAD_SIZE)
    except (FileTooLarge, FileTypeMismatch, EmptyFile) as error:
        raise ValidationError(str(error.message)) from error
