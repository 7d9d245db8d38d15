"""Template helpers of the activities app, for pages of other apps (the campaign page)."""

from django import template

from resources.models import DigitalResource

from ..models import Activity

register = template.Library()


def latest_verified(campaign, n=6):
    """The `n` newest verified activities of a campaign, photos loaded in one extra query."""
    if campaign is None:
        return []
    return list(
        Activity.objects.verified()
        .filter(campaign=campaign)
        .with_photos()
        .order_by("-starts_at", "-id")[: int(n)]
    )


@register.simple_tag
def latest_activities(campaign, n=6):
    """`{% latest_activities campaign 6 as activities %}{% include "events/_latest.html" %}`"""
    return latest_verified(campaign, n)


@register.inclusion_tag("events/_latest.html", takes_context=True)
def show_latest_activities(context, campaign, n=6):
    """The latest-activities section in one tag: `{% show_latest_activities campaign 6 %}`."""
    return {
        "activities": latest_verified(campaign, n),
        "campaign": campaign,
        "request": context.get("request"),
    }


@register.simple_tag(takes_context=True)
def resources_used_visible(context, activity):
    """The digital resources an activity used that the reader may see."""
    request = context.get("request")
    user = request.user if request is not None else None
    return list(
        DigitalResource.objects.visible_to(user).filter(activities=activity).order_by("title", "id")
    )


@register.filter
def photo_srcset(photo):
    """`srcset` of an activity photo: its thumbnail and the full picture, each with its width,
    so that phones load the small one and wide screens the sharp one. Empty when there is no
    choice to make (no thumbnail yet, or a picture no larger than its thumbnail)."""
    from config.images import THUMBNAIL_SIZE

    if not (photo.width and photo.height and photo.thumbnail):
        return ""
    scale = min(THUMBNAIL_SIZE[0] / photo.width, THUMBNAIL_SIZE[1] / photo.height)
    if scale >= 1:
        return ""
    width = max(round(photo.width * scale), 1)
    return f"{photo.thumbnail.url} {width}w, {photo.image.url} {photo.width}w"
