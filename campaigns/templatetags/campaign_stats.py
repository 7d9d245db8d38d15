"""Template helpers for coverage figures: `{% campaign_stats campaign as stats %}`."""

from django import template

from facilities.roles import get_scope

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
