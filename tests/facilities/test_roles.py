"""The scope every door asks: who counts as a member, which regions a reviewer oversees."""

import pytest

from facilities.models import Region
from facilities.roles import ANONYMOUS, get_scope
from tests import factories

pytestmark = pytest.mark.django_db


def test_members_are_facility_staff_coordinators_and_administrators():
    assert not ANONYMOUS.is_member
    assert not get_scope(factories.UserFactory()).is_member
    assert get_scope(factories.MembershipFactory().user).is_member
    assert get_scope(factories.CoordinatorFactory().user).is_member
    assert get_scope(factories.AdminFactory()).is_member


def test_a_coordinator_reviews_their_province_and_what_lies_inside_it_only():
    heilongjiang = factories.region_tree()
    jilin = factories.region_tree("220000", "吉林省")
    coordinator = factories.CoordinatorFactory(province=heilongjiang[0]).user
    admin = factories.AdminFactory()

    assert set(Region.objects.reviewed_by(coordinator)) == set(heilongjiang)
    assert list(Region.objects.provinces().reviewed_by(coordinator)) == [heilongjiang[0]]
    assert set(Region.objects.reviewed_by(admin)) == {*heilongjiang, *jilin}
    assert not Region.objects.reviewed_by(factories.MembershipFactory().user).exists()
