"""State changes of campaign participation: apply, approve, withdraw, award the flag.

Portal pages, admin actions and API actions all call these functions. Who may act is checked
here (NotAllowed, 403); the doors look objects up through `visible_to` so that what a user may
not see is a 404 before it gets here.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import BadRequest, InvalidTransition, NotAllowed
from facilities.models import FacilityStatus
from facilities.notifications import facility_staff_emails, notify, reviewer_emails
from facilities.roles import get_scope

from .models import Campaign, CampaignStatus, Participation, ParticipationStatus


def can_apply(user, facility):
    scope = get_scope(user)
    return scope.is_admin or scope.belongs_to(facility.pk)


def can_withdraw(user, participation):
    return can_apply(user, participation.facility)


def can_decide_participation(user):
    """Participation is approved, and flags are awarded, by national administrators."""
    return get_scope(user).is_admin


@transaction.atomic
def apply_to_campaign(*, campaign, facility, by):
    """An approved facility applies to an active campaign; the answer is an `applied` row.

    A facility takes part in a campaign once: a second application is refused (409), one
    that was withdrawn may apply again.
    """
    if not can_apply(by, facility):
        raise NotAllowed(_("Only the staff of a facility can apply for it."))
    if facility.status != FacilityStatus.APPROVED:
        raise InvalidTransition(
            _("%(facility)s is not approved yet; approved facilities can take part.")
            % {"facility": facility.name}
        )
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.ACTIVE:
        raise InvalidTransition(
            _("“%(campaign)s” does not take applications (it is %(status)s).")
            % {"campaign": campaign.title, "status": campaign.get_status_display()}
        )
    existing = (
        Participation.objects.select_for_update()
        .filter(campaign=campaign, facility=facility)
        .first()
    )
    if existing is not None and existing.status != ParticipationStatus.WITHDRAWN:
        raise InvalidTransition(
            _("%(facility)s has already applied to this campaign (%(status)s).")
            % {"facility": facility.name, "status": existing.get_status_display()}
        )
    now = timezone.now()
    if existing is not None:
        existing.status = ParticipationStatus.APPLIED
        existing.applied_at = now
        existing.applied_by = by
        existing.approved_at = None
        existing.approved_by = None
        existing.save()
        participation = existing
    else:
        try:
            with transaction.atomic():
                participation = Participation.objects.create(
                    campaign=campaign, facility=facility, applied_by=by
                )
        except IntegrityError as exc:  # a concurrent application won the race
            raise InvalidTransition(
                _("%(facility)s has already applied to this campaign.")
                % {"facility": facility.name}
            ) from exc
    notify(
        emails=reviewer_emails(facility.province_id),
        template="campaigns/mail/applied",
        context={"participation": participation, "campaign": campaign, "facility": facility},
    )
    return participation


def _locked(participation):
    return (
        Participation.objects.select_for_update()
        .select_related("campaign", "facility")
        .get(pk=participation.pk)
    )


@transaction.atomic
def approve_participation(*, participation, by):
    """applied → approved, by an administrator; the facility's staff are told by mail."""
    if not can_decide_participation(by):
        raise NotAllowed(_("Participation is approved by a national administrator."))
    participation = _locked(participation)
    if participation.status != ParticipationStatus.APPLIED:
        raise InvalidTransition(
            _("Only an application can be approved; this one is %(status)s.")
            % {"status": participation.get_status_display()}
        )
    participation.status = ParticipationStatus.APPROVED
    participation.approved_at = timezone.now()
    participation.approved_by = by
    participation.save(update_fields=["status", "approved_at", "approved_by"])
    notify(
        emails=facility_staff_emails([participation.facility_id]),
        template="campaigns/mail/approved",
        context={"participation": participation, "campaign": participation.campaign},
    )
    return participation


@transaction.atomic
def withdraw_participation(*, participation, by):
    """applied or approved → withdrawn, by the facility or an administrator.

    A unit that received the flag stays on the record: its participation cannot be withdrawn.
    """
    if not can_withdraw(by, participation):
        raise NotAllowed(_("Only the facility's staff or an administrator can withdraw it."))
    participation = _locked(participation)
    if participation.status == ParticipationStatus.WITHDRAWN:
        raise InvalidTransition(_("This participation is already withdrawn."))
    if participation.flag_awarded_at is not None:
        raise InvalidTransition(
            _("This unit received the joint-action flag; its participation cannot be withdrawn.")
        )
    participation.status = ParticipationStatus.WITHDRAWN
    participation.save(update_fields=["status"])
    return participation


@transaction.atomic
def award_flag(*, participation, by, ceremony=None, awarded_at=None):
    """Record that an approved participant received the joint-action flag, when and where.

    `ceremony`, when given, is an activity of the same campaign (usually its launch ceremony).
    """
    if not can_decide_participation(by):
        raise NotAllowed(_("The joint-action flag is awarded by a national administrator."))
    participation = _locked(participation)
    if participation.status != ParticipationStatus.APPROVED:
        raise InvalidTransition(
            _("Only approved participants receive the flag; this one is %(status)s.")
            % {"status": participation.get_status_display()}
        )
    if participation.flag_awarded_at is not None:
        raise InvalidTransition(_("This unit has already received the flag."))
    if ceremony is not None and ceremony.campaign_id != participation.campaign_id:
        raise BadRequest(_("The ceremony must be an activity of the same campaign."))
    participation.flag_awarded_at = awarded_at or (ceremony.starts_at if ceremony else None)
    participation.flag_awarded_at = participation.flag_awarded_at or timezone.now()
    participation.flag_awarded_by = by
    participation.flag_ceremony = ceremony
    participation.save(update_fields=["flag_awarded_at", "flag_awarded_by", "flag_ceremony"])
    notify(
        emails=facility_staff_emails([participation.facility_id]),
        template="campaigns/mail/flag_awarded",
        context={"participation": participation, "campaign": participation.campaign},
    )
    return participation


@transaction.atomic
def save_campaign(*, campaign, by):
    """Create or change a campaign (administrators only); the model checks the dates."""
    if not get_scope(by).is_admin:
        raise NotAllowed(_("Campaigns are created and edited by national administrators."))
    campaign.full_clean()
    campaign.save()
    return campaign
