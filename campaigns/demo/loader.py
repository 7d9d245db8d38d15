"""Loading the demo: `load_demo()` writes the facts of `facts.py` through the same service
functions the pages, the admin and the API call, so the demo's stock, timelines and history
are what real use produces; only the dates (and the reviewers the platform acted for) are
written back afterwards, to tell the 2022 story.

Idempotent by natural keys (campaign slug, facility name + region, username, kit code, resource
title, activity facility + title, photo caption): an object that exists is left as it is, so
what an administrator edited survives a second run, and a second run writes nothing.
"""

import datetime
import hashlib
import io
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone, translation

from campaigns import assessment
from campaigns.models import Campaign, MonthlyReport, Participation, ParticipationStatus
from config.errors import DomainError
from config.images import render_thumbnail
from events.models import Activity, ActivityKind, ActivityPhoto, ActivityStatus
from facilities.models import (
    Facility,
    FacilityKind,
    FacilityLevel,
    FacilityStatus,
    Membership,
    MembershipRole,
    ProvincialCoordinator,
    Region,
    RegionLevel,
    RegionTag,
    RegionTagAssignment,
)
from resources.models import (
    Allotment,
    Category,
    DigitalResource,
    Discrepancy,
    ExhibitionSet,
    Kit,
    KitRequest,
    KitRequestStatus,
    ResourceFormat,
    ResourceStatus,
)
from resources.services import kits
from resources.services.allotments import allot

from .facts import (
    ACTIVITIES,
    ACTIVITY_REJECT_REASON,
    APPLIED_ONLY,
    CAMPAIGN,
    CANCEL_NOTE,
    CATEGORIES,
    CENTRE_USERNAME,
    CEREMONY_TITLE,
    COORDINATOR_USERNAME,
    DEMO_PASSWORD,
    DEMO_REGION_TAGS,
    HEILONGJIANG,
    HEILONGJIANG_CARAVAN_PREFECTURES,
    HEILONGJIANG_PROVINCIAL_UNITS,
    KIND_SLUG,
    KIT_REQUESTS,
    KITS,
    NAME_SUFFIX,
    OTHER_FACILITIES,
    REJECT_REASON,
    RESOURCES,
    TIMELINES,
    days_after_launch,
    render_exhibit_design,
)
from .field import load_field_work
from .pictures import render_courseware, render_poster, render_scene
from .repairs import load_exhibit_care

# How each resource format's file is made.
RENDERERS = {
    ResourceFormat.IMAGE: render_poster,
    ResourceFormat.COURSEWARE: render_courseware,
    ResourceFormat.EXHIBIT_DESIGN: render_exhibit_design,
}
S = KitRequestStatus


class DemoLoader:
    """Creates what is missing; `created` counts what it wrote, by model."""

    def __init__(self):
        self.created = Counter()
        self.password_hash = None
        self.new_user_ids = []
        self.regions = {}
        self.facilities = {}
        self.managers = {}

    # -- helpers ------------------------------------------------------------

    def region(self, code):
        if code not in self.regions:
            self.regions[code] = Region.objects.select_related("parent__parent").get(code=code)
        return self.regions[code]

    def user(self, username, *, can_sign_in=True, **extra):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            # The address comes once the history is written (give_addresses): the services
            # would otherwise mail the demo's people now about what happened in 2022.
            user = User(username=username, email="", **extra)
            if not can_sign_in:
                user.set_unusable_password()
            else:
                if self.password_hash is None:
                    # One hash for all demo accounts: hashing is deliberately slow.
                    self.password_hash = make_password(DEMO_PASSWORD)
                user.password = self.password_hash
            user.save()
            self.new_user_ids.append(user.pk)
            self.created[get_user_model()] += 1
        return user

    def give_addresses(self):
        get_user_model().objects.filter(pk__in=self.new_user_ids).update(
            email=Concat("username", Value("@example.org"))
        )

    def backdate(self, obj, **fields):
        type(obj).objects.filter(pk=obj.pk).update(**fields)

    # -- steps --------------------------------------------------------------

    def load(self):
        with transaction.atomic():
            # The centre's account only signs the demo history; nobody signs in with it.
            self.centre = self.user(
                CENTRE_USERNAME, can_sign_in=False, first_name="全国流动科普设施服务中心"
            )
            self.coordinator = self.user(COORDINATOR_USERNAME, first_name="黑龙江省协调员")
            if not ProvincialCoordinator.objects.filter(
                user=self.coordinator, province_id=HEILONGJIANG
            ).exists():
                ProvincialCoordinator.objects.create(
                    user=self.coordinator, province_id=HEILONGJIANG
                )
                self.created[ProvincialCoordinator] += 1
            self.campaign = self.load_campaign()
            self.load_categories()
            self.load_facilities()
            activities = self.load_activities()
            self.load_participations(ceremony=activities[CEREMONY_TITLE])
            self.load_kits()
            self.load_resources()
            load_field_work(self)
            self.load_region_tags()
            self.load_allotments_and_receipts()
            self.load_monthly_reports()
            load_exhibit_care(self)
            self.give_addresses()
        return self.created

    def load_allotments_and_receipts(self):
        """Heilongjiang's allotment of the exhibit kit, and one shipment received short, so the
        allotment table and the discrepancy queue have something to show. Both go through the
        services, which keep the stock counters; a second run finds them and does nothing."""
        kit = Kit.objects.get(code="KIT-2022-EXHIBIT")
        if not Allotment.objects.filter(kit=kit, province_id=HEILONGJIANG).exists():
            quantity = min(10, kit.quantity_available)
            if quantity:
                try:
                    allot(kit=kit, province=HEILONGJIANG, quantity=quantity, by=None)
                    self.created[Allotment] += 1
                except DomainError:
                    pass  # a changed demo kit: no allotment rather than no demo
        if not Discrepancy.objects.exists():
            shipped = (
                kit.requests.filter(status=S.SHIPPED, quantity__gt=1)
                .select_related("facility", "created_by")
                .order_by("pk")
                .first()
            )
            if shipped is not None and shipped.created_by is not None:
                kits.receive_request(
                    kit_request=shipped,
                    by=shipped.created_by,
                    quantity_received=shipped.quantity - 1,
                    condition="short",
                    note="少到一箱，外包装有破损。",
                )
                self.created[Discrepancy] += 1

    def load_monthly_reports(self):
        """The touring museum's and the caravan's last months: the oldest accepted, the next
        waiting for the centre, the next for the province; the last one is still owed."""
        facilities = [
            ExhibitionSet.objects.get(code="HLJ-LD-01").operator,
            self.facilities[("231102", FacilityKind.CARAVAN)],
        ]
        month = assessment.first_of_month(timezone.localdate())
        months = []
        for _step in range(4):
            month = assessment.previous_month(month)
            months.append(month)
        steps = {months[3]: 3, months[2]: 2, months[1]: 1}  # how far each month got
        for facility in facilities:
            for month, reached in steps.items():
                if MonthlyReport.objects.filter(facility=facility, month=month).exists():
                    continue
                report = assessment.create_report(by=None, facility=facility, month=month)
                report = assessment.submit_report(
                    report=report, by=None, summary="本月巡展按计划进行，数据由平台汇总。"
                )
                if reached >= 2:
                    report = assessment.approve_report(report=report, by=self.coordinator)
                if reached >= 3:
                    assessment.approve_report(report=report, by=None)
                self.created[MonthlyReport] += 1

    def load_campaign(self):
        campaign = Campaign.objects.filter(slug=CAMPAIGN["slug"]).first()
        if campaign is None:
            campaign = Campaign.objects.create(**CAMPAIGN)
            self.created[Campaign] += 1
        return campaign

    def load_categories(self):
        self.categories = {}
        for position, (slug, name, name_en) in enumerate(CATEGORIES):
            category = Category.objects.filter(slug=slug).first()
            if category is None:
                category = Category.objects.create(
                    slug=slug, name=name, name_en=name_en, position=position
                )
                self.created[Category] += 1
            self.categories[slug] = category

    def facility_specs(self):
        """(region code, kind, status, name) of every demo facility, parents first."""
        specs = []
        for code, kind, name in HEILONGJIANG_PROVINCIAL_UNITS:
            specs.append((code, kind, FacilityStatus.APPROVED, name))
        prefectures = Region.objects.filter(
            parent_id=HEILONGJIANG, level=RegionLevel.PREFECTURE, is_grouping=False
        ).order_by("code")
        for prefecture in prefectures:
            self.regions[prefecture.code] = prefecture
            kind = (
                FacilityKind.CARAVAN
                if prefecture.code in HEILONGJIANG_CARAVAN_PREFECTURES
                else FacilityKind.MOBILE_MUSEUM
            )
            specs.append((prefecture.code, kind, FacilityStatus.APPROVED, None))
        specs.extend(OTHER_FACILITIES)
        codes = {spec[0] for spec in specs} | {spec[5] for spec in ACTIVITIES}
        self.regions.update(Region.objects.select_related("parent__parent").in_bulk(codes))
        depth = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}
        return sorted(specs, key=lambda spec: (depth[self.region(spec[0]).level], spec[0]))

    def parent_unit(self, region):
        """The demo unit one level up in the same province, if there is one."""
        for ancestor in (region.parent, region.parent and region.parent.parent):
            if ancestor is None:
                continue
            for (code, _kind), facility in self.facilities.items():
                if code == ancestor.code and facility.level != FacilityLevel.COUNTY:
                    return facility
        return None

    def load_facilities(self):
        for code, kind, status, name in self.facility_specs():
            region = self.region(code)
            name = name or f"{region.name}{NAME_SUFFIX[kind]}"
            facility = Facility.objects.filter(name=name, region=region).first()
            manager = self.user(f"unit-{code}-{KIND_SLUG[kind]}", first_name=name)
            if facility is None:
                approved = status == FacilityStatus.APPROVED
                facility = Facility.objects.create(
                    name=name,
                    kind=kind,
                    status=status,
                    region=region,
                    parent=self.parent_unit(region),
                    address=self.address(region),
                    contact_email=f"unit-{code}-{KIND_SLUG[kind]}@example.org",
                    decided_at=days_after_launch(-40) if approved else None,
                    decided_by=self.centre if approved else None,
                )
                self.backdate(facility, created_at=days_after_launch(-45))
                self.created[Facility] += 1
            if not Membership.objects.filter(user=manager, facility=facility).exists():
                Membership.objects.create(
                    user=manager, facility=facility, role=MembershipRole.MANAGER
                )
                self.created[Membership] += 1
            self.facilities[(code, kind)] = facility
            self.managers[(code, kind)] = manager
        # A second, non-managing member for the provincial museum.
        museum_key = ("230000", FacilityKind.SCIENCE_CENTER)
        staff = self.user("unit-230000-museum-staff", first_name="黑龙江省科学技术馆讲解员")
        if not Membership.objects.filter(user=staff, facility=self.facilities[museum_key]).exists():
            Membership.objects.create(
                user=staff, facility=self.facilities[museum_key], role=MembershipRole.STAFF
            )
            self.created[Membership] += 1

    def address(self, region):
        names = []
        while region is not None:
            if not region.is_grouping:
                names.append(region.name)
            region = region.parent
        return "".join(reversed(names))

    def reviewer_for(self, facility):
        return self.coordinator if facility.province_id == HEILONGJIANG else self.centre

    def load_participations(self, *, ceremony):
        # The flags go to Heilongjiang's provincial units and its prefecture-level units.
        flag_keys = {
            key
            for key in self.facilities
            if self.region(key[0]).province_code == HEILONGJIANG
            and self.region(key[0]).level != RegionLevel.COUNTY
        }
        for key, facility in self.facilities.items():
            if facility.status != FacilityStatus.APPROVED:
                continue
            if Participation.objects.filter(campaign=self.campaign, facility=facility).exists():
                continue
            applied = key in APPLIED_ONLY
            flag = key in flag_keys
            participation = Participation.objects.create(
                campaign=self.campaign,
                facility=facility,
                status=ParticipationStatus.APPLIED if applied else ParticipationStatus.APPROVED,
                applied_by=self.managers[key],
                approved_at=None if applied else days_after_launch(-10),
                approved_by=None if applied else self.reviewer_for(facility),
                flag_awarded_at=ceremony.starts_at if flag else None,
                flag_awarded_by=self.centre if flag else None,
                flag_ceremony=ceremony if flag else None,
            )
            self.backdate(participation, applied_at=days_after_launch(-20))
            self.created[Participation] += 1

    def load_activities(self):
        activities = {}
        for spec in ACTIVITIES:
            key, kind, title, offset, hour, region_code, audience, status, photos = spec
            facility = self.facilities[key]
            activity = Activity.objects.filter(facility=facility, title=title).first()
            if activity is None:
                starts_at = days_after_launch(offset, hour)
                reviewed = status != ActivityStatus.REPORTED
                region = self.region(region_code)
                activity = Activity.objects.create(
                    campaign=self.campaign,
                    facility=facility,
                    kind=kind,
                    title=title,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=2),
                    venue=self.address(region),
                    region=region,
                    audience_count=audience,
                    description=self.activity_description(kind, region),
                    status=status,
                    reject_reason=ACTIVITY_REJECT_REASON
                    if status == ActivityStatus.REJECTED
                    else "",
                    created_by=self.managers[key],
                    reviewed_at=starts_at + datetime.timedelta(days=2) if reviewed else None,
                    reviewed_by=self.reviewer_for(facility) if reviewed else None,
                )
                self.backdate(activity, created_at=starts_at + datetime.timedelta(hours=6))
                self.created[Activity] += 1
            for index, caption in enumerate(photos):
                self.load_photo(activity, caption, seed=len(activities) * 3 + index)
            activities[title] = activity
        return activities

    def activity_description(self, kind, region):
        where = self.address(region)
        texts = {
            ActivityKind.LAUNCH_CEREMONY: f"联合行动在{where}启动，现场为参与单位授旗。",
            ActivityKind.SCIENCE_SHOW: "科学表演展示饮食、睡眠与免疫力的关系，观众上台参与实验。",
            ActivityKind.ROBOT_SHOW: "机器人演示健康操和急救知识问答，吸引了大量青少年。",
            ActivityKind.HEALTH_CARNIVAL: "健康科普嘉年华设互动展区、知识问答和义诊咨询。",
        }
        return texts.get(kind, f"在{where}开展的健康主题科普活动。")

    def load_photo(self, activity, caption, *, seed):
        if ActivityPhoto.objects.filter(activity=activity, caption=caption).exists():
            return
        with translation.override("en"):
            latin_caption = str(ActivityKind(activity.kind).label)
        content, (width, height) = render_scene(seed, caption, latin_caption)
        photo = ActivityPhoto(
            activity=activity,
            caption=caption,
            credit=activity.facility.name,
            uploaded_by=activity.created_by,
        )
        stem = f"demo-{activity.pk}-{seed}"
        photo.image.save(f"{stem}.jpg", ContentFile(content), save=False)
        thumbnail = render_thumbnail(io.BytesIO(content))
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(thumbnail), save=False)
        photo.width, photo.height = width, height
        photo.save()
        self.created[ActivityPhoto] += 1

    def load_kits(self):
        for spec in KITS:
            kit = Kit.objects.filter(code=spec["code"]).first()
            if kit is None:
                kit = kits.create_kit(
                    kit=Kit(
                        code=spec["code"],
                        name=spec["name"],
                        campaign=self.campaign,
                        description=spec["description"],
                        contents=spec["contents"],
                        quantity_total=spec["total"],
                    ),
                    by=None,
                )
                self.created[Kit] += 1
            for index, (code, key, quantity, status, offset) in enumerate(KIT_REQUESTS):
                if code == kit.code:
                    self.load_kit_request(kit, key, quantity, status, offset, index)

    def load_kit_request(self, kit, key, quantity, status, offset, index):
        facility = self.facilities[key]
        if KitRequest.objects.filter(kit=kit, facility=facility).exists():
            return
        requester = self.managers[key]
        kit_request = kits.submit_request(
            kit=kit,
            facility=facility,
            quantity=quantity,
            purpose=f"{facility.name}在辖区巡展使用。",
            by=requester,
        )
        for step, _days in TIMELINES[status][1:]:
            self.move_kit_request(kit_request, step, requester=requester, number=index + 1)
        self.backdate_timeline(kit_request, status=status, offset=offset, requester=requester)
        self.created[KitRequest] += 1

    def move_kit_request(self, kit_request, step, *, requester, number):
        # The platform reviews (by=None): the centre's account is no administrator, and
        # Heilongjiang's requests predate its allotment, so no demo reviewer could approve
        # them; backdate_timeline names the reviewer afterwards.
        if step == S.APPROVED:
            kits.approve_request(kit_request=kit_request, by=None)
        elif step == S.SHIPPED:
            kits.ship_request(
                kit_request=kit_request,
                by=None,
                carrier="中国邮政速递物流",
                tracking_number=f"DEMO2022{number:05d}",
            )
        elif step == S.RECEIVED:
            kits.receive_request(kit_request=kit_request, by=requester)
        elif step == S.REJECTED:
            kits.reject_request(kit_request=kit_request, by=None, reason=REJECT_REASON)
        elif step == S.CANCELLED:
            kits.cancel_request(kit_request=kit_request, by=requester, note=CANCEL_NOTE)

    def backdate_timeline(self, kit_request, *, status, offset, requester):
        """Move the request and its timeline to the days of the story, and name its reviewer."""
        start = days_after_launch(offset)
        when = {step: start + datetime.timedelta(days=days) for step, days in TIMELINES[status]}
        self.backdate(
            kit_request,
            created_at=start,
            approved_at=when.get(S.APPROVED),
            shipped_at=when.get(S.SHIPPED),
            received_at=when.get(S.RECEIVED),
            closed_at=when.get(S.REJECTED) or when.get(S.CANCELLED),
        )
        reviewer = self.reviewer_for(kit_request.facility)
        for entry in kit_request.transitions.order_by("pk"):
            by = requester if entry.by_id == requester.pk else reviewer
            self.backdate(entry, at=when[entry.to_status], by=by)

    def load_resources(self):
        for spec in RESOURCES:
            if DigitalResource.objects.filter(title=spec.title).exists():
                continue
            content = RENDERERS[spec.format](self.campaign)
            resource = DigitalResource(
                title=spec.title,
                description=spec.description,
                campaign=self.campaign,
                category=self.categories[spec.category],
                format=spec.format,
                access=spec.access,
                status=ResourceStatus.PUBLISHED,
                original_filename=spec.filename,
                file_size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content_type=spec.content_type,
                created_by=self.centre,
                published_at=days_after_launch(0, 8),
            )
            resource.file.save(spec.filename, ContentFile(content), save=False)
            if spec.content_type.startswith("image/"):
                thumbnail = render_thumbnail(io.BytesIO(content))
                stem = Path(spec.filename).stem
                resource.thumbnail.save(f"{stem}.jpg", ContentFile(thumbnail), save=False)
            resource.save()
            self.backdate(resource, created_at=days_after_launch(-2))
            self.created[DigitalResource] += 1

    def load_region_tags(self):
        tags = {tag.code: tag for tag in RegionTag.objects.filter(code__in=DEMO_REGION_TAGS)}
        existing = set(RegionTagAssignment.objects.values_list("region_id", "tag__code"))
        known = set(Region.objects.filter(code__in=_tagged_codes()).values_list("code", flat=True))
        missing = [
            RegionTagAssignment(region_id=code, tag=tags[tag_code])
            for tag_code, codes in DEMO_REGION_TAGS.items()
            if tag_code in tags
            for code in codes
            if code in known and (code, tag_code) not in existing
        ]
        if missing:
            RegionTagAssignment.objects.bulk_create(missing)
            self.created[RegionTagAssignment] += len(missing)


def _tagged_codes():
    return {code for codes in DEMO_REGION_TAGS.values() for code in codes}


def load_demo():
    """Load the demo data; returns a Counter of created objects by model (empty on a rerun)."""
    return DemoLoader().load()
