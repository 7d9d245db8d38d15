"""Template helpers of the digital catalogue, for pages of other apps (the home page)."""

from django import template

from ..services.digital import downloadable

register = template.Library()


@register.simple_tag
def newest_resources(user, n=4):
    """The `n` newest published resources `user` may download, newest first."""
    return list(
        downloadable(user).select_related("category").order_by("-published_at", "-id")[: int(n)]
    )
