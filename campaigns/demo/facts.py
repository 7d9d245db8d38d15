"""The demo's facts: the 2022 public-health joint action, its units, kits, requests,
activities and resources, as plain data that the loader writes through the services."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from campaigns.models import CampaignStatus
from events.models import ActivityKind, ActivityStatus
from facilities.models import FacilityKind, FacilityStatus
from resources.models import ResourceAccess, ResourceFormat

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


# Content type of each demo file, by its extension.
CONTENT_TYPES = {
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
}


@dataclass(frozen=True)
class ResourceSpec:
    title: str
    category: str
    format: str  # also says how the file is made: see loader.RENDERERS
    access: str
    filename: str
    description: str

    @property
    def content_type(self):
        return CONTENT_TYPES[Path(self.filename).suffix]


RESOURCES = [
    ResourceSpec(*row)
    for row in [
        (
            "健康生活方式宣传海报",
            "poster",
            ResourceFormat.IMAGE,
            ResourceAccess.PUBLIC,
            "health-poster.png",
            "可直接打印张贴的主题海报，倡导合理膳食、适量运动、戒烟限酒、心理平衡。",
        ),
        (
            "疾病预防知识课件",
            "courseware",
            ResourceFormat.COURSEWARE,
            ResourceAccess.MEMBERS,
            "disease-prevention-courseware.pdf",
            "面向中小学生和社区居民的疾病预防讲解课件，共三页，可配合展板使用。",
        ),
        (
            "健康主题展品设计说明",
            "exhibit-design",
            ResourceFormat.EXHIBIT_DESIGN,
            ResourceAccess.PUBLIC,
            "health-exhibit-design.md",
            "健康主题互动展品的设计思路、尺寸与安全要求，供各地自行制作参考。",
        ),
    ]
]


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
