from django.db import models
from django.utils.translation import gettext_lazy as _


class CurriculumUnit(models.Model):
    """One unit of a reference curriculum (smartphone classes or information security).

    Seeded from the national デジタル活用支援 curriculum and the municipal security-training
    topic list; course pages and the can-do checklists are built from these objectives.
    """

    class Track(models.TextChoices):
        SMARTPHONE = "smartphone", _("区民向け スマホ講座")
        SECURITY = "security", _("職員向け 情報セキュリティ")

    track = models.CharField(_("区分"), max_length=16, choices=Track.choices)
    level = models.CharField(_("講座レベル"), max_length=20, blank=True)
    course_code = models.CharField(_("講座番号"), max_length=8)
    course_title = models.CharField(_("講座名"), max_length=120)
    title = models.CharField(_("単元名"), max_length=160)
    objectives = models.TextField(_("到達目標"))
    audience = models.CharField(_("対象"), max_length=60, blank=True)
    evidence_level = models.CharField(_("根拠の確かさ"), max_length=32, blank=True)
    source = models.TextField(_("出典"), blank=True)
    sort_order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        ordering = ["track", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["course_code", "title"], name="unique_unit_per_course")
        ]
        verbose_name = _("カリキュラム単元")
        verbose_name_plural = _("カリキュラム単元")

    def __str__(self) -> str:
        return f"{self.course_code} {self.course_title}：{self.title}"
