import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Q, Sum
from django.utils import translation

from campaigns.models import Campaign, Participation, ParticipationStatus
from events.models import Activity, ActivityKind, ActivityStatus
from facilities.models import Facility, FacilityLevel, ProvincialCoordinator, Region
from resources.models import DigitalResource, Kit, KitRequest, KitRequestStatus

RESERVING = [KitRequestStatus.APPROVED, KitRequestStatus.SHIPPED, KitRequestStatus.RECEIVED]


def model_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)  # loads the regions too
    return out.getvalue()


def test_load_demo_loads_its_regions_and_a_second_run_changes_nothing(demo):
    assert "running load_regions first" in demo
    assert Region.objects.filter(code="231100", name="黑河市").exists()
    assert "Demo data loaded" in demo
    assert "kepu-demo-2022" not in demo  # the demo password is in --help only
    check_loading_twice_creates_and_changes_nothing()


def check_loading_twice_creates_and_changes_nothing():
    before = model_counts()
    snapshot = list(Kit.objects.values_list("code", "quantity_total", "quantity_available"))
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    assert "nothing was changed" in out.getvalue()
    assert model_counts() == before
    assert list(Kit.objects.values_list("code", "quantity_total", "quantity_available")) == snapshot


def test_the_campaign_ceremony_and_flags_are_data(demo):
    campaign = Campaign.objects.get(slug="2022-health")
    assert campaign.status == "active"
    assert campaign.theme == "践行二十大 健康享未来"
    assert campaign.host == "中国科学技术馆"
    assert str(campaign.starts_on) == "2022-08-26"
    ceremony = Activity.objects.get(campaign=campaign, kind=ActivityKind.LAUNCH_CEREMONY)
    assert ceremony.region_id == "231100"
    assert ceremony.facility.name == "黑龙江省科学技术馆"
    assert ceremony.starts_at.date().isoformat() == "2022-08-26"
    on_site = set(
        Activity.objects.filter(campaign=campaign, starts_at__date=ceremony.starts_at.date())
        .exclude(pk=ceremony.pk)
        .values_list("kind", flat=True)
    )
    assert on_site == {
        ActivityKind.SCIENCE_SHOW,
        ActivityKind.ROBOT_SHOW,
        ActivityKind.HEALTH_CARNIVAL,
    }


def check_heilongjiang_provincial_and_prefecture_units_have_flags():
    flagged = Participation.objects.filter(flag_awarded_at__isnull=False).select_related(
        "facility", "flag_ceremony"
    )
    assert flagged.count() == 15
    assert {p.facility.province_id for p in flagged} == {"230000"}
    levels = sorted(p.facility.level for p in flagged)
    assert levels.count(FacilityLevel.PROVINCIAL) == 2
    assert levels.count(FacilityLevel.PREFECTURE) == 13
    prefectures = Region.objects.filter(parent_id="230000", level="prefecture", is_grouping=False)
    assert {p.facility.region_id for p in flagged if p.facility.level == "prefecture"} == set(
        prefectures.values_list("code", flat=True)
    )
    names = {p.facility.name for p in flagged}
    assert {"黑龙江省科学技术馆", "黑龙江省科普事业中心", "黑河市流动科技馆"} <= names
    assert "大兴安岭地区科普大篷车" in names
    for participation in flagged:
        assert participation.status == ParticipationStatus.APPROVED
        assert participation.flag_ceremony.kind == ActivityKind.LAUNCH_CEREMONY


def test_stock_matches_the_requests_and_their_timelines(demo):
    for kit in Kit.objects.all():
        reserved = (
            KitRequest.objects.filter(kit=kit, status__in=RESERVING).aggregate(n=Sum("quantity"))[
                "n"
            ]
            or 0
        )
        assert kit.quantity_available == kit.quantity_total - reserved
    check_every_request_status_appears_with_its_timeline()


def check_every_request_status_appears_with_its_timeline():
    statuses = set(KitRequest.objects.values_list("status", flat=True))
    assert statuses == set(KitRequestStatus.values)
    for kit_request in KitRequest.objects.prefetch_related("transitions"):
        steps = list(kit_request.transitions.all())
        assert steps[0].from_status == "" and steps[0].to_status == "submitted"
        assert steps[-1].to_status == kit_request.status
        for earlier, later in zip(steps, steps[1:], strict=False):
            assert later.from_status == earlier.to_status and later.at >= earlier.at
    assert not KitRequest.objects.filter(facility__status="pending").exists(), (
        "only approved units request kits"
    )


def test_facilities_resources_and_activities_are_realistic(demo):
    assert Facility.objects.count() >= 40
    assert Facility.objects.values("province").distinct().count() >= 8
    assert set(Facility.objects.values_list("level", flat=True)) == set(FacilityLevel.values)
    assert Facility.objects.filter(status="pending").count() >= 3
    assert not Facility.objects.filter(memberships__isnull=True).exists()
    assert ProvincialCoordinator.objects.filter(province_id="230000").exists()
    check_digital_resources_have_real_files()
    check_verified_activities_have_photos()


def check_digital_resources_have_real_files():
    resources = DigitalResource.objects.all()
    assert {r.content_type.split(";")[0] for r in resources} >= {
        "image/png",
        "application/pdf",
        "text/markdown",
    }
    for resource in resources:
        assert resource.published_at is not None
        with resource.file.open("rb") as handle:
            content = handle.read()
        assert len(content) == resource.file_size > 0
        assert hashlib.sha256(content).hexdigest() == resource.sha256
    pdf = resources.get(content_type="application/pdf")
    with pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def check_verified_activities_have_photos():
    verified = Activity.objects.filter(status=ActivityStatus.VERIFIED)
    assert verified.count() >= 5
    assert not verified.filter(photos__isnull=True).exists()
    assert Activity.objects.filter(~Q(status=ActivityStatus.VERIFIED)).exists()
    for activity in verified:
        for photo in activity.photos.all():
            assert photo.width == 1200 and photo.height == 800 and photo.thumbnail


def test_create_demo_admin_sets_a_fresh_password_each_time(db):
    from django.contrib.auth import get_user_model

    passwords = []
    for _ in range(2):
        out = StringIO()
        with translation.override("en"):
            call_command("create_demo_admin", stdout=out)
        lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
        assert "http://127.0.0.1:8000/admin/" in out.getvalue()
        passwords.append(lines["Password"])
        admin = get_user_model().objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff and admin.is_active
        assert admin.check_password(passwords[-1])
    assert passwords[0] != passwords[1]
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.parametrize("name", ["load_regions", "load_demo", "create_demo_admin"])
def test_command_help_renders_and_documents_the_demo_password(name):
    from django.core.management import load_command_class

    app = "campaigns" if name == "load_demo" else "facilities"
    with translation.override("en"):
        parser = load_command_class(app, name).create_parser("manage.py", name)
        assert parser.format_help()  # argparse needs a plain string, not a lazy one
    assert isinstance(parser.description, str)
    if name == "load_demo":
        assert "'kepu-demo-2022'" in parser.description


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("columns", range(40, 161, 3))
def test_load_demo_help_never_splits_the_demo_password(monkeypatch, columns, language):
    from campaigns.management.commands.load_demo import Command

    monkeypatch.setenv("COLUMNS", str(columns))
    with translation.override(language):
        text = Command().create_parser("manage.py", "load_demo").format_help()
    description = text.split("\n\n")[1].splitlines()  # after the usage, before the options
    assert any("kepu-demo-2022" in line for line in description)
    assert all(len(line) <= columns for line in description)


def test_demo_accounts_lists_who_to_sign_in_as_and_the_password(demo):
    from django.core.management import call_command as run

    run("create_demo_admin", stdout=StringIO())
    out = StringIO()
    with translation.override("en"):
        run("demo_accounts", stdout=out)
    text = out.getvalue()
    assert "Administrator: admin" in text
    assert "Coordinator: hlj-coordinator" in text
    staff_line = next(line for line in text.splitlines() if "Facility staff:" in line)
    assert "unit-" in staff_line
    assert "Password of the coordinator and facility staff: kepu-demo-2022" in text
    # Every name printed signs in with the demo password.
    from django.contrib.auth import authenticate

    names = staff_line.split(":", 1)[1].split("(")[0].split(",")
    for name in [*names, "hlj-coordinator"]:
        assert authenticate(username=name.strip(), password="kepu-demo-2022") is not None, name


def test_make_run_ends_with_the_demo_accounts():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0].splitlines()
    assert "demo_accounts" in run_target[-2] and "runserver" in run_target[-1]


def test_the_demo_tours_two_heilongjiang_sets_and_a_caravan(demo):
    from events.models import CaravanTrip, CaravanTripStatus, TourStop, TourStopStatus
    from resources.models import Exhibit, ExhibitionSet

    museum_sets = ExhibitionSet.objects.filter(operator__name="黑龙江省科学技术馆")
    assert museum_sets.count() == 2
    for exhibition_set in museum_sets:
        assert 45 <= exhibition_set.exhibits.count() <= 55
    shared = set(
        Exhibit.objects.filter(exhibition_set=museum_sets[0]).values_list("model", flat=True)
    )
    shared &= set(
        Exhibit.objects.filter(exhibition_set=museum_sets[1]).values_list("model", flat=True)
    )
    assert shared  # the same exhibit designs tour in both sets
    touring = museum_sets.get(code="HLJ-LD-01")
    closed = touring.stops.filter(status=TourStopStatus.CLOSED)
    assert closed.values("region").distinct().count() == 2
    for stop in closed:
        assert stop.audience_total == sum(stop.attendance.values_list("visitors", flat=True)) > 0
    assert touring.stops.filter(status=TourStopStatus.OPEN).count() == 1
    assert museum_sets.get(code="HLJ-LD-02").stops.get().status == TourStopStatus.PLANNED
    assert ExhibitionSet.objects.exclude(operator__province_id="230000").exists()
    trips = CaravanTrip.objects.filter(facility__region_id="231102")
    assert trips.filter(status=CaravanTripStatus.REPORTED).count() >= 2
    assert trips.filter(status=CaravanTripStatus.PLANNED).count() == 1
    assert TourStop.objects.filter(status=TourStopStatus.OPEN).count() == 2


def test_the_demo_tags_the_border_counties_along_the_amur(demo):
    from facilities.models import RegionTagAssignment

    border = set(
        RegionTagAssignment.objects.filter(tag__code="border").values_list(
            "region__name", flat=True
        )
    )
    assert {"漠河市", "塔河县", "呼玛县", "爱辉区", "逊克县", "孙吴县", "嘉荫县"} <= border
    assert {"萝北县", "绥滨县", "同江市", "抚远市"} <= border
    tagged = RegionTagAssignment.objects.values_list("tag__code", flat=True).distinct()
    assert set(tagged) == {
        "border",
        "ethnic_minority",
        "old_revolutionary_base",
        "rural_revitalization_priority",
    }


def test_the_demo_cares_for_its_exhibits(demo):
    from resources.models import (
        ExhibitStatus,
        HandOver,
        KnownFault,
        RepairStatus,
        RepairTicket,
    )

    assert KnownFault.objects.count() >= 12
    assert KnownFault.objects.values("model").distinct().count() >= 8
    closed = HandOver.objects.filter(stop__status="closed", stage="dismantle")
    assert closed.count() == 2
    # Every exhibit in use at the time, once: all 50 at first, 49 after the write-off.
    assert sorted(h.items.count() for h in HandOver.objects.all()) == [49, 50, 50]
    assert ExhibitStatus.MISSING in set(
        HandOver.objects.get(stage="setup").items.values_list("exhibit__status", flat=True)
    )
    statuses = set(RepairTicket.objects.values_list("status", flat=True))
    assert statuses == set(RepairStatus.values)
    assert RepairTicket.objects.filter(cause="transport").count() == 1
    resolved = RepairTicket.objects.get(status=RepairStatus.RESOLVED)
    assert resolved.known_fault is not None and resolved.exhibit.status == ExhibitStatus.OK
    written_off = RepairTicket.objects.get(status=RepairStatus.WRITTEN_OFF)
    assert written_off.exhibit.status == ExhibitStatus.RETIRED
    assert RepairTicket.objects.get(status="diagnosing").exhibit.status == "under_repair"
    assert resolved.opened_at < resolved.resolved_at <= resolved.transitions.last().at
