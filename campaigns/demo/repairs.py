"""Demo exhibit care, loaded by `load_demo` after the field work: known faults of the exhibit
designs that tour in both Heilongjiang sets, hand-over checklists at the touring set's
stops, and repair tickets in every status.

Everything goes through the services, like every other door. Idempotent: known faults are
added when their symptom is not known yet, and the checklists and tickets only when the
touring set has no checklist yet.
"""

import datetime

from django.utils import timezone

from events.models import TourStopStatus
from resources.models import (
    ExhibitionSet,
    ExhibitStatus,
    HandOver,
    HandOverItem,
    KnownFault,
    RepairTicket,
    RepairTicketTransition,
)
from resources.services import repairs as services

# (design, symptom, fix, times used)
KNOWN_FAULTS = [
    ("MAG-LEV", "列车悬浮不稳，一侧下沉", "调整电磁铁间隙并重新校准高度传感器", 4),
    ("MAG-LEV", "按下启动按钮列车不动", "更换启动按钮微动开关，检查控制板保险丝", 2),
    ("VORTEX", "雾气很少，龙卷风不成形", "清洗超声波雾化片，补充纯净水", 6),
    ("VORTEX", "风机有异响", "给风机轴承加润滑脂，紧固叶轮", 1),
    ("PLASMA", "辉光球不亮", "检查高压包和电源适配器，更换保险丝", 3),
    ("GYRO", "陀螺仪椅转动卡顿", "清理转轴异物并加润滑油", 2),
    ("GYRO", "安全带卡扣损坏", "更换安全带卡扣", 5),
    ("SOUND-FOCUS", "声音传不到对面", "调整两个抛物面的对准角度", 1),
    ("HEART", "心脏模型不跳动", "更换驱动电机，检查限位开关", 2),
    ("ROBOT-ARM", "机械臂动作不到位", "重新标定舵机零点，检查连杆螺丝", 3),
    ("SEISMO", "地震台震动过弱", "检查偏心电机皮带是否打滑，调紧皮带", 2),
    ("VR-SPACE", "VR 头显黑屏", "重启主机，重新插拔头显线缆，更新驱动", 7),
]


def _moment(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _checklist(stop, stage, damaged=(), missing=(), notes=None):
    """A checklist of every exhibit in use: ok unless named damaged or missing (by code)."""
    notes = notes or {}
    items = []
    for exhibit in stop.exhibition_set.exhibits.exclude(status=ExhibitStatus.RETIRED):
        condition = "damaged" if exhibit.code in damaged else "ok"
        condition = "missing" if exhibit.code in missing else condition
        items.append((exhibit.pk, condition, notes.get(exhibit.code, "")))
    return services.record_handover(by=None, stop=stop, stage=stage, items=items)


def load_exhibit_care(loader):
    for model, symptom, fix, used in KNOWN_FAULTS:
        if not KnownFault.objects.filter(model=model, symptom=symptom).exists():
            KnownFault.objects.create(model=model, symptom=symptom, fix=fix, times_used=used)
            loader.created[KnownFault] += 1

    touring = ExhibitionSet.objects.filter(code="HLJ-LD-01").first()
    if touring is None or HandOver.objects.filter(stop__exhibition_set=touring).exists():
        return
    closed = list(touring.stops.filter(status=TourStopStatus.CLOSED).order_by("starts_on"))
    current = touring.stops.filter(status=TourStopStatus.OPEN).first()
    if len(closed) < 2 or current is None:
        return
    code = touring.code
    first, second = closed[:2]

    # First stop: one exhibit broken by visitors, repaired with a known fault.
    dismantle = _checklist(
        first,
        "dismantle",
        damaged={f"{code}-04"},
        notes={f"{code}-04": "陀螺仪椅转动卡顿，有摩擦声"},
    )
    repaired = dismantle.opened_tickets[0]
    RepairTicket.objects.filter(pk=repaired.pk).update(cause="misuse")
    known = KnownFault.objects.get(model="GYRO", symptom="陀螺仪椅转动卡顿")
    services.diagnose_ticket(by=None, ticket=repaired, note="转轴内有异物")
    services.resolve_ticket(
        by=None, ticket=repaired, resolution="清理转轴异物并加润滑油", known_fault=known
    )

    # Second stop: a worn exhibit that cannot be repaired, and one that went missing.
    dismantle = _checklist(
        second,
        "dismantle",
        damaged={f"{code}-07"},
        missing={f"{code}-16"},
        notes={f"{code}-07": "心脏模型外壳开裂，电机烧毁", f"{code}-16": "撤展清点时未找到"},
    )
    worn = dismantle.opened_tickets[0]
    RepairTicket.objects.filter(pk=worn.pk).update(cause="wear")
    services.write_off_ticket(by=None, ticket=worn, note="零件停产，无法修复，报废")

    # Current stop: damage found at set-up that left the last stop in order (transport),
    # being diagnosed, and a fault reported during the stop, still open.
    setup = _checklist(
        current,
        "setup",
        damaged={f"{code}-10"},
        missing={f"{code}-16"},
        notes={f"{code}-10": "机械臂动作不到位，运输后连杆松动"},
    )
    services.diagnose_ticket(by=None, ticket=setup.opened_tickets[0], note="已联系厂家远程诊断")
    exhibit = touring.exhibits.get(code=f"{code}-03")
    services.open_ticket(
        by=None,
        exhibit=exhibit,
        stop=current,
        fault="辉光球不亮，按下开关没有反应",
        severity="degraded",
        cause="defect",
    )

    # The history as it happened: checklists and tickets on the days of the changeovers.
    for stop, stage, day in (
        (first, "dismantle", first.ends_on),
        (second, "dismantle", second.ends_on),
        (current, "setup", current.starts_on),
    ):
        handover = HandOver.objects.get(stop=stop, stage=stage)
        loader.backdate(handover, recorded_at=_moment(day))
        for ticket in RepairTicket.objects.filter(handover_item__handover=handover):
            resolved = _moment(day + datetime.timedelta(days=3), 15) if ticket.resolved_at else None
            loader.backdate(ticket, opened_at=_moment(day), resolved_at=resolved)
            for n, entry in enumerate(ticket.transitions.order_by("at", "id")):
                at = _moment(day) if n == 0 else _moment(day + datetime.timedelta(days=n + 1), 15)
                loader.backdate(entry, at=at)
    loader.created[HandOver] += HandOver.objects.filter(stop__exhibition_set=touring).count()
    loader.created[HandOverItem] += HandOverItem.objects.filter(
        handover__stop__exhibition_set=touring
    ).count()
    loader.created[RepairTicket] += RepairTicket.objects.filter(exhibition_set=touring).count()
    loader.created[RepairTicketTransition] += RepairTicketTransition.objects.filter(
        ticket__exhibition_set=touring
    ).count()
