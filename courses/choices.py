from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class Audience(models.TextChoices):
    STAFF = "staff", _("職員向け")
    RESIDENT = "resident", _("区民向け")


# Who may open the lessons of a staff course (and be recorded in them): any role.
STAFF_COURSE_ROLES = tuple(Role)


class Level(models.TextChoices):
    """The same three levels as the smartphone classes (``classes.models.Level``)."""

    FIRST = "first", _("はじめて")
    BASIC = "basic", _("基本")
    ADVANCED = "advanced", _("応用")


class GradingMethod(models.TextChoices):
    BEST = "best", _("最も良い結果")
    LAST = "last", _("最後の結果")


class CalloutKind(models.TextChoices):
    TIP = "tip", _("ヒント")
    WARNING = "warning", _("注意")
