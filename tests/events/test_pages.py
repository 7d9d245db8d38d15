"""The activity pages: public feed and pages, the staff portal, the review queue, the admin."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse

from campaigns.models import ParticipationStatus
from events.models import Activity, ActivityKind, ActivityStatus
from tests import factories

from . import images
from .conftest import stored_files
from .test_api import make_verified_activities

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def activity_of(world, **fields):
    fields.setdefault("campaign", world.campaign)
    fields.setdefault("facility", world.facility)
    return factories.ActivityFactory(**fields)


class TestFeed:
    def test_only_verified_activities_newest_first(self, world, client):
        start = datetime.datetime(2022, 8, 26, 9, tzinfo=datetime.UTC)
        older = activity_of(world, title="较早的讲座", status="verified", starts_at=start)
        newer = activity_of(
            world,
            title="较新的表演",
            status="verified",
            starts_at=start + datetime.timedelta(days=3),
        )
        activity_of(world, title="未审核的活动")
        activity_of(world, title="被驳回的活动", status="rejected")

        page = client.get(reverse("events:campaign_feed", args=[world.campaign.slug]))
        content = page.content.decode()
        assert page.status_code == 200
        assert content.index(newer.title) < content.index(older.title)
        assert "未审核的活动" not in content and "被驳回的活动" not in content

    def test_filters_by_kind_and_province(self, world, client):
        activity_of(world, title="黑龙江的讲座", kind=ActivityKind.LECTURE, status="verified")
        activity_of(
            world,
            title="内蒙古的表演",
            facility=world.other_facility,
            region=world.neimenggu_county,
            status="verified",
        )
        url = reverse("events:feed")
        assert "内蒙古的表演" not in client.get(url, {"kind": "lecture"}).content.decode()
        by_province = client.get(url, {"province": "150000"}).content.decode()
        assert "内蒙古的表演" in by_province and "黑龙江的讲座" not in by_province

    def test_a_draft_campaign_has_no_feed(self, world, client):
        url = reverse("events:campaign_feed", args=[world.draft_campaign.slug])
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("count", [5, 100])
    def test_constant_queries_whatever_the_number_of_activities(
        self, world, client, count, django_assert_max_num_queries
    ):
        make_verified_activities(world, count)
        url = reverse("events:campaign_feed", args=[world.campaign.slug])
        # campaign, provinces for the filter, count, page, photos (+ session/scope if signed in)
        with django_assert_max_num_queries(5):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('class="activity-thumbnail"') == min(count, 24)


class TestActivityPage:
    def test_unverified_reports_are_only_for_their_staff_and_reviewers(self, world, client):
        activity = activity_of(world)
        url = reverse("events:detail", args=[activity.pk])
        assert client.get(url).status_code == 404
        for user, status in [
            (world.other_staff, 404),
            (world.other_coordinator, 404),
            (world.staff, 200),
            (world.coordinator, 200),
        ]:
            client.force_login(user)
            assert client.get(url).status_code == status, user

    def test_a_launch_ceremony_shows_the_flag_recipients(self, world, client):
        ceremony = activity_of(
            world, kind=ActivityKind.LAUNCH_CEREMONY, title="启动仪式", status="verified"
        )
        museum = factories.FacilityFactory(name="黑龙江省科学技术馆")
        factories.ParticipationFactory(
            campaign=world.campaign,
            facility=museum,
            status=ParticipationStatus.APPROVED,
            flag_awarded_at=ceremony.starts_at,
            flag_ceremony=ceremony,
        )
        content = client.get(reverse("events:detail", args=[ceremony.pk])).content.decode()
        assert "黑龙江省科学技术馆" in content


def picked(county):
    """The three selects of the region picker, down to `county`."""
    return {
        "region_province": county.parent.parent_id,
        "region_prefecture": county.parent_id,
        "region_county": county.pk,
    }


def report_data(world, **overrides):
    return {
        "campaign": world.campaign.pk,
        "facility": world.facility.pk,
        "kind": "science_show",
        "title": "科学秀",
        "starts_at": "2022-08-26T10:00",
        "venue": "某学校",
        "audience_count": "120",
        **overrides,
    }


class TestRegionPicker:
    def test_the_report_form_picks_the_region_like_facility_registration(self, world, english):
        english.force_login(world.staff)
        page = english.get(reverse("events:report")).content.decode()
        assert 'name="region_province"' in page and 'name="region_county"' in page
        assert "data-region-picker" in page and "region-picker.js" in page
        assert 'name="region"' not in page  # no typed six-digit code any more
        response = english.post(
            reverse("events:report"), report_data(world, **picked(world.neimenggu_county))
        )
        assert response.status_code == 302
        assert Activity.objects.get().region == world.neimenggu_county

    def test_regions_that_do_not_belong_together_are_refused(self, world, english):
        english.force_login(world.staff)
        data = report_data(world, **picked(world.neimenggu_county))
        data["region_county"] = world.heilongjiang_county.pk
        response = english.post(reverse("events:report"), data)
        assert response.status_code == 200
        assert "do not belong together" in response.content.decode()
        assert not Activity.objects.exists()

    def test_without_javascript_choosing_a_province_reloads_its_prefectures(self, world, english):
        english.force_login(world.staff)
        data = report_data(world, region_province=world.neimenggu_county.parent.parent_id)
        data["_refresh_regions"] = "1"
        response = english.post(reverse("events:report"), data)
        page = response.content.decode()
        assert response.status_code == 200 and not Activity.objects.exists()
        assert world.neimenggu_county.parent.name in page  # its prefectures are offered
        assert 'value="科学秀"' in page and "errorlist" not in page


class TestStaffPortal:
    def test_report_then_add_a_photo(self, world, english, django_capture_on_commit_callbacks):
        english.force_login(world.staff)
        response = english.post(
            reverse("events:report"),
            {
                "campaign": world.campaign.pk,
                "facility": world.facility.pk,
                "kind": "robot_show",
                "title": "机器人表演",
                "starts_at": "2022-08-26T10:00",
                "ends_at": "",
                "venue": "黑河市体育馆",
                "region": "",
                "audience_count": "300",
                "description": "",
            },
        )
        activity = Activity.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("events:detail", args=[activity.pk])
        assert activity.region == world.facility.region
        assert activity.created_by == world.staff

        with django_capture_on_commit_callbacks(execute=True):
            uploaded = english.post(
                reverse("events:add_photo", args=[activity.pk]),
                {
                    "image": SimpleUploadedFile("p.jpg", images.jpeg_bytes(), "image/jpeg"),
                    "caption": "表演现场",
                    "credit": "张三",
                },
            )
        assert uploaded.status_code == 302
        page = english.get(reverse("events:detail", args=[activity.pk])).content.decode()
        assert 'alt="表演现场"' in page
        assert "/media/activities/thumbnails/" in page

    def test_a_refused_photo_shows_the_reason_and_stores_nothing(
        self, world, english, _media_in_tmp
    ):
        activity = activity_of(world)
        english.force_login(world.staff)
        response = english.post(
            reverse("events:add_photo", args=[activity.pk]),
            {"image": SimpleUploadedFile("p.jpg", images.TEXT, "image/jpeg")},
        )
        assert response.status_code == 400
        assert "not a JPEG, PNG or WebP image" in response.content.decode()
        assert stored_files(_media_in_tmp) == []

    def test_the_form_shows_the_rules_of_the_service(self, world, english):
        english.force_login(world.staff)
        response = english.post(
            reverse("events:report"),
            {
                "campaign": world.campaign.pk,
                "facility": world.facility.pk,
                "kind": "lecture",
                "title": "讲座",
                "starts_at": "2022-08-26T10:00",
                "ends_at": "2022-08-26T09:00",
                "audience_count": "10",
            },
        )
        assert response.status_code == 200
        assert "The end must not be before the start." in response.content.decode()
        assert not Activity.objects.exists()

    def test_another_facility_cannot_be_chosen(self, world, english):
        english.force_login(world.staff)
        response = english.post(
            reverse("events:report"),
            {
                "campaign": world.campaign.pk,
                "facility": world.other_facility.pk,
                "kind": "lecture",
                "title": "讲座",
                "starts_at": "2022-08-26T10:00",
                "audience_count": "10",
            },
        )
        assert response.status_code == 200
        assert not Activity.objects.exists()

    def test_editing_a_rejected_report_submits_it_again(self, world, english):
        activity = activity_of(
            world,
            status=ActivityStatus.REJECTED,
            reject_reason="时间有误",
            starts_at=datetime.datetime(2022, 8, 26, 1, 30, tzinfo=datetime.UTC),
        )
        english.force_login(world.staff)
        url = reverse("events:edit", args=[activity.pk])
        form = english.get(url).content.decode()
        assert 'value="2022-08-26T09:30"' in form  # shown in Asia/Shanghai
        assert f'value="{activity.region_id}"' in form
        response = english.post(
            url,
            {
                "kind": activity.kind,
                "title": activity.title,
                "starts_at": "2022-08-26T10:30",
                **picked(world.heilongjiang_county),
                "audience_count": "80",
            },
        )
        assert response.status_code == 302
        activity.refresh_from_db()
        assert activity.status == ActivityStatus.REPORTED
        assert activity.starts_at == datetime.datetime(2022, 8, 26, 2, 30, tzinfo=datetime.UTC)
        assert activity.audience_count == 80

    def test_a_verified_report_cannot_be_edited(self, world, english):
        activity = activity_of(world, status=ActivityStatus.VERIFIED)
        english.force_login(world.staff)
        response = english.get(reverse("events:edit", args=[activity.pk]))
        assert response.status_code == 302

    def test_edit_pages_are_404_for_other_facilities(self, world, client):
        activity = activity_of(world)
        client.force_login(world.other_staff)
        assert client.get(reverse("events:edit", args=[activity.pk])).status_code == 404
        photo = client.post(
            reverse("events:add_photo", args=[activity.pk]),
            {"image": SimpleUploadedFile("p.jpg", images.jpeg_bytes(), "image/jpeg")},
        )
        assert photo.status_code == 404

    def test_my_reports_lists_every_status(self, world, client):
        for status in ActivityStatus.values:
            activity_of(world, title=f"状态 {status}", status=status)
        activity_of(world, facility=world.other_facility, title="别人的活动")
        client.force_login(world.colleague)
        content = client.get(reverse("events:mine")).content.decode()
        assert all(f"状态 {status}" in content for status in ActivityStatus.values)
        assert "别人的活动" not in content


class TestReviewQueue:
    def test_the_coordinator_verifies_and_rejects_from_the_queue(self, world, english):
        first, second = activity_of(world, title="第一场"), activity_of(world, title="第二场")
        activity_of(world, facility=world.other_facility, title="外省的活动")
        english.force_login(world.coordinator)
        queue = english.get(reverse("events:review")).content.decode()
        assert "第一场" in queue and "第二场" in queue and "外省的活动" not in queue

        english.post(reverse("events:verify", args=[first.pk]), {"next": "queue"})
        english.post(reverse("events:reject", args=[second.pk]), {"reason": "", "next": "queue"})
        second.refresh_from_db()
        assert second.status == ActivityStatus.REPORTED  # no reason, no rejection
        english.post(reverse("events:reject", args=[second.pk]), {"reason": "缺少照片"})

        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (ActivityStatus.VERIFIED, ActivityStatus.REJECTED)
        assert second.reject_reason == "缺少照片"

    def test_a_coordinator_of_another_province_gets_404(self, world, client):
        activity = activity_of(world)
        client.force_login(world.other_coordinator)
        assert client.post(reverse("events:verify", args=[activity.pk])).status_code == 404
        activity.refresh_from_db()
        assert activity.status == ActivityStatus.REPORTED

    def test_the_queue_is_for_reviewers_only(self, world, client):
        client.force_login(world.staff)
        assert client.get(reverse("events:review")).status_code == 404


class TestLatestActivities:
    def test_the_tag_gives_the_newest_verified_ones(self, world):
        make_verified_activities(world, 8, photos_per_activity=1)
        activity_of(world, title="未审核")
        rendered = Template(
            "{% load events_tags %}{% latest_activities campaign 3 as activities %}"
            '{% include "events/_latest.html" %}'
        ).render(Context({"campaign": world.campaign}))
        assert rendered.count('class="card activity-card"') == 3
        assert "未审核" not in rendered

    def test_the_campaign_page_shows_them(self, world, client):
        activity_of(world, title="健康科普嘉年华", status="verified")
        page = client.get(f"/campaigns/{world.campaign.slug}/")
        assert page.status_code == 200
        assert "健康科普嘉年华" in page.content.decode()


class TestAdmin:
    @pytest.mark.parametrize("count", [5, 60])
    def test_the_changelist_runs_a_constant_number_of_queries(
        self, world, client, count, django_assert_max_num_queries
    ):
        make_verified_activities(world, count)
        client.force_login(world.admin)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("admin:events_activity_changelist"))
        assert response.status_code == 200
        assert response.content.decode().count("activities/thumbnails/") >= min(count, 100)

    def test_bulk_verify_calls_the_service(self, world, client, mailoutbox):
        reported = [activity_of(world) for _ in range(3)]
        already = activity_of(world, status=ActivityStatus.VERIFIED)
        client.force_login(world.admin)
        response = client.post(
            reverse("admin:events_activity_changelist"),
            {
                "action": "verify_selected",
                "_selected_action": [a.pk for a in [*reported, already]],
            },
            follow=True,
        )
        assert response.status_code == 200
        assert set(Activity.objects.values_list("status", flat=True)) == {"verified"}
        assert all(
            a.reviewed_by_id == world.admin.pk
            for a in Activity.objects.filter(pk__in=[a.pk for a in reported])
        )

    def test_the_change_page_previews_photos(self, world, client):
        activity = make_verified_activities(world, 1)[0]
        client.force_login(world.admin)
        page = client.get(reverse("admin:events_activity_change", args=[activity.pk]))
        assert page.status_code == 200
        assert page.content.decode().count("activities/thumbnails/") >= 3


class TestAdminSaves:
    """The admin's add and change forms go through report_activity and update_activity."""

    def form(self, world, **fields):
        return {
            "kind": ActivityKind.SCIENCE_SHOW,
            "title": "科普讲座",
            "starts_at_0": "2022-09-01",
            "starts_at_1": "10:00:00",
            "venue": "黑河市广场",
            "region": world.heilongjiang_county.code,
            "audience_count": 80,
            "description": "",
            "photos-TOTAL_FORMS": 0,
            "photos-INITIAL_FORMS": 0,
            **fields,
        }

    @pytest.fixture
    def staff_admin(self, world, client):
        from django.contrib.auth.models import Permission

        # The admin lists the reports a user reviews: a coordinator who also works for the
        # facility may report and edit its activities there.
        factories.CoordinatorFactory(user=world.staff, province=world.heilongjiang)
        world.staff.is_staff = True
        world.staff.save()
        world.staff.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["add_activity", "change_activity", "view_activity"]
            )
        )
        client.force_login(world.staff)
        return client

    def test_staff_with_admin_access_report_and_resubmit_there(self, world, staff_admin):
        response = staff_admin.post(
            reverse("admin:events_activity_add"),
            self.form(world, campaign=world.campaign.pk, facility=world.facility.pk),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        activity = Activity.objects.get(title="科普讲座")
        assert (activity.status, activity.created_by) == (ActivityStatus.REPORTED, world.staff)

        activity.status = ActivityStatus.REJECTED
        activity.save()
        response = staff_admin.post(
            reverse("admin:events_activity_change", args=[activity.pk]),
            self.form(world, audience_count=120),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        activity.refresh_from_db()
        # Edited through update_activity: a rejected report goes back for review.
        assert (activity.audience_count, activity.status) == (120, ActivityStatus.REPORTED)

    def test_the_services_refusal_shows_on_the_form(self, world, client):
        activity = activity_of(world, audience_count=100)
        client.force_login(world.admin)  # not staff of the facility: the service refuses
        response = client.post(
            reverse("admin:events_activity_change", args=[activity.pk]),
            self.form(world, audience_count=999),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "Only the staff of the reporting facility" in response.content.decode()
        activity.refresh_from_db()
        assert activity.audience_count == 100


def test_english_form_labels_start_with_a_capital(world, english):
    english.force_login(world.staff)
    page = english.get(reverse("events:report")).content.decode()
    for label in ("Campaign:", "Facility:", "Kind:", "Starts at:", "Ends at:", "Audience:"):
        assert f">{label}</label>" in page, label
    for label in ("campaign:", "starts at:", "kind:"):
        assert f">{label}</label>" not in page
    feed = english.get(reverse("events:feed")).content.decode()
    assert re.search(r">Kind:?</label>", feed) and re.search(r">Province:?</label>", feed)
