"""Template helpers for coverage figures: `{% campaign_stats campaign as stats %}`."""

from django import template

from facilities.roles import get_scope

from ..impact import kit_impact, resource_impact
from ..stats import get_campaign_stats

register = template.Library()


@register.simple_tag
def campaign_stats(campaign):
    """The campaign's public figures (cached), or None without a campaign."""
    if campaign is None:
        return None
    return get_campaign_stats(campaign=campaign)


@register.filter
def can_see_dashboard(user):
    """National administrators and provincial coordinators read the dashboard."""
    return get_scope(user).is_reviewer


@register.simple_tag
def impact_of_kit(kit):
    """{activities, audience, provinces, counties …} reached by the kit's verified uses."""
    return kit_impact(kit)


@register.simple_tag
def impact_of_resource(resource):
    """The same for a digital resource."""
    return resource_impact(resource)
