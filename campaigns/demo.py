"""Demo data: the 2022 public-health joint action and the units, kits, resources and
activities around it, loaded by `manage.py load_demo`.

Everything is written through the models (not the services) and kept consistent here: stock
available = total − units of requests that are approved, shipped or received; every request
has the transitions of its timeline; flags go to approved participations only.

Idempotent by natural keys (campaign slug, facility name + region, username, kit code, resource
title, activity facility + title, photo caption): an object that exists is left as it is, so
what an administrator edited survives a second run, and a second run writes nothing.
"""

import datetime
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from campaigns.models import Campaign, CampaignStatus, Participation, ParticipationStatus
from config.errors import InsufficientStock
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
    Category,
    DigitalResource,
    Kit,
    KitRequest,
    KitRequestStatus,
    KitRequestTransition,
    ResourceAccess,
    ResourceFormat,
    ResourceStatus,
)

# Every demo account except the national centre's signs in with this password.
DEMO_PASSWORD = "kepu-demo-2022"
CENTRE_USERNAME = "demo-centre"
COORDINATOR_USERNAME = "hlj-coordinator"
TZ = ZoneInfo("Asia/Shanghai")
LAUNCH_DAY = datetime.date(2022, 8, 26)
HEILONGJIANG = "230000"


def at(day, hour=9, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def days_after_launch(days, hour=10):
    return at(LAUNCH_DAY + datetime.timedelta(days=days), hour)


# ---------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------

CAMPAIGN = {
    "slug": "2022-health",
    "title": "2022年全国流动科普设施联合行动",
    "theme": "践行二十大 健康享未来",
    "host": "中国科学技术馆",
    "launch_place": "黑龙江省黑河市",
    "starts_on": LAUNCH_DAY,
    "status": CampaignStatus.ACTIVE,
    "description": (
        "本年度联合行动以公众健康为主题，坚持预防为主，依托流动科技馆、科普大篷车等流动科普"
        "设施，把健康知识送到城乡基层。\n"
        "行动围绕倡导文明健康、绿色环保的生活方式，提升公众疾病预防素养，营造绿色安全的生活"
        "环境等内容，组织科学表演、互动展览、科普讲座和动手实验，引导每个人做自己健康的第一"
        "责任人。"
    ),
}

CATEGORIES = [
    ("video", "视频", "Video"),
    ("poster", "海报", "Poster"),
    ("courseware", "课件", "Courseware"),
    ("exhibit-design", "展品设计", "Exhibit design"),
]

# Name endings of the units a region's facility gets when the data gives no name.
NAME_SUFFIX = {FacilityKind.MOBILE_MUSEUM: "流动科技馆", FacilityKind.CARAVAN: "科普大篷车"}
KIND_SLUG = {
    FacilityKind.MOBILE_MUSEUM: "mobile",
    FacilityKind.CARAVAN: "caravan",
    FacilityKind.SCIENCE_CENTER: "museum",
    FacilityKind.POPULARIZATION_CENTER: "centre",
    FacilityKind.OTHER: "unit",
}

# Heilongjiang's prefecture-level units run caravans here, mobile museums elsewhere.
HEILONGJIANG_CARAVAN_PREFECTURES = {"230300", "230500", "230700", "230900", "231200", "232700"}
HEILONGJIANG_PROVINCIAL_UNITS = [
    ("230000", FacilityKind.SCIENCE_CENTER, "黑龙江省科学技术馆"),
    ("230000", FacilityKind.POPULARIZATION_CENTER, "黑龙江省科普事业中心"),
]

# (region code, kind, status, name or None for "<region name><suffix>")
OTHER_FACILITIES = [
    ("231102", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("232701", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("231182", FacilityKind.MOBILE_MUSEUM, FacilityStatus.PENDING, None),
    ("110000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "北京科学中心"),
    ("110119", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("130000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "河北省科学技术馆"),
    ("130100", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("130700", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("130828", FacilityKind.CARAVAN, FacilityStatus.PENDING, None),
    ("420000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "湖北省科学技术馆"),
    ("422800", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("429004", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("429021", FacilityKind.CARAVAN, FacilityStatus.PENDING, None),
    ("440000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "广东科学中心"),
    ("440200", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("441900", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("442000", FacilityKind.CARAVAN, FacilityStatus.PENDING, None),
    ("460400", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("469001", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("510000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "四川科技馆"),
    ("510100", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("510700", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("513400", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("513431", FacilityKind.CARAVAN, FacilityStatus.PENDING, None),
    ("530000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "云南省科学技术馆"),
    ("533300", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("533324", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("540000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "西藏自治区科学技术馆"),
    ("540600", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("620000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "甘肃科技馆"),
    ("620200", FacilityKind.MOBILE_MUSEUM, FacilityStatus.APPROVED, None),
    ("623000", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("650000", FacilityKind.SCIENCE_CENTER, FacilityStatus.APPROVED, "新疆科技馆"),
    ("653200", FacilityKind.CARAVAN, FacilityStatus.APPROVED, None),
    ("653229", FacilityKind.CARAVAN, FacilityStatus.PENDING, None),
]

# Approved units outside the flag ceremony that have applied but are not approved yet.
APPLIED_ONLY = {("440200", FacilityKind.MOBILE_MUSEUM), ("540600", FacilityKind.CARAVAN)}

KITS = [
    {
        "code": "KIT-2022-EXHIBIT",
        "name": "健康生活主题展品套件",
        "total": 30,
        "description": "适合流动科技馆布展的健康生活主题互动展品，可在中小型场地快速搭建。",
        "contents": "互动展品 6 件\n说明展牌 6 块\n布展手册 1 册",
    },
    {
        "code": "KIT-2022-BOARDS",
        "name": "疾病预防知识展板",
        "total": 100,
        "description": "传染病与慢性病预防知识展板，适合乡镇、社区和学校巡展。",
        "contents": "展板 12 块\n折叠展架 2 副",
    },
    {
        "code": "KIT-2022-LAB",
        "name": "健康科学实验箱",
        "total": 50,
        "description": "供科普大篷车开展动手实验的器材箱，含营养、洗手、视力等主题实验。",
        "contents": "实验器材 8 套\n教师手册 1 册\n学生记录卡 100 张",
    },
]

# (kit code, facility key, quantity, final status, days after launch the request was made)
KIT_REQUESTS = [
    ("KIT-2022-EXHIBIT", ("230100", FacilityKind.MOBILE_MUSEUM), 2, "received", 3),
    ("KIT-2022-EXHIBIT", ("231100", FacilityKind.MOBILE_MUSEUM), 2, "received", 3),
    ("KIT-2022-EXHIBIT", ("232700", FacilityKind.CARAVAN), 2, "shipped", 10),
    ("KIT-2022-EXHIBIT", ("230200", FacilityKind.MOBILE_MUSEUM), 2, "approved", 20),
    ("KIT-2022-EXHIBIT", ("231000", FacilityKind.MOBILE_MUSEUM), 1, "submitted", 30),
    ("KIT-2022-BOARDS", ("231102", FacilityKind.CARAVAN), 5, "received", 5),
    ("KIT-2022-BOARDS", ("130100", FacilityKind.MOBILE_MUSEUM), 10, "received", 6),
    ("KIT-2022-BOARDS", ("510100", FacilityKind.MOBILE_MUSEUM), 10, "shipped", 12),
    ("KIT-2022-BOARDS", ("441900", FacilityKind.MOBILE_MUSEUM), 6, "approved", 18),
    ("KIT-2022-BOARDS", ("429004", FacilityKind.CARAVAN), 40, "rejected", 8),
    ("KIT-2022-BOARDS", ("440200", FacilityKind.MOBILE_MUSEUM), 5, "cancelled", 9),
    ("KIT-2022-BOARDS", ("533300", FacilityKind.CARAVAN), 8, "submitted", 25),
    ("KIT-2022-LAB", ("232701", FacilityKind.CARAVAN), 3, "received", 4),
    ("KIT-2022-LAB", ("620200", FacilityKind.MOBILE_MUSEUM), 4, "shipped", 14),
    ("KIT-2022-LAB", ("469001", FacilityKind.CARAVAN), 3, "submitted", 28),
    ("KIT-2022-LAB", ("540600", FacilityKind.CARAVAN), 2, "cancelled", 7),
    ("KIT-2022-LAB", ("623000", FacilityKind.CARAVAN), 3, "approved", 16),
]

# Each final status is reached through these steps, (status, days after the request).
TIMELINES = {
    "submitted": [("submitted", 0)],
    "approved": [("submitted", 0), ("approved", 2)],
    "shipped": [("submitted", 0), ("approved", 2), ("shipped", 5)],
    "received": [("submitted", 0), ("approved", 2), ("shipped", 5), ("received", 9)],
    "rejected": [("submitted", 0), ("rejected", 3)],
    "cancelled": [("submitted", 0), ("approved", 2), ("cancelled", 4)],
}
RESERVING = {KitRequestStatus.APPROVED, KitRequestStatus.SHIPPED, KitRequestStatus.RECEIVED}
REJECT_REASON = "申请数量超出本单位本年度巡展计划所需，请按实际场次调整后重新申请。"
CANCEL_NOTE = "巡展计划调整，本批暂不需要。"

CEREMONY_TITLE = "全国流动科普设施联合行动启动仪式"
# (facility key, kind, title, day offset, hour, venue region, audience, status, photos)
ACTIVITIES = [
    (
        ("230000", FacilityKind.SCIENCE_CENTER),
        ActivityKind.LAUNCH_CEREMONY,
        CEREMONY_TITLE,
        0,
        9,
        "231100",
        600,
        ActivityStatus.VERIFIED,
        ["启动仪式现场", "授旗仪式"],
    ),
    (
        ("230000", FacilityKind.SCIENCE_CENTER),
        ActivityKind.SCIENCE_SHOW,
        "启动仪式现场科学表演",
        0,
        10,
        "231100",
        450,
        ActivityStatus.VERIFIED,
        ["科学表演"],
    ),
    (
        ("230000", FacilityKind.POPULARIZATION_CENTER),
        ActivityKind.ROBOT_SHOW,
        "启动仪式现场机器人表演",
        0,
        11,
        "231100",
        380,
        ActivityStatus.VERIFIED,
        ["机器人表演"],
    ),
    (
        ("231100", FacilityKind.MOBILE_MUSEUM),
        ActivityKind.HEALTH_CARNIVAL,
        "健康科普嘉年华",
        0,
        13,
        "231100",
        1200,
        ActivityStatus.VERIFIED,
        ["嘉年华互动展区", "健康知识问答"],
    ),
    (
        ("510100", FacilityKind.MOBILE_MUSEUM),
        ActivityKind.LECTURE,
        "疾病预防知识进社区讲座",
        21,
        14,
        "510100",
        160,
        ActivityStatus.VERIFIED,
        ["社区讲座"],
    ),
    (
        ("620200", FacilityKind.MOBILE_MUSEUM),
        ActivityKind.EXHIBITION,
        "健康生活主题巡展",
        30,
        9,
        "620200",
        900,
        ActivityStatus.VERIFIED,
        ["巡展现场"],
    ),
    (
        ("533300", FacilityKind.CARAVAN),
        ActivityKind.WORKSHOP,
        "科普大篷车进山村：洗手实验课",
        35,
        10,
        "533324",
        85,
        ActivityStatus.VERIFIED,
        ["洗手实验"],
    ),
    (
        ("441900", FacilityKind.MOBILE_MUSEUM),
        ActivityKind.EXHIBITION,
        "健康生活方式互动展",
        40,
        9,
        "441900",
        520,
        ActivityStatus.REPORTED,
        [],
    ),
    (
        ("130100", FacilityKind.MOBILE_MUSEUM),
        ActivityKind.OTHER,
        "校园健康科普周",
        45,
        9,
        "130100",
        0,
        ActivityStatus.REJECTED,
        [],
    ),
]
ACTIVITY_REJECT_REASON = "未填写观众人数，也没有现场照片，请补充后重新提交。"


@dataclass(frozen=True)
class ResourceSpec:
    title: str
    category: str
    format: str
    access: str
    filename: str
    content_type: str
    description: str
    render: str  # name of the function below that makes the file's bytes


RESOURCES = [
    ResourceSpec(
        title="健康生活方式宣传海报",
        category="poster",
        format=ResourceFormat.IMAGE,
        access=ResourceAccess.PUBLIC,
        filename="health-poster.png",
        content_type="image/png",
        description="可直接打印张贴的主题海报，倡导合理膳食、适量运动、戒烟限酒、心理平衡。",
        render="render_poster",
    ),
    ResourceSpec(
        title="疾病预防知识课件",
        category="courseware",
        format=ResourceFormat.COURSEWARE,
        access=ResourceAccess.MEMBERS,
        filename="disease-prevention-courseware.pdf",
        content_type="application/pdf",
        description="面向中小学生和社区居民的疾病预防讲解课件，共三页，可配合展板使用。",
        render="render_courseware",
    ),
    ResourceSpec(
        title="健康主题展品设计说明",
        category="exhibit-design",
        format=ResourceFormat.EXHIBIT_DESIGN,
        access=ResourceAccess.PUBLIC,
        filename="health-exhibit-design.md",
        content_type="text/markdown; charset=utf-8",
        description="健康主题互动展品的设计思路、尺寸与安全要求，供各地自行制作参考。",
        render="render_exhibit_design",
    ),
]


# ---------------------------------------------------------------------------
# Generated files
# ---------------------------------------------------------------------------

CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


def cjk_font(size):
    """A font that can draw Chinese, or None: then pictures carry shapes and Latin text only."""
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return None


def draw_text(draw, xy, text, latin_fallback, size, fill):
    font = cjk_font(size)
    if font is None:
        text, font = latin_fallback, ImageFont.load_default(size)
    draw.text(xy, text, font=font, fill=fill)


def vertical_gradient(size, top, bottom):
    width, height = size
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        ratio = y / max(height - 1, 1)
        colour = tuple(round(t + (b - t) * ratio) for t, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def render_scene(seed, caption, latin_caption):
    """A stage with a banner and a crowd: a stand-in photo of an on-site activity (JPEG)."""
    palettes = [
        ((118, 172, 224), (222, 238, 250), (196, 40, 40)),
        ((250, 196, 120), (255, 240, 214), (30, 110, 180)),
        ((140, 200, 160), (230, 248, 232), (200, 80, 30)),
    ]
    sky, ground, banner = palettes[seed % len(palettes)]
    image = vertical_gradient((1200, 800), sky, ground)
    draw = ImageDraw.Draw(image)
    draw.rectangle([150, 250, 1050, 520], fill=(90, 70, 60))  # stage
    draw.rectangle([200, 150, 1000, 240], fill=banner)  # banner
    draw_text(draw, (230, 170), caption, latin_caption, 48, (255, 255, 255))
    for index in range(48):  # audience
        x = 60 + (index * 97 + seed * 31) % 1080
        y = 560 + (index * 53) % 200
        colour = ((index * 67) % 200 + 30, (index * 41) % 200 + 30, (index * 29) % 200 + 30)
        draw.ellipse([x, y, x + 36, y + 36], fill=colour)
        draw.rectangle([x + 4, y + 36, x + 32, y + 80], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), image.size


def render_thumbnail(content):
    image = Image.open(io.BytesIO(content)).convert("RGB")
    image.thumbnail((480, 480))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def render_poster(campaign):
    image = vertical_gradient((900, 1273), (32, 150, 110), (220, 246, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse([560, 80, 820, 340], fill=(255, 210, 80))  # sun
    # A heart made of two circles and a triangle, with a white cross: health.
    draw.ellipse([210, 430, 460, 680], fill=(220, 50, 60))
    draw.ellipse([440, 430, 690, 680], fill=(220, 50, 60))
    # The sides touch both circles at their tangent points, so the outline stays smooth.
    draw.polygon([(237, 633), (335, 555), (565, 555), (663, 633), (450, 900)], fill=(220, 50, 60))
    draw.rectangle([420, 520, 480, 740], fill=(255, 255, 255))
    draw.rectangle([340, 600, 560, 660], fill=(255, 255, 255))
    draw_text(draw, (80, 980), campaign.theme, "Healthy living", 64, (20, 60, 40))
    draw_text(draw, (80, 1080), campaign.host, "Prevention first", 40, (20, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_courseware(campaign):
    pages = []
    titles = [
        ("预防为主", "Prevention first"),
        ("勤洗手 常通风", "Wash hands, air rooms"),
        ("接种疫苗 定期体检", "Vaccines and check-ups"),
    ]
    for number, (title, latin) in enumerate(titles, start=1):
        page = Image.new("RGB", (827, 1169), (255, 255, 255))
        draw = ImageDraw.Draw(page)
        draw.rectangle([0, 0, 827, 140], fill=(32, 150, 110))
        draw_text(draw, (60, 40), title, latin, 56, (255, 255, 255))
        for row in range(6):
            top = 220 + row * 140
            draw.ellipse([60, top, 120, top + 60], fill=(220, 50, 60))
            draw.rectangle([150, top + 15, 760 - row * 40, top + 45], fill=(210, 225, 218))
        draw.text((60, 1100), f"{number} / {len(titles)}", font=ImageFont.load_default(24), fill=0)
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=100)
    return buffer.getvalue()


def render_exhibit_design(campaign):
    text = f"""# 健康主题展品设计说明

所属行动：{campaign.title}（主题：{campaign.theme}）

## 设计思路

- 以“预防为主”为主线，每件展品只讲清一个健康知识点。
- 观众动手操作后能立刻看到结果，例如洗手效果的荧光对比、膳食搭配的称重游戏。
- 文字说明不超过一百字，配图示，方便老人和儿童理解。

## 尺寸与运输

- 单件展品可拆分，最大部件不超过 120 cm × 80 cm，适合科普大篷车装载。
- 展台高度 75 cm，兼顾儿童和轮椅使用者。

## 安全要求

- 边角倒圆，电气部件采用安全电压并有漏电保护。
- 可触摸部分使用易清洁、耐消毒的材料。
"""
    return text.encode("utf-8")


RENDERERS = {
    "render_poster": render_poster,
    "render_courseware": render_courseware,
    "render_exhibit_design": render_exhibit_design,
}


# Priority tags of the demo (GB/T 2260 codes of the region table). The border counties of
# Heilongjiang along the Amur (黑龙江), from Mohe downstream to Fuyuan, and a few others.
DEMO_REGION_TAGS = {
    "border": [
        "232701",  # 漠河市
        "232722",  # 塔河县
        "232721",  # 呼玛县
        "231102",  # 黑河市爱辉区
        "231123",  # 逊克县
        "231124",  # 孙吴县
        "230722",  # 嘉荫县
        "230421",  # 萝北县
        "230422",  # 绥滨县
        "230881",  # 同江市
        "230883",  # 抚远市
        "230524",  # 饶河县 (Ussuri)
        "230381",  # 虎林市 (Ussuri)
    ],
    "ethnic_minority": [
        "230624",  # 杜尔伯特蒙古族自治县
        "222401",  # 延吉市
        "622926",  # 东乡族自治县
        "520423",  # 镇宁布依族苗族自治县
    ],
    "old_revolutionary_base": [
        "360781",  # 瑞金市
        "360881",  # 井冈山市
        "610602",  # 延安市宝塔区
    ],
    "rural_revitalization_priority": [
        "230224",  # 泰来县
        "622926",  # 东乡族自治县
        "622927",  # 积石山保安族东乡族撒拉族自治县
    ],
}

# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


class DemoLoader:
    """Creates what is missing; `created` counts what it wrote, by model."""

    def __init__(self):
        self.created = Counter()
        self.password_hash = None
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
            user = User(username=username, email=f"{username}@example.org", **extra)
            if not can_sign_in:
                user.set_unusable_password()
            else:
                if self.password_hash is None:
                    # One hash for all demo accounts: hashing is deliberately slow.
                    self.password_hash = make_password(DEMO_PASSWORD)
                user.password = self.password_hash
            user.save()
            self.created[get_user_model()] += 1
        return user

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
            from events.demo import load_field_work

            load_field_work(self)
            self.load_region_tags()
            self.load_allotments_and_receipts()
            self.load_monthly_reports()
            from resources.demo_repairs import load_exhibit_care

            load_exhibit_care(self)
        return self.created

    def load_allotments_and_receipts(self):
        """Heilongjiang's allotment of the exhibit kit, and one shipment received short, so the
        allotment table and the discrepancy queue have something to show. Both go through the
        services, which keep the stock counters; a second run finds them and does nothing."""
        from config.errors import DomainError
        from resources.models import Allotment, Discrepancy
        from resources.services.allotments import allot
        from resources.services.kits import receive_request

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
                kit.requests.filter(status=KitRequestStatus.SHIPPED, quantity__gt=1)
                .select_related("facility", "created_by")
                .order_by("pk")
                .first()
            )
            if shipped is not None and shipped.created_by is not None:
                receive_request(
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
        from django.utils import timezone

        from resources.models import ExhibitionSet

        from . import assessment
        from .models import MonthlyReport

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
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(render_thumbnail(content)), save=False)
        photo.width, photo.height = width, height
        photo.save()
        self.created[ActivityPhoto] += 1

    def load_kits(self):
        for spec in KITS:
            kit = Kit.objects.filter(code=spec["code"]).first()
            if kit is None:
                kit = Kit.objects.create(
                    code=spec["code"],
                    name=spec["name"],
                    campaign=self.campaign,
                    description=spec["description"],
                    contents=spec["contents"],
                    quantity_total=spec["total"],
                    quantity_available=spec["total"],
                )
                self.created[Kit] += 1
            for index, (code, key, quantity, status, offset) in enumerate(KIT_REQUESTS):
                if code == kit.code:
                    self.load_kit_request(kit, key, quantity, status, offset, index)

    def load_kit_request(self, kit, key, quantity, status, offset, index):
        facility = self.facilities[key]
        if KitRequest.objects.filter(kit=kit, facility=facility).exists():
            return
        if status in RESERVING:
            # The same conditional UPDATE the stock service uses: never below zero.
            taken = Kit.objects.filter(pk=kit.pk, quantity_available__gte=quantity).update(
                quantity_available=F("quantity_available") - quantity
            )
            if not taken:
                raise InsufficientStock(
                    _("Kit %(code)s has too little stock left for the demo requests.")
                    % {"code": kit.code}
                )
        requester = self.managers[key]
        reviewer = self.reviewer_for(facility)
        start = days_after_launch(offset)
        steps = [(step, start + datetime.timedelta(days=days)) for step, days in TIMELINES[status]]
        when = dict(steps)
        shipped = "shipped" in when
        kit_request = KitRequest.objects.create(
            kit=kit,
            facility=facility,
            quantity=quantity,
            purpose=f"{facility.name}在辖区巡展使用。",
            status=status,
            created_by=requester,
            approved_at=when.get("approved"),
            shipped_at=when.get("shipped"),
            received_at=when.get("received"),
            closed_at=when.get("rejected") or when.get("cancelled"),
            carrier="中国邮政速递物流" if shipped else "",
            tracking_number=f"DEMO2022{index + 1:05d}" if shipped else "",
            reject_reason=REJECT_REASON if status == "rejected" else "",
        )
        self.backdate(kit_request, created_at=start)
        actors = {
            "submitted": requester,
            "approved": reviewer,
            "shipped": reviewer,
            "received": requester,
            "rejected": reviewer,
            "cancelled": requester,
        }
        notes = {"rejected": REJECT_REASON, "cancelled": CANCEL_NOTE}
        previous = ""
        for step, moment in steps:
            KitRequestTransition.objects.create(
                kit_request=kit_request,
                from_status=previous,
                to_status=step,
                by=actors[step],
                at=moment,
                note=notes.get(step, ""),
            )
            previous = step
        self.created[KitRequest] += 1

    def load_resources(self):
        for spec in RESOURCES:
            if DigitalResource.objects.filter(title=spec.title).exists():
                continue
            content = RENDERERS[spec.render](self.campaign)
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
                thumbnail = render_thumbnail(content)
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
