"""Registering a facility through the portal, with the province → prefecture → county picker."""

import pytest
from django.core import mail
from django.urls import reverse

from facilities.models import Facility, FacilityStatus, Membership, RegionLevel
from tests import factories


@pytest.fixture
def regions(db):
    heilongjiang = factories.region_tree("230000", "黑龙江省")
    beijing = factories.RegionFactory(code="110000", name="北京市", level=RegionLevel.PROVINCE)
    grouping = factories.RegionFactory(
        code="110100", name="北京市·市辖区", level=RegionLevel.PREFECTURE, parent=beijing
    )
    grouping.is_grouping = True
    grouping.save()
    dongcheng = factories.RegionFactory(
        code="110101", name="东城区", level=RegionLevel.COUNTY, parent=grouping
    )
    return heilongjiang, (beijing, grouping, dongcheng)


def form_data(**overrides):
    data = {
        "name": "黑河市流动科技馆",
        "kind": "mobile_museum",
        "region_province": "230000",
        "region_prefecture": "231100",
        "region_county": "231102",
        "address": "黑河市爱辉区 1 号",
        "contact_name": "王五",
        "contact_phone": "13900000000",
        "contact_email": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def newcomer(db, client):
    user = factories.UserFactory(username="newcomer")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_form_offers_provinces_and_the_next_levels_on_demand(regions, newcomer, client):
    response = client.get(reverse("facility-register"))
    page = response.content.decode()
    assert 'name="region_province"' in page and 'name="region_county"' in page
    assert '<option value="230000">黑龙江省</option>' in page
    assert "黑龙江省某市" not in page  # prefectures come once a province is chosen
    assert "data-region-picker" in page and "region-picker.js" in page


@pytest.mark.django_db
def test_registering_makes_a_pending_facility_managed_by_the_user(
    regions, newcomer, client, django_capture_on_commit_callbacks
):
    province = regions[0][0]
    factories.CoordinatorFactory(province=province, user__username="hlj")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("facility-register"), form_data())
    facility = Facility.objects.get(name="黑河市流动科技馆")
    assert response.status_code == 302
    assert response["Location"] == reverse("facility-detail", args=[facility.pk])
    assert facility.status == FacilityStatus.PENDING
    assert (facility.region_id, facility.province_id, facility.level) == (
        "231102",
        "230000",
        "county",
    )
    assert facility.contact_email == newcomer.email  # defaults to the account's address
    assert Membership.objects.get(facility=facility).user == newcomer
    assert [m.to for m in mail.outbox] == [["hlj@example.org"]]

    page = client.get(response["Location"]).content.decode()
    assert "waits for approval" in page or "审核" in page
    assert "13900000000" in page

    # One account registers one unit.
    response = client.get(reverse("facility-register"))
    assert response["Location"] == reverse("facility-mine")


@pytest.mark.django_db
def test_a_prefecture_or_province_level_unit_stops_higher_in_the_tree(regions, newcomer, client):
    client.post(reverse("facility-register"), form_data(region_county=""))
    assert Facility.objects.get().level == "prefecture"


@pytest.mark.django_db
def test_a_grouping_row_stands_for_its_province(regions, newcomer, client):
    client.post(
        reverse("facility-register"),
        form_data(region_province="110000", region_prefecture="110100", region_county=""),
    )
    facility = Facility.objects.get()
    assert (facility.region_id, facility.level) == ("110000", "provincial")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "codes",
    [
        {"region_province": "", "region_prefecture": "", "region_county": ""},
        {"region_province": "230000", "region_prefecture": "110100", "region_county": ""},
        {"region_province": "230000", "region_prefecture": "", "region_county": "231102"},
        {"region_province": "999999", "region_prefecture": "", "region_county": ""},
    ],
)
def test_regions_that_do_not_form_a_chain_are_refused(regions, newcomer, client, codes):
    response = client.post(reverse("facility-register"), form_data(**codes))
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_without_javascript_choosing_a_province_reloads_its_prefectures(regions, newcomer, client):
    response = client.post(
        reverse("facility-register"),
        form_data(region_prefecture="", region_county="", _refresh_regions="1"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<option value="231100">黑龙江省某市</option>' in page
    assert "黑河市流动科技馆" in page  # what was typed is kept
    assert not response.context["form"].is_bound
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_a_name_is_registered_once_per_region(regions, newcomer, client):
    factories.FacilityFactory(name="黑河市流动科技馆", region=regions[0][2])
    response = client.post(reverse("facility-register"), form_data())
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Facility.objects.count() == 1


@pytest.mark.django_db
def test_registration_needs_an_account(regions, client):
    response = client.get(reverse("facility-register"))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_api_registration_refuses_a_duplicate_with_a_message(regions, api_client):
    user = factories.UserFactory()
    factories.FacilityFactory(name="同名馆", region=regions[0][2])
    api_client.force_authenticate(user)
    response = api_client.post(
        "/api/v1/facilities/",
        {"name": "同名馆", "kind": "caravan", "region": "231102"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    response = api_client.post(
        "/api/v1/facilities/", {"name": "", "kind": "rocket", "region": "000000"}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "kind", "region"} <= set(response.json())


@pytest.mark.django_db
def test_facility_page_hides_private_data_from_other_facilities(world, client):
    world.facility_a.status = FacilityStatus.APPROVED
    world.facility_a.save()
    client.force_login(world.staff_b)
    page = client.get(reverse("facility-detail", args=[world.facility_a.pk])).content.decode()
    assert world.facility_a.name in page
    assert world.facility_a.contact_phone not in page
    assert "staff-a" not in page


@pytest.mark.django_db
def test_pending_facilities_are_404_for_outsiders(world, client):
    url = reverse("facility-detail", args=[world.facility_a.pk])
    assert client.get(url).status_code == 404
    client.force_login(world.staff_b)
    assert client.get(url).status_code == 404
    client.force_login(world.coordinator_a)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_edit_their_pending_facility_but_not_its_identity_once_approved(world, client):
    client.force_login(world.staff_a)
    url = reverse("facility-edit", args=[world.facility_a.pk])
    data = {
        "name": "新名字",
        "kind": "caravan",
        "region_province": "230000",
        "region_prefecture": "231100",
        "region_county": "",
        "address": "新地址",
        "contact_name": "赵六",
        "contact_phone": "1",
        "contact_email": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world.facility_a.refresh_from_db()
    assert (world.facility_a.name, world.facility_a.region_id, world.facility_a.level) == (
        "新名字",
        "231100",
        "prefecture",
    )

    world.facility_a.status = FacilityStatus.APPROVED
    world.facility_a.save()
    response = client.get(url)
    assert response.context["form"].fields["name"].disabled
    client.post(url, {**data, "name": "再改", "address": "第三个地址"})
    world.facility_a.refresh_from_db()
    assert (world.facility_a.name, world.facility_a.address) == ("新名字", "第三个地址")

    client.force_login(world.staff_b)
    assert client.get(url).status_code == 403  # visible (approved) but not theirs
