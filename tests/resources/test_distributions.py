"""Bulk distributions, service level (tasks run eagerly in-process, on PostgreSQL)."""

import datetime
import io

import pytest
from celery.signals import task_prerun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook

from config.errors import BadRequest, InsufficientStock, NotAllowed
from facilities.models import FacilityKind, FacilityStatus
from resources.models import (
    Distribution,
    DistributionSkip,
    DistributionStatus,
    Kit,
    KitRequest,
    KitRequestOrigin,
    KitRequestStatus,
    KitRequestTransition,
    SkipReason,
)
from resources.services import distributions
from resources.tasks.distributions import resume_distributions
from tests import factories

from .distribution_support import add_staff, enrol, make_facilities

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.AdminFactory(username="centre-admin")


@pytest.fixture
def regions():
    province, prefecture, county = factories.region_tree("230000", "黑龙江省")
    other_province, _, other_county = factories.region_tree("440000", "广东省")
    return {
        "province": province,
        "prefecture": prefecture,
        "county": county,
        "other_province": other_province,
        "other_county": other_county,
    }


def started_and_run(django_capture_on_commit_callbacks, admin, **kwargs):
    kwargs.setdefault("quantity_per_facility", 1)
    with django_capture_on_commit_callbacks(execute=True):
        distribution = distributions.start_distribution(by=admin, **kwargs)
    distribution.refresh_from_db()
    return distribution


def skip_reasons(distribution):
    return {
        (skip.facility_id, skip.facility_label): skip.reason
        for skip in DistributionSkip.objects.filter(distribution=distribution)
    }


def test_campaign_participants_get_one_approved_allocation_each(
    django_capture_on_commit_callbacks, admin, regions
):
    campaign = factories.CampaignFactory()
    served = make_facilities(30, region=regions["county"], prefix="served")
    pending = make_facilities(
        4, region=regions["county"], status=FacilityStatus.PENDING, prefix="pending"
    )
    applied_only = make_facilities(3, region=regions["county"], prefix="applied")
    enrol(campaign, served + pending)
    enrol(campaign, applied_only, status="applied")
    kit = factories.KitFactory(quantity_total=100)

    distribution = started_and_run(
        django_capture_on_commit_callbacks,
        admin,
        kit=kit,
        quantity_per_facility=2,
        campaign=campaign,
    )

    assert distribution.status == DistributionStatus.DONE
    assert (distribution.total, distribution.processed) == (34, 34)
    assert (distribution.allocated, distribution.skipped) == (30, 4)
    allocations = KitRequest.objects.filter(distribution=distribution)
    assert sorted(allocations.values_list("facility_id", flat=True)) == [f.pk for f in served]
    assert set(allocations.values_list("status", "origin", "quantity")) == {
        (KitRequestStatus.APPROVED, KitRequestOrigin.DISTRIBUTION, 2)
    }
    assert all(a.approved_at and a.created_by_id == admin.pk for a in allocations)
    kit.refresh_from_db()
    assert kit.quantity_available == 100 - 60
    assert distribution.reserved == 0
    transitions = KitRequestTransition.objects.filter(kit_request__distribution=distribution)
    assert transitions.count() == 30
    assert set(transitions.values_list("from_status", "to_status", "by_id")) == {
        ("", KitRequestStatus.APPROVED, admin.pk)
    }
    assert KitRequest.history.filter(distribution_id=distribution.pk).count() == 30
    assert skip_reasons(distribution) == {(f.pk, ""): SkipReason.NOT_APPROVED for f in pending}


def test_a_province_reaches_every_level_below_it_and_nothing_outside(
    django_capture_on_commit_callbacks, admin, regions
):
    provincial = make_facilities(1, region=regions["province"], prefix="provincial")
    prefecture = make_facilities(2, region=regions["prefecture"], prefix="prefecture")
    county = make_facilities(3, region=regions["county"], prefix="county")
    make_facilities(5, region=regions["other_county"], prefix="elsewhere")
    kit = factories.KitFactory(quantity_total=50)

    distribution = started_and_run(
        django_capture_on_commit_callbacks, admin, kit=kit, province=regions["province"]
    )

    served = set(
        KitRequest.objects.filter(distribution=distribution).values_list("facility_id", flat=True)
    )
    assert served == {f.pk for f in provincial + prefecture + county}
    assert distribution.skipped == 0


def test_a_kind_of_facility_and_a_province_together_narrow_the_targets(
    django_capture_on_commit_callbacks, admin, regions
):
    caravans = make_facilities(
        3, region=regions["county"], kind=FacilityKind.CARAVAN, prefix="caravan"
    )
    make_facilities(2, region=regions["county"], prefix="museum")
    make_facilities(2, region=regions["other_county"], kind=FacilityKind.CARAVAN, prefix="far")
    kit = factories.KitFactory(quantity_total=50)

    distribution = started_and_run(
        django_capture_on_commit_callbacks,
        admin,
        kit=kit,
        kind=FacilityKind.CARAVAN,
        province="230000",
    )

    served = set(
        KitRequest.objects.filter(distribution=distribution).values_list("facility_id", flat=True)
    )
    assert served == {f.pk for f in caravans}


def test_an_explicit_list_keeps_every_listed_facility_in_the_report(
    django_capture_on_commit_callbacks, admin, regions
):
    campaign = factories.CampaignFactory()
    good, outside, pending, not_enrolled = (
        make_facilities(1, region=regions["county"], prefix="good")[0],
        make_facilities(1, region=regions["other_county"], prefix="outside")[0],
        make_facilities(1, region=regions["county"], status="pending", prefix="pending")[0],
        make_facilities(1, region=regions["county"], prefix="not-enrolled")[0],
    )
    enrol(campaign, [good, outside, pending])
    kit = factories.KitFactory(quantity_total=10)

    distribution = started_and_run(
        django_capture_on_commit_callbacks,
        admin,
        kit=kit,
        campaign=campaign,
        province=regions["province"],
        facility_ids=[good.pk, outside.pk, pending.pk, not_enrolled.pk, 987654, good.pk],
    )

    assert (distribution.total, distribution.allocated, distribution.skipped) == (5, 1, 4)
    assert skip_reasons(distribution) == {
        (outside.pk, ""): SkipReason.OUTSIDE_PROVINCE,
        (pending.pk, ""): SkipReason.NOT_APPROVED,
        (not_enrolled.pk, ""): SkipReason.NOT_PARTICIPANT,
        (None, "987654"): SkipReason.UNKNOWN_FACILITY,
    }


def test_not_enough_stock_refuses_up_front_and_changes_nothing(admin, regions):
    make_facilities(8, region=regions["county"])
    kit = factories.KitFactory(quantity_total=20)

    with pytest.raises(InsufficientStock) as refusal:
        distributions.start_distribution(
            by=admin, kit=kit, quantity_per_facility=3, province=regions["province"]
        )

    message = str(refusal.value.message)
    assert "24" in message and "20" in message
    assert not Distribution.objects.exists()
    assert not KitRequest.objects.exists()
    kit.refresh_from_db()
    assert kit.quantity_available == 20


def test_stock_gone_before_the_task_starts_fails_it_and_changes_nothing(
    django_capture_on_commit_callbacks, admin, regions
):
    make_facilities(8, region=regions["county"])
    kit = factories.KitFactory(quantity_total=20)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        distribution = distributions.start_distribution(
            by=admin, kit=kit, quantity_per_facility=2, province=regions["province"]
        )
    Kit.objects.filter(pk=kit.pk).update(quantity_available=5)  # someone else took stock

    for callback in queued:
        callback()

    distribution.refresh_from_db()
    assert distribution.status == DistributionStatus.FAILED
    assert "16" in distribution.error and "5" in distribution.error
    assert (distribution.allocated, distribution.processed) == (0, 0)
    assert not KitRequest.objects.exists()
    assert not DistributionSkip.objects.exists()
    kit.refresh_from_db()
    assert kit.quantity_available == 5


def test_as_far_as_stock_allows_serves_the_lowest_ids_and_reports_the_rest(
    django_capture_on_commit_callbacks, admin, regions
):
    facilities = make_facilities(5, region=regions["county"])
    kit = factories.KitFactory(quantity_total=10)

    distribution = started_and_run(
        django_capture_on_commit_callbacks,
        admin,
        kit=kit,
        quantity_per_facility=3,
        province=regions["province"],
        allow_partial=True,
    )

    served = sorted(
        KitRequest.objects.filter(distribution=distribution).values_list("facility_id", flat=True)
    )
    assert served == [f.pk for f in facilities[:3]]
    assert skip_reasons(distribution) == {
        (f.pk, ""): SkipReason.OUT_OF_STOCK for f in facilities[3:]
    }
    assert (distribution.allocated, distribution.skipped, distribution.processed) == (3, 2, 5)
    kit.refresh_from_db()
    assert kit.quantity_available == 1


def test_running_the_task_again_allocates_nothing_more(
    django_capture_on_commit_callbacks, admin, regions
):
    make_facilities(120, region=regions["county"])
    kit = factories.KitFactory(quantity_total=500)
    distribution = started_and_run(
        django_capture_on_commit_callbacks, admin, kit=kit, province=regions["province"]
    )

    again = distributions.run_distribution(distribution_id=distribution.pk, size=7)
    distributions.queue_distribution(distribution.pk)

    assert (again.allocated, again.processed, again.total) == (120, 120, 120)
    assert KitRequest.objects.filter(distribution=distribution).count() == 120
    kit.refresh_from_db()
    assert kit.quantity_available == 500 - 120


def test_a_run_interrupted_between_chunks_resumes_where_it_stopped(admin, regions):
    make_facilities(50, region=regions["county"])
    kit = factories.KitFactory(quantity_total=100)
    distribution = distributions.start_distribution(
        by=admin, kit=kit, quantity_per_facility=2, province=regions["province"]
    )
    # What a worker killed after its second chunk had committed leaves behind.
    assert distributions._prepare(distribution.pk)
    assert distributions._allocate_next_chunk(distribution.pk, 10)
    assert distributions._allocate_next_chunk(distribution.pk, 10)
    distribution.refresh_from_db()
    assert (distribution.status, distribution.processed, distribution.reserved) == (
        DistributionStatus.RUNNING,
        20,
        60,
    )

    done = distributions.run_distribution(distribution_id=distribution.pk, size=15)

    assert (done.status, done.allocated, done.processed, done.reserved) == ("done", 50, 50, 0)
    assert KitRequest.objects.filter(distribution=distribution).count() == 50
    kit.refresh_from_db()
    assert kit.quantity_available == 0


def test_an_allocation_that_already_exists_is_skipped_and_its_stock_given_back(admin, regions):
    facilities = make_facilities(6, region=regions["county"])
    kit = factories.KitFactory(quantity_total=20)
    distribution = distributions.start_distribution(
        by=admin, kit=kit, quantity_per_facility=2, province=regions["province"]
    )
    assert distributions._prepare(distribution.pk)
    KitRequest.objects.create(
        kit=kit,
        facility=facilities[2],
        quantity=2,
        status=KitRequestStatus.APPROVED,
        origin=KitRequestOrigin.DISTRIBUTION,
        distribution=distribution,
    )

    done = distributions.run_distribution(distribution_id=distribution.pk)

    assert (done.allocated, done.skipped, done.processed) == (5, 1, 6)
    assert skip_reasons(done) == {(facilities[2].pk, ""): SkipReason.ALREADY_ALLOCATED}
    kit.refresh_from_db()
    assert kit.quantity_available == 20 - 5 * 2


def test_the_database_refuses_a_second_allocation_of_one_facility(admin, regions):
    facility = make_facilities(1, region=regions["county"])[0]
    kit = factories.KitFactory(quantity_total=20)
    distribution = distributions.start_distribution(
        by=admin, kit=kit, quantity_per_facility=1, facility_ids=[facility.pk]
    )
    fields = dict(kit=kit, facility=facility, quantity=1, distribution=distribution)
    KitRequest.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        KitRequest.objects.create(**fields)


def test_the_skipped_report_names_each_facility_and_its_reason(
    django_capture_on_commit_callbacks, admin, regions
):
    pending = make_facilities(2, region=regions["county"], status="pending", prefix="待审")
    make_facilities(2, region=regions["county"], prefix="ok")
    kit = factories.KitFactory(quantity_total=20)
    upload = SimpleUploadedFile("list.csv", b"id\n9999999\n")
    distribution = started_and_run(
        django_capture_on_commit_callbacks,
        admin,
        kit=kit,
        province=regions["province"],
        facility_labels=distributions.read_facility_list(upload)
        + [str(f.pk) for f in pending]
        + ["ok 00002", "ok 00003"],
    )

    header, *rows = list(distributions.skipped_report_rows(distribution))

    assert len(header) == 6
    by_code = {(row[0], row[3]): (row[1], row[4]) for row in rows}
    assert by_code == {
        ("", "9999999"): ("", SkipReason.UNKNOWN_FACILITY),
        (pending[0].pk, ""): (pending[0].name, SkipReason.NOT_APPROVED),
        (pending[1].pk, ""): (pending[1].name, SkipReason.NOT_APPROVED),
    }
    assert all(row[2] == "黑龙江省" for row in rows if row[0])
    assert all(row[5] for row in rows)


def test_only_national_administrators_distribute(regions):
    coordinator = factories.CoordinatorFactory(province=regions["province"]).user
    kit = factories.KitFactory()
    with pytest.raises(NotAllowed):
        distributions.start_distribution(
            by=coordinator, kit=kit, quantity_per_facility=1, province=regions["province"]
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # no target at all
        {"quantity_per_facility": 0, "kind": "caravan"},
        {"kind": "spaceship"},
        {"province": "999999"},
        {"facility_labels": ["nobody", "12345678"]},
        {"kind": FacilityKind.SCIENCE_CENTER},  # nothing of that kind exists
    ],
)
def test_bad_targets_are_refused_and_nothing_is_saved(admin, regions, kwargs):
    make_facilities(2, region=regions["county"])
    kwargs.setdefault("quantity_per_facility", 1)
    with pytest.raises(BadRequest):
        distributions.start_distribution(by=admin, kit=factories.KitFactory(), **kwargs)
    assert not Distribution.objects.exists()


def test_mail_goes_to_the_staff_served_in_batches_not_one_task_each(
    django_capture_on_commit_callbacks, admin, regions, mailoutbox
):
    facilities = make_facilities(230, region=regions["county"])
    add_staff(facilities)
    quiet = make_facilities(1, region=regions["county"], status="pending", prefix="quiet")
    add_staff(quiet, prefix="not-served")
    kit = factories.KitFactory(quantity_total=500)
    mail_tasks = []

    def count(sender=None, **kwargs):
        if sender.name.endswith("send_mail_batch"):
            mail_tasks.append(len(kwargs["args"][2]))

    task_prerun.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            distributions.start_distribution(
                by=admin, kit=kit, quantity_per_facility=1, province=regions["province"]
            )
    finally:
        task_prerun.disconnect(count)

    assert mail_tasks == [100, 100, 30]
    assert len(mailoutbox) == 230
    assert not any(m.to[0].startswith("not-served") for m in mailoutbox)
    assert kit.name in mailoutbox[0].subject


class TestUploadedLists:
    def test_csv_of_ids_and_names_with_a_header(self, regions):
        a, b = make_facilities(2, region=regions["county"], prefix="黑河")
        upload = SimpleUploadedFile(
            "targets.csv", f"设施名称\n{a.pk}\n{b.name}\n\n没有这个\n".encode()
        )
        labels = distributions.read_facility_list(upload)
        assert labels == [str(a.pk), b.name, "没有这个"]
        resolved, unresolved = distributions.resolve_facility_labels(labels)
        assert resolved == [a.pk, b.pk]
        assert unresolved == [("没有这个", SkipReason.UNKNOWN_FACILITY)]

    def test_csv_saved_by_chinese_excel_in_gb18030(self, regions):
        upload = SimpleUploadedFile("targets.csv", "名称\n黑河流动科技馆\n".encode("gb18030"))
        assert distributions.read_facility_list(upload) == ["黑河流动科技馆"]

    def test_xlsx_first_column(self, regions):
        book = Workbook()
        sheet = book.active
        for row in (["id", "note"], [101, "x"], [None, None], ["绥化科普大篷车", "y"]):
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        upload = SimpleUploadedFile("targets.xlsx", buffer.getvalue())
        assert distributions.read_facility_list(upload) == ["101", "绥化科普大篷车"]

    def test_a_name_shared_by_two_facilities_is_ambiguous(self, regions):
        name = "绥化科普大篷车"
        factories.FacilityFactory(name=name, region=regions["county"])
        factories.FacilityFactory(name=name, region=regions["other_county"])
        resolved, unresolved = distributions.resolve_facility_labels([name])
        assert resolved == []
        assert unresolved == [(name, SkipReason.AMBIGUOUS_NAME)]

    @pytest.mark.parametrize(
        "name, content",
        [("targets.pdf", b"%PDF-1.4"), ("targets.csv", b"\n\n"), ("t.xlsx", b"not a zip")],
    )
    def test_unusable_files_are_refused(self, name, content):
        with pytest.raises(BadRequest):
            distributions.read_facility_list(SimpleUploadedFile(name, content))


def test_a_distribution_whose_task_never_left_is_sent_again(
    django_capture_on_commit_callbacks, admin, regions
):
    make_facilities(3, region=regions["county"])
    kit = factories.KitFactory(quantity_total=10)
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: nothing sent
        waiting = distributions.start_distribution(
            by=admin, kit=kit, quantity_per_facility=1, province=regions["province"]
        )
    Distribution.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    fresh = distributions.start_distribution(  # just started: its message is on its way
        by=admin, kit=kit, quantity_per_facility=1, province=regions["province"]
    )

    resumed = resume_distributions(waiting_minutes=5)

    assert resumed == [waiting.pk]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.allocated) == (DistributionStatus.DONE, 3)
    assert Distribution.objects.get(pk=fresh.pk).status == DistributionStatus.QUEUED
