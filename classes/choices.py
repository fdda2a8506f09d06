from django.utils.translation import gettext_lazy as _

# 豊島区の町名 (the ward's 20 town names), for the booking form and area-level reports.
TOSHIMA_AREAS = [
    "池袋",
    "池袋本町",
    "上池袋",
    "東池袋",
    "西池袋",
    "南池袋",
    "北大塚",
    "南大塚",
    "巣鴨",
    "西巣鴨",
    "駒込",
    "雑司が谷",
    "高田",
    "目白",
    "長崎",
    "南長崎",
    "千早",
    "要町",
    "高松",
    "千川",
]
OUTSIDE_WARD = "区外"

AREA_CHOICES = [(area, area) for area in TOSHIMA_AREAS] + [(OUTSIDE_WARD, _("豊島区外"))]
