"""Template helpers of the digital catalogue, for pages of other apps (the home page)."""

from django import template

from ..models import DigitalResource

register = template.Library()


@register.simple_tag
def newest_resources(user, n=4):
    """The `n` newest published resources `user` may download, newest first."""
    newest = DigitalResource.objects.downloadable_by(user).order_by("-published_at", "-id")
    return list(newest.select_related("category")[: int(n)])
