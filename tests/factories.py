"""factory_boy factories for every model the tests build."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Participation, ParticipationStatus
from events.models import Activity, ActivityKind
from facilities.models import (
    Facility,
    FacilityKind,
    FacilityStatus,
    Membership,
    MembershipRole,
    ProvincialCoordinator,
    Region,
    RegionLevel,
)
from resources.models import (
    Category,
    DigitalResource,
    Kit,
    KitRequest,
    ResourceFormat,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class RegionFactory(factory.django.DjangoModelFactory):
    """Regions are normally loaded by load_regions; tests that need few build them here."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "230000"
    name = "黑龙江省"
    level = RegionLevel.PROVINCE
    parent = None


def region_tree(province_code="230000", province_name="黑龙江省"):
    """A province with one prefecture and one county below it (codes follow GB/T 2260)."""
    prefix = province_code[:2]
    province = RegionFactory(code=province_code, name=province_name, level=RegionLevel.PROVINCE)
    prefecture = RegionFactory(
        code=f"{prefix}1100",
        name=f"{province_name}某市",
        level=RegionLevel.PREFECTURE,
        parent=province,
    )
    county = RegionFactory(
        code=f"{prefix}1102",
        name=f"{province_name}某县",
        level=RegionLevel.COUNTY,
        parent=prefecture,
    )
    return province, prefecture, county


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"流动科技馆 {n}")
    kind = FacilityKind.MOBILE_MUSEUM
    status = FacilityStatus.APPROVED
    region = factory.LazyFunction(lambda: region_tree()[2])
    address = "某路 1 号"
    contact_name = "张三"
    contact_phone = "13800000000"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)
    role = MembershipRole.MANAGER


class CoordinatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvincialCoordinator

    user = factory.SubFactory(UserFactory)
    province = factory.LazyFunction(lambda: region_tree()[0])


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title = factory.Sequence(lambda n: f"联合行动 {n}")
    theme = "健康享未来"
    host = "中国科学技术馆"
    starts_on = datetime.date(2022, 8, 26)
    ends_on = datetime.date(2022, 12, 31)
    status = CampaignStatus.ACTIVE


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    campaign = factory.SubFactory(CampaignFactory)
    facility = factory.SubFactory(FacilityFactory)
    status = ParticipationStatus.APPROVED


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"类别 {n}")


class DigitalResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigitalResource

    title = factory.Sequence(lambda n: f"科普资源 {n}")
    description = "健康生活方式"
    format = ResourceFormat.DOCUMENT
    category = factory.SubFactory(CategoryFactory)
    file = factory.django.FileField(filename="resource.txt", data=b"hello science")
    file_size = 13
    content_type = "text/plain"
    published_at = factory.LazyFunction(timezone.now)


class KitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kit

    code = factory.Sequence(lambda n: f"KIT-{n:04d}")
    name = factory.Sequence(lambda n: f"健康主题展板 {n}")
    quantity_total = 20
    quantity_available = factory.SelfAttribute("quantity_total")


class KitRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KitRequest

    kit = factory.SubFactory(KitFactory)
    facility = factory.SubFactory(FacilityFactory)
    quantity = 1
    purpose = "乡村学校巡展"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    campaign = factory.SubFactory(CampaignFactory)
    facility = factory.SubFactory(FacilityFactory)
    kind = ActivityKind.SCIENCE_SHOW
    title = factory.Sequence(lambda n: f"科学表演 {n}")
    starts_at = factory.LazyFunction(timezone.now)
    venue = "黑河市广场"
    region = factory.LazyAttribute(lambda o: o.facility.region)
    audience_count = 100
