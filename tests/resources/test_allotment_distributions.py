"""Bulk distributions respect allotments: a facility of a province with an allotment is
served from it, every other from the unallotted stock; what is not used goes back where it
came from."""

import pytest
from django.utils import translation

from config.errors import InsufficientStock
from resources.models import Allotment, Distribution, Kit, KitRequest, SkipReason
from resources.services import distributions
from resources.services.allotments import allot
from tests import factories
from tests.resources.distribution_support import make_facilities

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.AdminFactory(username="national-admin")


@pytest.fixture
def setting(admin):
    _, _, county_a = factories.region_tree("230000", "黑龙江省")
    _, _, county_b = factories.region_tree("620000", "甘肃省")
    in_a = make_facilities(4, region=county_a, prefix="黑")
    in_b = make_facilities(3, region=county_b, prefix="甘")
    kit = factories.KitFactory(quantity_total=20)
    allotment = allot(kit=kit, province="230000", quantity=6, by=admin)
    return kit, allotment, in_a, in_b


def run(django_capture_on_commit_callbacks, admin, kit, facilities, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        distribution = distributions.start_distribution(
            by=admin,
            kit=kit,
            quantity_per_facility=kwargs.pop("quantity", 1),
            facility_ids=[f.pk for f in facilities],
            **kwargs,
        )
    distribution.refresh_from_db()
    return distribution


def test_units_come_from_the_allotment_of_the_facilitys_province(
    django_capture_on_commit_callbacks, admin, setting
):
    kit, allotment, in_a, in_b = setting
    done = run(django_capture_on_commit_callbacks, admin, kit, in_a + in_b)
    assert (done.status, done.allocated) == ("done", 7)
    allotment.refresh_from_db()
    assert allotment.used == 4
    kit = Kit.objects.get(pk=kit.pk)
    assert (kit.quantity_available, kit.quantity_allotted_left) == (13, 2)
    requests = KitRequest.objects.filter(distribution=done)
    assert requests.filter(allotment=allotment).count() == 4
    assert set(requests.filter(allotment__isnull=True).values_list("facility", flat=True)) == {
        f.pk for f in in_b
    }
    assert done.allotment_plan == {"230000": {"allotment": allotment.pk, "units": 0}}


def test_an_allotment_too_small_refuses_up_front(
    django_capture_on_commit_callbacks, admin, setting
):
    kit, allotment, in_a, _in_b = setting
    with pytest.raises(InsufficientStock) as refused, translation.override("en"):
        run(django_capture_on_commit_callbacks, admin, kit, in_a, quantity=2)
    assert "6 are left in its allotment" in str(refused.value.message)
    assert not Distribution.objects.exists()


def test_unallotted_stock_never_covers_the_allotted_units(
    django_capture_on_commit_callbacks, admin, setting
):
    kit, _allotment, _in_a, in_b = setting
    # 14 unallotted units: 3 facilities × 5 = 15 is one too many, although 20 are available.
    with pytest.raises(InsufficientStock) as refused, translation.override("en"):
        run(django_capture_on_commit_callbacks, admin, kit, in_b, quantity=5)
    assert "14 are available" in str(refused.value.message)


def test_as_far_as_stock_allows_serves_each_province_within_its_source(
    django_capture_on_commit_callbacks, admin, setting
):
    kit, allotment, in_a, in_b = setting
    done = run(
        django_capture_on_commit_callbacks, admin, kit, in_a + in_b, quantity=4, allow_partial=True
    )
    # A: one facility of 4 fits in the allotment of 6; B: three of 4 fit in the 14 unallotted.
    assert done.allocated == 4
    left_out = set(
        done.skips.filter(reason=SkipReason.OUT_OF_STOCK).values_list("facility", flat=True)
    )
    assert left_out == {f.pk for f in in_a[1:]}
    allotment.refresh_from_db()
    assert allotment.used == 4
    assert Kit.objects.get(pk=kit.pk).quantity_available == 20 - 16


def test_a_failed_distribution_gives_each_unit_back_to_its_source(admin, setting):
    kit, allotment, in_a, in_b = setting
    distribution = distributions.start_distribution(
        by=admin, kit=kit, quantity_per_facility=1, facility_ids=[f.pk for f in in_a + in_b]
    )
    assert distributions._prepare(distribution.pk)
    allotment.refresh_from_db()
    assert allotment.used == 4
    distributions.fail_distribution(distribution_id=distribution.pk, error="test")
    allotment.refresh_from_db()
    kit = Kit.objects.get(pk=kit.pk)
    assert allotment.used == 0
    assert (kit.quantity_available, kit.quantity_allotted_left) == (20, 6)
    assert Allotment.objects.get(pk=allotment.pk).quantity == 6
