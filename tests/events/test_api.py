"""The activities API: report → verify → public, who may do what, filters, query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from campaigns.models import ParticipationStatus
from events.models import Activity, ActivityKind, ActivityPhoto, ActivityStatus
from tests import factories

from . import images
from .conftest import report_payload

pytestmark = pytest.mark.django_db

LIST = "/api/v1/activities/"


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def detail(activity_id):
    return f"{LIST}{activity_id}/"


def photo_upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data or images.jpeg_bytes(), content_type=content_type)


def reported(world, **fields):
    fields.setdefault("facility", world.facility)
    fields.setdefault("campaign", world.campaign)
    return factories.ActivityFactory(**fields)


def test_report_verify_and_the_public_sees_it(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    staff = client_for(world.staff)

    response = staff.post(LIST, report_payload(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    activity_id = body["id"]
    assert body["status"] == "reported"
    assert body["region"] == world.facility.region_id  # defaults to the facility's region
    assert body["province"] == "230000"
    assert body["starts_at"] == "2022-08-26T09:30:00+08:00"

    with django_capture_on_commit_callbacks(execute=True):
        upload = staff.post(
            f"{detail(activity_id)}photos/",
            {"image": photo_upload(), "caption": "开幕式", "credit": "黑河市科协"},
            format="multipart",
        )
    assert upload.status_code == 201, upload.json()
    photo = upload.json()
    assert set(photo) >= {"id", "image_url", "thumbnail_url", "width", "height"}
    assert (photo["width"], photo["height"]) == (400, 200)
    assert photo["image_url"].startswith("http://testserver/media/activities/photos/")

    # Not public yet: anonymous visitors neither list nor open it.
    public = client_for()
    assert public.get(LIST).json()["count"] == 0
    assert public.get(detail(activity_id)).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        verified = client_for(world.coordinator).post(f"{detail(activity_id)}verify/")
    assert verified.status_code == 200, verified.json()
    assert verified.json()["status"] == "verified"

    listed = public.get(LIST, {"campaign": world.campaign.pk}).json()
    assert listed["count"] == 1
    [item] = listed["results"]
    assert item["id"] == activity_id
    assert item["title"] == "健康科普嘉年华"
    assert item["audience_count"] == 1200
    [shown] = item["photos"]
    assert shown["caption"] == "开幕式" and shown["credit"] == "黑河市科协"
    assert shown["thumbnail_url"] and "/media/activities/thumbnails/" in shown["thumbnail_url"]
    assert public.get(detail(activity_id)).status_code == 200

    # One message to each person working for the facility.
    assert sorted(address for mail in mailoutbox for address in mail.to) == sorted(
        [world.staff.email, world.colleague.email]
    )
    mail = mailoutbox[0]
    assert "健康科普嘉年华" in mail.subject
    assert f"/activities/{activity_id}/" in mail.body


def test_the_staff_can_edit_until_verification(world):
    activity = reported(world, title="机器人表演")
    staff = client_for(world.staff)

    changed = staff.patch(detail(activity.pk), {"audience_count": 350, "venue": "学校礼堂"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["audience_count"] == 350
    assert changed.json()["venue"] == "学校礼堂"

    client_for(world.admin).post(f"{detail(activity.pk)}verify/")
    frozen = staff.patch(detail(activity.pk), {"audience_count": 9999})
    assert frozen.status_code == 409
    activity.refresh_from_db()
    assert activity.audience_count == 350


def test_editing_a_rejected_report_submits_it_again(world):
    activity = reported(world)
    rejected = client_for(world.coordinator).post(
        f"{detail(activity.pk)}reject/", {"reason": "照片与活动不符"}, format="json"
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reject_reason"] == "照片与活动不符"

    resubmitted = client_for(world.staff).patch(detail(activity.pk), {"title": "更正后的标题"})
    assert resubmitted.status_code == 200
    assert resubmitted.json()["status"] == "reported"
    assert resubmitted.json()["reject_reason"] == ""


def test_campaign_and_facility_cannot_be_changed_after_reporting(world):
    activity = reported(world)
    response = client_for(world.staff).patch(
        detail(activity.pk), {"facility": world.other_facility.pk, "title": "新标题"}
    )
    assert response.status_code == 200
    activity.refresh_from_db()
    assert activity.facility == world.facility
    assert activity.title == "新标题"


def test_reject_needs_a_reason_and_tells_the_staff(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    activity = reported(world)
    coordinator = client_for(world.coordinator)

    for empty in ({}, {"reason": "   "}):
        response = coordinator.post(f"{detail(activity.pk)}reject/", empty, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.REPORTED

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"{detail(activity.pk)}reject/", {"reason": "观众人数需要核实"}, format="json"
        )
    assert response.status_code == 200
    assert len(mailoutbox) == 2
    assert all("观众人数需要核实" in mail.body for mail in mailoutbox)
    assert world.staff.email in {address for mail in mailoutbox for address in mail.to}


def test_a_decided_report_cannot_be_decided_again(world):
    activity = reported(world)
    admin = client_for(world.admin)
    assert admin.post(f"{detail(activity.pk)}verify/").status_code == 200
    assert admin.post(f"{detail(activity.pk)}verify/").status_code == 409
    response = admin.post(f"{detail(activity.pk)}reject/", {"reason": "x"}, format="json")
    assert response.status_code == 409


class TestReportingRules:
    def test_only_for_a_facility_of_ones_own(self, world):
        response = client_for(world.staff).post(
            LIST, report_payload(world, facility=world.other_facility.pk), format="json"
        )
        assert response.status_code == 400
        assert "facility" in response.json()
        assert not Activity.objects.exists()

    def test_only_for_an_approved_facility(self, world):
        response = client_for(world.pending_staff).post(
            LIST, report_payload(world, facility=world.pending_facility.pk), format="json"
        )
        assert response.status_code == 400
        assert "facility" in response.json()

    def test_not_for_a_draft_campaign(self, world):
        response = client_for(world.staff).post(
            LIST, report_payload(world, campaign=world.draft_campaign.pk), format="json"
        )
        assert response.status_code == 400
        assert "campaign" in response.json()

    def test_the_end_is_not_before_the_start(self, world):
        response = client_for(world.staff).post(
            LIST, report_payload(world, ends_at="2022-08-25T09:00:00+08:00"), format="json"
        )
        assert response.status_code == 400
        assert "ends_at" in response.json()

    def test_bad_values_are_field_errors(self, world):
        response = client_for(world.staff).post(
            LIST,
            report_payload(world, kind="party", audience_count=-5, region="999999"),
            format="json",
        )
        assert response.status_code == 400
        assert {"kind", "audience_count", "region"} <= set(response.json())

    def test_a_region_elsewhere_can_be_named(self, world):
        response = client_for(world.staff).post(
            LIST, report_payload(world, region=world.neimenggu_county.pk), format="json"
        )
        assert response.status_code == 201
        assert response.json()["province"] == "150000"


class TestPermissionMatrix:
    def test_anonymous_writes_are_401(self, world):
        activity = reported(world)
        anonymous = client_for()
        calls = [
            anonymous.post(LIST, report_payload(world), format="json"),
            anonymous.patch(detail(activity.pk), {"title": "x"}, format="json"),
            anonymous.post(f"{detail(activity.pk)}photos/", {"image": photo_upload()}),
            anonymous.post(f"{detail(activity.pk)}verify/"),
            anonymous.post(f"{detail(activity.pk)}reject/", {"reason": "x"}),
        ]
        assert [response.status_code for response in calls] == [401] * 5
        assert calls[0]["WWW-Authenticate"].startswith("Token")

    def test_staff_of_another_facility_neither_see_nor_touch_unverified_reports(self, world):
        activity = reported(world)
        other = client_for(world.other_staff)
        assert other.get(detail(activity.pk)).status_code == 404
        assert activity.pk not in [a["id"] for a in other.get(LIST).json()["results"]]
        assert other.patch(detail(activity.pk), {"title": "x"}).status_code == 404
        upload = other.post(f"{detail(activity.pk)}photos/", {"image": photo_upload()})
        assert upload.status_code == 404
        assert other.post(f"{detail(activity.pk)}verify/").status_code == 404

    def test_staff_of_another_facility_cannot_add_photos_to_a_verified_report(self, world):
        activity = reported(world, status=ActivityStatus.VERIFIED)
        other = client_for(world.other_staff)
        assert other.get(detail(activity.pk)).status_code == 200
        upload = other.post(f"{detail(activity.pk)}photos/", {"image": photo_upload()})
        assert upload.status_code == 404
        assert other.patch(detail(activity.pk), {"title": "x"}).status_code == 404
        assert not ActivityPhoto.objects.exists()

    def test_coordinator_of_another_province_cannot_verify(self, world):
        activity = reported(world)
        other = client_for(world.other_coordinator)
        assert other.get(detail(activity.pk)).status_code == 404
        assert other.post(f"{detail(activity.pk)}verify/").status_code == 404
        rejected = other.post(f"{detail(activity.pk)}reject/", {"reason": "x"}, format="json")
        assert rejected.status_code == 404
        activity.refresh_from_db()
        assert activity.status == ActivityStatus.REPORTED

    def test_staff_cannot_verify_their_own_report(self, world):
        activity = reported(world)
        assert client_for(world.staff).post(f"{detail(activity.pk)}verify/").status_code == 404

    def test_the_coordinator_sees_and_decides_the_reports_of_the_province(self, world):
        activity = reported(world)
        coordinator = client_for(world.coordinator)
        queue = coordinator.get(LIST, {"status": "reported"}).json()
        assert [item["id"] for item in queue["results"]] == [activity.pk]
        assert coordinator.patch(detail(activity.pk), {"title": "x"}).status_code == 404
        assert coordinator.post(f"{detail(activity.pk)}verify/").status_code == 200

    def test_a_colleague_at_the_same_facility_may_edit(self, world):
        activity = reported(world)
        response = client_for(world.colleague).patch(detail(activity.pk), {"title": "同事修改"})
        assert response.status_code == 200

    def test_staff_see_their_own_unverified_and_rejected_reports(self, world):
        mine = [
            reported(world, status=ActivityStatus.REPORTED),
            reported(world, status=ActivityStatus.REJECTED),
        ]
        listed = client_for(world.staff).get(LIST).json()
        assert sorted(item["id"] for item in listed["results"]) == sorted(a.pk for a in mine)


def test_a_campaign_back_in_draft_hides_its_activities_from_the_public(world):
    activity = reported(world, campaign=world.draft_campaign, status=ActivityStatus.VERIFIED)
    assert client_for().get(detail(activity.pk)).status_code == 404
    assert client_for(world.staff).get(detail(activity.pk)).status_code == 200


class TestFilters:
    @pytest.fixture
    def activities(self, world):
        start = datetime.datetime(2022, 9, 1, 10, tzinfo=datetime.UTC)
        other_campaign = factories.CampaignFactory()
        return {
            "show": reported(
                world, kind=ActivityKind.SCIENCE_SHOW, status="verified", starts_at=start
            ),
            "lecture": reported(
                world,
                kind=ActivityKind.LECTURE,
                status="verified",
                starts_at=start + datetime.timedelta(days=1),
            ),
            "elsewhere": reported(
                world,
                facility=world.other_facility,
                region=world.neimenggu_county,
                status="verified",
                starts_at=start + datetime.timedelta(days=2),
            ),
            "other_campaign": reported(world, campaign=other_campaign, status="verified"),
            "unverified": reported(world),
        }

    def ids(self, **params):
        return [item["id"] for item in client_for().get(LIST, params).json()["results"]]

    def test_newest_first(self, world, activities):
        assert self.ids(campaign=world.campaign.pk) == [
            activities["elsewhere"].pk,
            activities["lecture"].pk,
            activities["show"].pk,
        ]

    def test_by_kind_province_facility_and_status(self, world, activities):
        assert self.ids(campaign=world.campaign.pk, kind="lecture") == [activities["lecture"].pk]
        assert self.ids(province="150000") == [activities["elsewhere"].pk]
        assert self.ids(facility=world.other_facility.pk) == [activities["elsewhere"].pk]
        assert self.ids(status="reported") == []  # not visible to the public

    def test_a_bad_filter_value_is_400(self, world):
        assert client_for().get(LIST, {"province": "heilongjiang"}).status_code == 400
        assert client_for().get(LIST, {"kind": "party"}).status_code == 400


def test_a_launch_ceremony_names_its_flag_recipients(world):
    ceremony = reported(world, kind=ActivityKind.LAUNCH_CEREMONY, status="verified")
    recipients = [world.facility, factories.FacilityFactory(name="黑龙江省科技馆")]
    for facility in recipients:
        factories.ParticipationFactory(
            campaign=world.campaign,
            facility=facility,
            status=ParticipationStatus.APPROVED,
            flag_awarded_at=ceremony.starts_at,
            flag_ceremony=ceremony,
        )
    body = client_for().get(detail(ceremony.pk)).json()
    assert sorted(r["name"] for r in body["flag_recipients"]) == sorted(f.name for f in recipients)


def make_verified_activities(world, count, photos_per_activity=3):
    activities = [
        reported(world, status=ActivityStatus.VERIFIED, title=f"活动 {i}") for i in range(count)
    ]
    ActivityPhoto.objects.bulk_create(
        ActivityPhoto(
            activity=activity,
            image=f"activities/photos/{activity.pk}/{n}.jpg",
            thumbnail=f"activities/thumbnails/{activity.pk}-{n}.jpg",
            width=800,
            height=600,
        )
        for activity in activities
        for n in range(photos_per_activity)
    )
    return activities


@pytest.mark.parametrize("count", [5, 100])
def test_the_list_runs_a_constant_number_of_queries(world, count, django_assert_max_num_queries):
    make_verified_activities(world, count)
    client = client_for(world.staff)
    # count, page, photos, flag recipients, kits and resources used + the user's scope
    # (memberships, coordinator roles)
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"page_size": 500})
    assert response.json()["count"] == count
    assert all(len(item["photos"]) == 3 for item in response.json()["results"])
