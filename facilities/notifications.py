"""Mail to people about what happened to their facility's work.

Mail never goes out inside a request: `notify` renders the message now (in the language that
is active) and queues one Celery task per message batch after the transaction commits, so a
slow or failing mail server never slows or breaks the action that caused it.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string

from config.tasks import send_task_on_commit

from .models import Membership, ProvincialCoordinator

BATCH_SIZE = 100


def facility_staff_emails(facility_ids):
    """Addresses of everyone working for the given facilities."""
    return sorted(
        set(
            Membership.objects.filter(facility_id__in=facility_ids, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def reviewer_emails(province_code):
    """Addresses of the coordinators of a province and of the national administrators."""
    User = get_user_model()
    coordinator_ids = ProvincialCoordinator.objects.filter(province_id=province_code).values(
        "user_id"
    )
    users = User.objects.filter(Q(pk__in=coordinator_ids) | Q(is_superuser=True), is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def notify(*, emails, template, context):
    """Queue a mail rendered from `<template>_subject.txt` and `<template>_body.txt`."""
    emails = [e for e in emails if e]
    if not emails:
        return
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)

    for start in range(0, len(emails), BATCH_SIZE):
        send_task_on_commit(
            "facilities.tasks.send_mail_batch", subject, body, emails[start : start + BATCH_SIZE]
        )
