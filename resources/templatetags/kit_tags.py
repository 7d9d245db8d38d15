"""Template helpers of the kit pages (the navigation links depend on the user's role)."""

from django import template

from facilities.roles import get_scope

register = template.Library()


@register.simple_tag
def kit_scope(user):
    """The user's role scope (cached on the user), for showing the links they can use."""
    return get_scope(user)


@register.filter
def overdue(kit_request):
    """Shipped and not confirmed within KIT_RECEIPT_CHASE_DAYS (no query)."""
    from ..services.allotments import is_overdue

    return is_overdue(kit_request)
