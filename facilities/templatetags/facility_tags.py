"""Template helpers of the facilities pages."""

from django import template

from ..roles import get_scope

register = template.Library()


@register.filter
def minutes(duration):
    """Whole minutes of a timedelta (at least one), for messages such as the lockout page."""
    if not duration:
        return 0
    return max(1, round(duration.total_seconds() / 60))


@register.simple_tag
def facility_scope(user):
    """The user's scope (facility ids, coordinated provinces, admin flag) for templates."""
    return get_scope(user)
