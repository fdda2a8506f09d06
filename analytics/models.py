"""Reference figures that the indicators divide by: the ward's population by area and age.

Rows are written only by ``analytics.population.import_population`` (the
``import_population`` command), one file at a time, all or nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.choices import TOSHIMA_AREAS

TOWN_CHOICES = [(town, town) for town in TOSHIMA_AREAS]


class PopulationFigure(models.Model):
    """Residents of one 町丁目 (or a whole 町名) in one age band, on one reference date.

    ``age_to`` is inclusive and empty for an open-ended band (65歳以上), so the ward's
    5-year bands and the four bands of the 2016 file (<18, 18–39, 40–64, 65+) both fit;
    "65+" is ``age_from >= 65``. ``chome`` is empty for a figure of a whole town.
    """

    as_of = models.DateField(_("基準日"))
    town = models.CharField(_("町名"), max_length=20, choices=TOWN_CHOICES)
    chome = models.CharField(
        _("丁目"), max_length=4, blank=True, help_text=_("数字のみ。町名全体の数字のときは空欄。")
    )
    age_from = models.PositiveSmallIntegerField(_("年齢（から）"))
    age_to = models.PositiveSmallIntegerField(
        _("年齢（まで）"), null=True, blank=True, help_text=_("空欄は「以上」（上限なし）。")
    )
    count = models.PositiveIntegerField(_("人数"))
    source = models.TextField(_("出典"), blank=True)
    licence = models.CharField(_("利用条件"), max_length=200, blank=True)
    as_of_note = models.CharField(
        _("基準日の注記"),
        max_length=200,
        blank=True,
        help_text=_("例：2016年ごろ・出典未確認"),
    )
    imported_at = models.DateTimeField(_("取り込み日時"), default=timezone.now)

    class Meta:
        ordering = ["-as_of", "town", "chome", "age_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "town", "chome", "age_from", "age_to"],
                name="unique_population_figure",
            ),
            # NULL is distinct in unique constraints: one open-ended band per place and date.
            models.UniqueConstraint(
                fields=["as_of", "town", "chome", "age_from"],
                condition=Q(age_to__isnull=True),
                name="unique_population_open_band",
            ),
            models.CheckConstraint(
                condition=Q(age_to__isnull=True) | Q(age_to__gte=models.F("age_from")),
                name="population_band_in_order",
            ),
        ]
        indexes = [models.Index(fields=["as_of", "town"], name="population_asof_town")]
        verbose_name = _("人口（町丁目・年齢別）")
        verbose_name_plural = _("人口（町丁目・年齢別）")

    def __str__(self) -> str:
        band = f"{self.age_from}-{self.age_to}" if self.age_to is not None else f"{self.age_from}+"
        return f"{self.as_of} {self.town}{self.chome} {band}: {self.count}"


from analytics.models_exports import ExportJob as ExportJob  # noqa: E402 (its own module)
