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
