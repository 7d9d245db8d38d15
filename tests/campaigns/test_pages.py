"""Campaign pages: the public page, applying, administrators' campaign and participant pages."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from campaigns.models import Campaign, Participation, ParticipationStatus
from events.models import ActivityKind
from facilities.models import Facility
from tests import factories


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory(
        slug="health-2022",
        title="践行二十大 健康享未来",
        host="中国科学技术馆",
        launch_place="黑龙江省黑河市",
    )


def participants(campaign, region, count, **kwargs):
    start = Facility.objects.count()
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"{region.name}单位 {start + n:03d}",
            kind="mobile_museum",
            level="county",
            status="approved",
            region=region,
            province_id=region.province_code,
        )
        for n in range(count)
    )
    return Participation.objects.bulk_create(
        Participation(campaign=campaign, facility=facility, **kwargs) for facility in facilities
    )


@pytest.mark.django_db
def test_public_page_groups_participants_by_province_and_lists_flag_recipients(
    world, campaign, client
):
    ceremony = factories.ActivityFactory(
        campaign=campaign,
        facility=world.facility_a,
        kind=ActivityKind.LAUNCH_CEREMONY,
        title="黑河启动仪式",
    )
    factories.ParticipationFactory(
        campaign=campaign,
        facility=world.facility_a,
        flag_awarded_at=datetime.datetime(2022, 8, 26, 10, tzinfo=datetime.UTC),
        flag_ceremony=ceremony,
    )
    factories.ParticipationFactory(campaign=campaign, facility=world.facility_b)
    applied = factories.FacilityFactory(name="还在申请的单位", region=world.county_a)
    factories.ParticipationFactory(
        campaign=campaign, facility=applied, status=ParticipationStatus.APPLIED
    )

    response = client.get(reverse("campaign-detail", args=[campaign.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert campaign.title in page and "中国科学技术馆" in page and "黑龙江省黑河市" in page
    groups = [
        (province.name, [p.facility.name for p in rows])
        for province, rows in response.context["participants_by_province"]
    ]
    assert groups == [("北京市", [world.facility_b.name]), ("黑龙江省", [world.facility_a.name])]
    assert [p.facility for p in response.context["flag_recipients"]] == [world.facility_a]
    assert "黑河启动仪式" in page
    assert applied.name not in page
    assert 'data-figure="facilities_participating"' in page  # the live figures block


@pytest.mark.django_db
def test_public_page_runs_a_constant_number_of_queries(world, campaign, client):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("campaign-detail", args=[campaign.slug])).status_code == 200
        return len(queries)

    participants(campaign, world.county_a, 5, status="approved")
    small = measure()
    participants(campaign, world.county_b, 80, status="approved")
    from django.core.cache import cache

    cache.clear()
    assert measure() == small


@pytest.mark.django_db
def test_drafts_are_only_for_administrators(world, client):
    draft = factories.CampaignFactory(slug="next-year", status="draft")
    assert client.get(reverse("campaign-detail", args=[draft.slug])).status_code == 404
    assert draft.title not in client.get(reverse("campaign-list")).content.decode()
    client.force_login(world.admin)
    assert client.get(reverse("campaign-detail", args=[draft.slug])).status_code == 200


@pytest.mark.django_db
def test_facility_staff_apply_from_the_campaign_page(world, campaign, client):
    client.force_login(world.staff_a)
    response = client.get(reverse("campaign-detail", args=[campaign.slug]))
    assert response.context["apply_form"] is not None
    response = client.post(
        reverse("campaign-apply", args=[campaign.slug]), {"facility": world.facility_a.pk}
    )
    assert response.status_code == 302
    participation = Participation.objects.get(campaign=campaign, facility=world.facility_a)
    assert participation.status == "applied" and participation.applied_by == world.staff_a
    response = client.get(reverse("campaign-detail", args=[campaign.slug]))
    assert "apply_form" not in response.context
    assert 'data-participation-status="applied"' in response.content.decode()

    # Applying for another facility is refused.
    client.post(reverse("campaign-apply", args=[campaign.slug]), {"facility": world.facility_b.pk})
    assert not Participation.objects.filter(facility=world.facility_b).exists()


@pytest.mark.django_db
def test_administrators_create_and_edit_campaigns_with_a_banner(world, client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(image, "PNG")
    data = {
        "title": "2023 联合行动",
        "slug": "joint-action-2023",
        "theme": "科学普及",
        "host": "中国科学技术馆",
        "description": "说明",
        "launch_place": "",
        "starts_on": "2023-08-01",
        "ends_on": "2023-07-01",
        "status": "active",
    }
    client.force_login(world.staff_a)
    assert client.get(reverse("campaign-create")).status_code == 403
    client.force_login(world.admin)
    response = client.post(reverse("campaign-create"), data)
    assert response.status_code == 200 and "ends_on" in response.context["form"].errors
    banner = SimpleUploadedFile("banner.png", image.getvalue(), content_type="image/png")
    response = client.post(
        reverse("campaign-create"), {**data, "ends_on": "2023-12-31", "banner": banner}
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="joint-action-2023")
    assert campaign.banner.name.startswith("campaigns/banners/")
    page = client.get(reverse("campaign-detail", args=[campaign.slug])).content.decode()
    assert 'class="campaign-banner"' in page and "alt=" in page

    response = client.post(
        reverse("campaign-edit", args=[campaign.slug]), {**data, "ends_on": "", "status": "closed"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "closed" and campaign.ends_on is None


@pytest.mark.django_db
def test_administrators_approve_and_award_flags_on_the_participants_page(
    world, campaign, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    ceremony = factories.ActivityFactory(
        campaign=campaign,
        facility=world.facility_a,
        kind=ActivityKind.LAUNCH_CEREMONY,
        title="启动仪式",
    )
    participation = factories.ParticipationFactory(
        campaign=campaign, facility=world.facility_a, status=ParticipationStatus.APPLIED
    )
    client.force_login(world.admin)
    url = reverse("campaign-participants", args=[campaign.slug])
    page = client.get(url).content.decode()
    assert reverse("participation-action", args=[participation.pk, "approve"]) in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("participation-action", args=[participation.pk, "approve"]), {"next": url}
        )
        client.post(
            reverse("participation-action", args=[participation.pk, "award-flag"]),
            {"ceremony": ceremony.pk, "next": url},
        )
    participation.refresh_from_db()
    assert participation.status == "approved" and participation.approved_by == world.admin
    assert participation.flag_ceremony == ceremony
    assert participation.flag_awarded_at == ceremony.starts_at
    assert participation.flag_awarded_by == world.admin
    assert {tuple(m.to) for m in mail.outbox} == {(world.staff_a.email,)}
    assert len(mail.outbox) == 2

    # Coordinators follow their province's participants but do not decide.
    client.force_login(world.coordinator_a)
    response = client.get(url)
    assert response.status_code == 200 and not response.context["is_admin"]
    client.force_login(world.staff_a)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_participants_page_runs_a_constant_number_of_queries(world, campaign, client):
    client.force_login(world.admin)
    factories.ActivityFactory(
        campaign=campaign, facility=world.facility_a, kind=ActivityKind.LAUNCH_CEREMONY
    )
    url = reverse("campaign-participants", args=[campaign.slug])

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    participants(campaign, world.county_a, 4, status="applied")
    small = measure()
    participants(campaign, world.county_b, 40, status="approved")
    assert measure() == small


@pytest.mark.django_db
def test_participation_admin_actions(world, campaign, client):
    applied = factories.ParticipationFactory(
        campaign=campaign, facility=world.facility_a, status=ParticipationStatus.APPLIED
    )
    client.force_login(world.admin)
    changelist = reverse("admin:campaigns_participation_changelist")
    client.post(changelist, {"action": "approve_participations", "_selected_action": [applied.pk]})
    client.post(changelist, {"action": "award_flags", "_selected_action": [applied.pk]})
    applied.refresh_from_db()
    assert applied.status == "approved" and applied.flag_awarded_at is not None
    response = client.post(
        changelist,
        {"action": "withdraw_participations", "_selected_action": [applied.pk]},
        follow=True,
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    applied.refresh_from_db()
    assert applied.status == "approved"  # a flag holder stays on the record


@pytest.mark.django_db
def test_withdrawn_facilities_may_apply_again(world, campaign):
    from campaigns import services

    participation = services.apply_to_campaign(
        campaign=campaign, facility=world.facility_a, by=world.staff_a
    )
    services.withdraw_participation(participation=participation, by=world.staff_a)
    again = services.apply_to_campaign(
        campaign=campaign, facility=world.facility_a, by=world.staff_a
    )
    assert again.pk == participation.pk and again.status == "applied"


@pytest.mark.django_db
def test_closed_campaigns_take_no_applications(world):
    from campaigns import services
    from config.errors import InvalidTransition

    closed = factories.CampaignFactory(status="closed")
    with pytest.raises(InvalidTransition):
        services.apply_to_campaign(campaign=closed, facility=world.facility_a, by=world.staff_a)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changelist",
    ["admin:campaigns_participation_changelist", "admin:campaigns_campaign_changelist"],
)
def test_admin_changelists_run_a_constant_number_of_queries(world, campaign, client, changelist):
    client.force_login(world.admin)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(changelist)).status_code == 200
        return len(queries)

    participants(campaign, world.county_a, 3, status="applied")
    small = measure()
    for _ in range(5):
        participants(factories.CampaignFactory(), world.county_b, 10, status="approved")
    assert measure() == small


@pytest.mark.django_db
def test_coordinators_participants_page_and_export_list_only_their_provinces(
    world, campaign, client
):
    participants(campaign, world.county_a, 2, status="approved")
    participants(campaign, world.county_b, 3, status="approved")
    client.force_login(world.coordinator_a)
    response = client.get(reverse("campaign-participants", args=[campaign.slug]))
    provinces = {p.facility.province_id for p in response.context["participations"]}
    assert provinces == {world.province_a.code}
    assert response.context["page_obj"].paginator.count == 2
    export = client.get(reverse("campaign-participants-export", args=[campaign.slug, "csv"]))
    body = b"".join(export.streaming_content if export.streaming else [export.content])
    assert world.county_b.name.encode() not in body and world.county_a.name.encode() in body
    client.force_login(world.admin)
    response = client.get(reverse("campaign-participants", args=[campaign.slug]))
    assert response.context["page_obj"].paginator.count == 5
