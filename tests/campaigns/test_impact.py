"""Kits and resources used by activities: the rule at every door, and what each reached."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.errors import InvalidFields
from events import services
from events.models import Activity, ActivityStatus
from facilities.models import RegionLevel
from resources.models import ResourceAccess
from tests import factories

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


class Cast:
    """A facility in Aihui (Heihe) that received kit A but not kit B; a second province."""

    def __init__(self):
        province, self.prefecture, self.county = factories.region_tree("230000", "黑龙江省")
        self.other_county = factories.RegionFactory(
            code="231103", name="另一县", level=RegionLevel.COUNTY, parent=self.prefecture
        )
        _bj, _bj_prefecture, self.beijing_county = factories.region_tree("110000", "北京市")
        self.campaign = factories.CampaignFactory()
        self.other_campaign = factories.CampaignFactory(status="closed")
        self.facility = factories.FacilityFactory(region=self.county)
        self.staff = factories.MembershipFactory(facility=self.facility).user
        self.kit_a = factories.KitFactory(campaign=self.campaign, name="健康展板")
        self.kit_b = factories.KitFactory(campaign=self.campaign, name="机器人套件")
        factories.KitRequestFactory(kit=self.kit_a, facility=self.facility, status="received")
        factories.KitRequestFactory(kit=self.kit_b, facility=self.facility, status="shipped")
        self.video = factories.DigitalResourceFactory(campaign=self.campaign, title="科普视频")
        self.members_only = factories.DigitalResourceFactory(
            campaign=self.campaign, title="内部课件", access=ResourceAccess.MEMBERS
        )

    def report(self, **extra):
        fields = {
            "by": self.staff,
            "campaign": self.campaign,
            "facility": self.facility,
            "kind": "science_show",
            "title": "科学表演",
            "starts_at": datetime.datetime(2022, 9, 1, 10, tzinfo=TZ),
        }
        return services.report_activity(**{**fields, **extra})


@pytest.fixture
def cast():
    return Cast()


def test_a_report_names_the_kits_the_facility_received_and_resources(cast):
    activity = cast.report(kits_used=[cast.kit_a], resources_used=[cast.video, cast.members_only])
    assert list(activity.kits_used.all()) == [cast.kit_a]
    assert set(activity.resources_used.all()) == {cast.video, cast.members_only}


def test_a_kit_the_facility_has_not_received_is_refused_and_nothing_is_written(cast):
    with pytest.raises(InvalidFields) as error:
        cast.report(kits_used=[cast.kit_a, cast.kit_b])
    assert "kits_used" in error.value.errors
    assert cast.kit_b.name in error.value.errors["kits_used"][0]
    assert not Activity.objects.exists()


def test_an_update_checks_the_kits_against_the_reporting_facility(cast):
    activity = cast.report()
    with pytest.raises(InvalidFields):
        services.update_activity(activity=activity, by=cast.staff, kits_used=[cast.kit_b])
    services.update_activity(activity=activity, by=cast.staff, kits_used=[cast.kit_a])
    assert list(activity.kits_used.all()) == [cast.kit_a]
    services.update_activity(activity=activity, by=cast.staff, title="改名")
    assert list(activity.kits_used.all()) == [cast.kit_a]  # untouched when not given


def test_only_resources_the_user_may_see_are_accepted(cast):
    # The service's own rule, shown with a reader who may not see members-only resources.
    with pytest.raises(InvalidFields) as error:
        services._check_used(
            by=None, facility=cast.facility, kits_used=[], resources_used=[cast.members_only]
        )
    assert str(cast.members_only.pk) in error.value.errors["resources_used"][0]
    services._check_used(by=None, facility=cast.facility, kits_used=[], resources_used=[cast.video])


def test_the_api_takes_and_shows_kits_and_resources_used(cast):
    client = APIClient()
    client.force_authenticate(cast.staff)
    payload = {
        "campaign": cast.campaign.pk,
        "facility": cast.facility.pk,
        "kind": "lecture",
        "title": "讲座",
        "starts_at": "2022-09-02T10:00:00+08:00",
        "kits_used": [cast.kit_a.pk],
        "resources_used": [cast.video.pk],
    }
    response = client.post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kits_used"] == [cast.kit_a.pk]
    assert response.json()["resources_used"] == [cast.video.pk]
    refused = client.post(
        "/api/v1/activities/", {**payload, "kits_used": [cast.kit_b.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert "kits_used" in refused.json()
    patched = client.patch(
        f"/api/v1/activities/{response.json()['id']}/", {"kits_used": []}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["kits_used"] == []


def test_the_report_form_offers_only_received_kits(cast, client):
    client.force_login(cast.staff)
    page = client.get(reverse("events:report"), HTTP_ACCEPT_LANGUAGE="en")
    kits = page.context["form"].fields["kits_used"].queryset
    assert list(kits) == [cast.kit_a]
    assert cast.video in page.context["form"].fields["resources_used"].queryset
    response = client.post(
        reverse("events:report"),
        {
            "campaign": cast.campaign.pk,
            "facility": cast.facility.pk,
            "kind": "lecture",
            "title": "讲座",
            "starts_at": "2022-09-02T10:00",
            "audience_count": 30,
            "kits_used": [cast.kit_a.pk],
            "resources_used": [cast.video.pk],
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    page = client.get(reverse("events:detail", args=[activity.pk])).content.decode()
    assert cast.kit_a.name in page and cast.video.title in page


def verified(cast, region, audience, *, kits=(), resources=(), campaign=None, status="verified"):
    activity = factories.ActivityFactory(
        campaign=campaign or cast.campaign,
        facility=cast.facility,
        region=region,
        audience_count=audience,
        status=status,
    )
    activity.kits_used.set(kits)
    activity.resources_used.set(resources)
    return activity


@pytest.fixture
def used(cast):
    verified(cast, cast.county, 100, kits=[cast.kit_a], resources=[cast.video])
    verified(cast, cast.county, 50, kits=[cast.kit_a])
    verified(cast, cast.other_county, 30, kits=[cast.kit_a], resources=[cast.members_only])
    verified(cast, cast.prefecture, 20, kits=[cast.kit_a])  # a province, but no county
    verified(cast, cast.beijing_county, 7, resources=[cast.video])
    verified(cast, cast.county, 999, kits=[cast.kit_a], status=ActivityStatus.REPORTED)
    verified(cast, cast.county, 400, kits=[cast.kit_a], campaign=cast.other_campaign)
    return cast


def test_the_impact_api_counts_verified_uses_per_kit_and_resource(used, django_assert_num_queries):
    client = APIClient()
    url = f"/api/v1/campaigns/{used.campaign.slug}/impact/"
    # campaign, kit uses, set stops, resource uses, kits, resources, sets
    with django_assert_num_queries(7):
        body = client.get(url).json()
    kits = {row["id"]: row for row in body["kits"]}
    assert kits[used.kit_a.pk] == {
        "id": used.kit_a.pk,
        "name": "健康展板",
        "activities": 4,
        "stops": 0,
        "audience": 200,
        "provinces": 1,
        "counties": 2,
    }
    assert kits[used.kit_b.pk]["activities"] == 0
    resources = {row["id"]: row for row in body["resources"]}
    assert resources[used.video.pk]["audience"] == 107
    assert resources[used.video.pk]["provinces"] == 2
    assert resources[used.video.pk]["counties"] == 2
    assert used.members_only.pk not in resources  # not for the public
    client.force_authenticate(used.staff)
    resources = {row["id"]: row for row in client.get(url).json()["resources"]}
    assert resources[used.members_only.pk]["counties"] == 1


def test_the_kit_and_resource_pages_say_whom_they_reached(used, client):
    page = client.get(
        reverse("kits:kit-detail", args=[used.kit_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    # Over every campaign: 200 here and 400 in the closed one.
    assert "Reached 600 people in 2 counties through 5 verified activities." in page
    page = client.get(
        reverse("digital:detail", args=[used.video.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Reached 107 people in 2 counties through 2 verified activities." in page
    page = client.get(
        reverse("kits:kit-detail", args=[used.kit_b.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "No verified activity has reported using it yet." in page


def test_an_exhibition_set_reaches_people_through_its_held_stops(cast):
    from events.models import TourStop, TourStopStatus
    from resources.models import ExhibitionSet

    exhibition_set = ExhibitionSet.objects.create(
        code="HLJ-I", name="流动科技馆", operator=cast.facility, campaign=cast.campaign
    )
    idle = ExhibitionSet.objects.create(
        code="HLJ-J", name="备用展", operator=cast.facility, campaign=cast.campaign
    )
    for month, county, status, audience in [
        (7, cast.county, TourStopStatus.CLOSED, 5000),
        (9, cast.other_county, TourStopStatus.OPEN, 1200),
        (11, cast.beijing_county, TourStopStatus.PLANNED, 0),  # not held: reaches nobody
    ]:
        TourStop.objects.create(
            exhibition_set=exhibition_set,
            campaign=cast.campaign,
            region=county,
            province_id=county.code[:2] + "0000",
            venue="体育馆",
            starts_on=datetime.date(2022, month, 1),
            ends_on=datetime.date(2022, month, 30),
            status=status,
            audience_total=audience,
        )
    body = APIClient().get(f"/api/v1/campaigns/{cast.campaign.slug}/impact/").json()
    sets = {row["id"]: row for row in body["exhibition_sets"]}
    assert sets[exhibition_set.pk] == {
        "id": exhibition_set.pk,
        "name": "流动科技馆",
        "activities": 0,
        "stops": 2,
        "audience": 6200,
        "provinces": 1,
        "counties": 2,
    }
    assert sets[idle.pk]["stops"] == 0
