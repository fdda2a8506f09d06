from django.db import models
from django.utils.translation import gettext_lazy as _


class Venue(models.Model):
    """A place where smartphone classes are held, mostly the ward's 区民ひろば."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    name_kana = models.CharField(_("名称（カナ）"), max_length=120, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    address_detail = models.CharField(_("方書"), max_length=120, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("経度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    access = models.TextField(_("行き方"), blank=True)
    accessibility = models.TextField(_("バリアフリー情報"), blank=True)
    is_active = models.BooleanField(_("利用中"), default=True)
    source = models.TextField(_("出典"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("会場")
        verbose_name_plural = _("会場")

    def __str__(self) -> str:
        return self.name
