"""Demo field work, loaded by `load_demo` after the units exist: two exhibition sets of the
Heilongjiang Science and Technology Museum touring counties, a caravan's trips, and a set of
a second province. Dates are relative to the day of loading, so that a stop is open "now".

Stops and attendance go through the services, like every other door. Idempotent: a set that
exists keeps its exhibits and stops, a caravan with trips gets no more.
"""

import datetime

from django.utils import timezone

from events import services
from events.models import CaravanTrip, CaravanTripStatus, StopAttendance, TourStop
from facilities.models import FacilityKind
from resources.models import Exhibit, ExhibitionSet

# Exhibit designs; copies of the same design appear in several sets.
EXHIBIT_MODELS = [
    ("MAG-LEV", "磁悬浮列车"),
    ("VORTEX", "龙卷风"),
    ("PLASMA", "辉光球"),
    ("GYRO", "陀螺仪椅"),
    ("SOUND-FOCUS", "声聚焦"),
    ("MIRROR-MAZE", "镜子迷宫"),
    ("HEART", "心脏跳动模型"),
    ("BREATH", "肺活量测试"),
    ("PULLEY", "滑轮组"),
    ("ROBOT-ARM", "机械臂"),
    ("SEISMO", "地震体验台"),
    ("SOLAR", "太阳能小车"),
    ("PENDULUM", "傅科摆"),
    ("OPTIC-FIBER", "光纤通信"),
    ("DNA", "DNA 双螺旋"),
    ("NUTRITION", "膳食宝塔"),
    ("VR-SPACE", "太空漫步 VR"),
    ("BERNOULLI", "伯努利悬球"),
    ("LEVER", "杠杆原理"),
    ("EYE", "视错觉墙"),
]

# (code, name, theme, operator key, exhibit count, first design)
SETS = [
    (
        "HLJ-LD-01",
        "健康生活流动科技馆",
        "践行二十大 健康享未来",
        ("230000", FacilityKind.SCIENCE_CENTER),
        50,
        0,
    ),
    (
        "HLJ-LD-02",
        "科技创新流动科技馆",
        "科技创新 强国有我",
        ("230000", FacilityKind.SCIENCE_CENTER),
        48,
        7,
    ),
    ("HEB-LD-01", "石家庄流动科技馆", "健康中国", ("130100", FacilityKind.MOBILE_MUSEUM), 45, 3),
]


def _days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def _visitors(day):
    """A plausible, repeatable daily count: busier at weekends."""
    base = 420 + (day.toordinal() * 37) % 380
    return base * 2 if day.weekday() >= 5 else base


def _record_week(stop, first, last):
    """Attendance for the opening days (Wednesday to Sunday) from first to last."""
    day = first
    while day <= last:
        if day.weekday() >= 2:  # closed Monday and Tuesday for maintenance
            services.record_attendance(
                by=None,
                stop=stop,
                date=day,
                visitors=_visitors(day),
                school_groups=(day.toordinal() % 4) if day.weekday() < 5 else 0,
            )
        day += datetime.timedelta(days=1)


def load_field_work(loader):
    campaign = loader.campaign
    sets = {}
    for code, name, theme, operator_key, count, first_model in SETS:
        exhibition_set = ExhibitionSet.objects.filter(code=code).first()
        if exhibition_set is None:
            exhibition_set = ExhibitionSet.objects.create(
                code=code,
                name=name,
                theme=theme,
                operator=loader.facilities[operator_key],
                campaign=campaign,
            )
            loader.created[ExhibitionSet] += 1
            exhibits = []
            for n in range(count):
                model, label = EXHIBIT_MODELS[(first_model + n) % len(EXHIBIT_MODELS)]
                copy = (first_model + n) // len(EXHIBIT_MODELS) + 1
                exhibits.append(
                    Exhibit(
                        exhibition_set=exhibition_set,
                        code=f"{code}-{n + 1:02d}",
                        name=f"{label}（{copy}）" if copy > 1 else label,
                        model=model,
                    )
                )
            Exhibit.objects.bulk_create(exhibits)
            loader.created[Exhibit] += len(exhibits)
        sets[code] = exhibition_set

    opening_days = "周三至周日 9:00–16:30"
    touring = sets["HLJ-LD-01"]
    if not touring.stops.exists():
        plans = [
            ("231123", "逊克县体育馆", -220, -150, "close"),
            ("231124", "孙吴县青少年活动中心", -140, -75, "close"),
            ("231183", "嫩江市科技馆", -20, 55, "open"),
        ]
        for county, venue, start, end, last_step in plans:
            stop = services.plan_stop(
                by=None,
                exhibition_set=touring,
                region=loader.region(county),
                venue=venue,
                venue_area_m2=400,
                opening_days=opening_days,
                starts_on=_days(start),
                ends_on=_days(end),
            )
            services.open_stop(by=None, stop=stop)
            _record_week(stop, stop.starts_on, min(stop.ends_on, _days(0)))
            if last_step == "close":
                services.close_stop(by=None, stop=stop)
            loader.created[TourStop] += 1
            loader.created[StopAttendance] += stop.attendance.count()
    planned = sets["HLJ-LD-02"]
    if not planned.stops.exists():
        services.plan_stop(
            by=None,
            exhibition_set=planned,
            region=loader.region("231181"),
            venue="北安市第一中学体育馆",
            venue_area_m2=450,
            opening_days=opening_days,
            starts_on=_days(25),
            ends_on=_days(100),
        )
        loader.created[TourStop] += 1
    other = sets["HEB-LD-01"]
    if not other.stops.exists():
        stop = services.plan_stop(
            by=None,
            exhibition_set=other,
            region=loader.region("130102"),
            venue="长安区文化馆",
            venue_area_m2=380,
            opening_days="周二至周日",
            starts_on=_days(-10),
            ends_on=_days(50),
        )
        services.open_stop(by=None, stop=stop)
        _record_week(stop, stop.starts_on, _days(0))
        loader.created[TourStop] += 1

    caravan = loader.facilities[("231102", FacilityKind.CARAVAN)]
    if not CaravanTrip.objects.filter(facility=caravan).exists():
        trips = [
            ("231123", "逊克县奇克镇中心小学", -120, -117, CaravanTripStatus.REPORTED, 386),
            ("231124", "孙吴县沿江满族达斡尔族乡", -80, -76, CaravanTripStatus.REPORTED, 452),
            ("231181", "北安市赵光镇", -30, -28, CaravanTripStatus.REPORTED, 298),
            ("231183", "嫩江市伊拉哈镇中学", 12, 15, CaravanTripStatus.PLANNED, None),
        ]
        for county, destination, start, end, status, km in trips:
            trip = services.plan_trip(
                by=None,
                facility=caravan,
                campaign=campaign,
                region=loader.region(county),
                destination=destination,
                starts_on=_days(start),
                ends_on=_days(end),
                purpose="科普大篷车进乡村、进校园：科学表演与展品巡展。",
            )
            if status == CaravanTripStatus.REPORTED:
                # The history of past trips, written as it happened (no mail is sent now).
                CaravanTrip.objects.filter(pk=trip.pk).update(
                    status=status,
                    approved_by=loader.coordinator,
                    approved_at=timezone.now(),
                    reported_at=timezone.now(),
                    distance_km=km,
                    audience_total=km * 4,
                    activities_count=(end - start + 1) * 2,
                    summary="按计划完成巡展，开展科学表演和互动体验。",
                )
            loader.created[CaravanTrip] += 1
