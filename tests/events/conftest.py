"""A small world for the activity tests: two provinces, facilities, staff and reviewers."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from campaigns.models import CampaignStatus
from facilities.models import FacilityStatus, MembershipRole
from tests import factories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Local media in a directory of the test's own, so that tests can see what was stored."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    return media


def stored_files(media_root):
    return sorted(
        str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file()
    )


@dataclass
class World:
    campaign: object
    draft_campaign: object
    heilongjiang: object
    heilongjiang_county: object
    neimenggu: object
    neimenggu_county: object
    facility: object
    other_facility: object
    pending_facility: object
    staff: object
    colleague: object
    other_staff: object
    pending_staff: object
    coordinator: object
    other_coordinator: object
    admin: object
    outsider: object


@pytest.fixture
def world(db):
    heilongjiang, _, heilongjiang_county = factories.region_tree("230000", "黑龙江省")
    neimenggu, _, neimenggu_county = factories.region_tree("150000", "内蒙古自治区")
    facility = factories.FacilityFactory(name="黑河市流动科技馆", region=heilongjiang_county)
    other_facility = factories.FacilityFactory(name="呼伦贝尔科普大篷车", region=neimenggu_county)
    pending_facility = factories.FacilityFactory(
        name="待审核流动馆", region=heilongjiang_county, status=FacilityStatus.PENDING
    )
    staff = factories.MembershipFactory(facility=facility).user
    colleague = factories.MembershipFactory(facility=facility, role=MembershipRole.STAFF).user
    other_staff = factories.MembershipFactory(facility=other_facility).user
    pending_staff = factories.MembershipFactory(facility=pending_facility).user
    coordinator = factories.CoordinatorFactory(province=heilongjiang).user
    other_coordinator = factories.CoordinatorFactory(province=neimenggu).user
    return World(
        campaign=factories.CampaignFactory(slug="joint-action-2022"),
        draft_campaign=factories.CampaignFactory(slug="next-year", status=CampaignStatus.DRAFT),
        heilongjiang=heilongjiang,
        heilongjiang_county=heilongjiang_county,
        neimenggu=neimenggu,
        neimenggu_county=neimenggu_county,
        facility=facility,
        other_facility=other_facility,
        pending_facility=pending_facility,
        staff=staff,
        colleague=colleague,
        other_staff=other_staff,
        pending_staff=pending_staff,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        admin=factories.AdminFactory(username="centre-admin"),
        outsider=factories.UserFactory(username="someone"),
    )


def report_payload(world, **overrides):
    payload = {
        "campaign": world.campaign.pk,
        "facility": world.facility.pk,
        "kind": "health_carnival",
        "title": "健康科普嘉年华",
        "starts_at": "2022-08-26T09:30:00+08:00",
        "ends_at": "2022-08-26T16:00:00+08:00",
        "venue": "黑河市中央广场",
        "audience_count": 1200,
        "description": "科学表演、机器人表演和健康科普互动。",
    }
    payload.update(overrides)
    return payload
