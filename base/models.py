from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from base.actions import action_label


class HomePage(Page):
    """The site's front page: one door for residents, one for staff."""

    lead = models.CharField(_("リード文"), max_length=255, blank=True)
    body = RichTextField(_("本文"), blank=True, features=["h2", "h3", "bold", "link", "ol", "ul"])

    content_panels = Page.content_panels + [FieldPanel("lead"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("lead"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("トップページ")


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """What every page shows in the same place: the ward's name and whom to phone."""

    ward_name = models.CharField(_("区の名称"), max_length=60, default="豊島区")
    service_name = models.CharField(_("サービス名"), max_length=80, default="ICT学習")
    help_phone = models.CharField(
        _("お問い合わせ電話番号"),
        max_length=20,
        default="03-3981-1111",
        help_text=_("すべてのページの同じ位置に表示します。"),
    )
    help_hours = models.CharField(
        _("受付時間"), max_length=80, default="平日 8:30〜17:15", blank=True
    )
    help_desk = models.CharField(
        _("問い合わせ先"), max_length=80, default="豊島区 ICT推進担当", blank=True
    )

    panels = [
        MultiFieldPanel([FieldPanel("ward_name"), FieldPanel("service_name")], _("名称")),
        MultiFieldPanel(
            [FieldPanel("help_desk"), FieldPanel("help_phone"), FieldPanel("help_hours")],
            _("お問い合わせ"),
        ),
    ]

    class Meta:
        verbose_name = _("サイト設定")

    @classmethod
    def for_site(cls, site):
        """Return the site's settings; until an admin saves them, the defaults, unsaved.

        Wagtail's own ``for_site`` creates the row on the first page view: a GET never writes.
        """
        if site is None:
            raise cls.DoesNotExist(f"{cls.__name__} does not exist for site None.")
        return cls.base_queryset().filter(site=site).first() or cls(site=site)


class AuditEntry(models.Model):
    """A record that someone looked at or changed personal data (written by ``base.audit``).

    Entries are never edited: the admin lists them read-only.
    """

    action = models.CharField(
        _("操作"), max_length=80, db_index=True, help_text=_("例：classes.roster.viewed")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作した人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("対象の種類"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.CharField(_("対象の ID"), max_length=64, blank=True)
    obj = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("対象"), max_length=200, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP アドレス"), null=True, blank=True)
    created_at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("操作記録")
        verbose_name_plural = _("操作記録")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.get_action_display()}"

    def get_action_display(self) -> str:
        """The action's readable label (``base.actions``), or its code when none is known."""
        return action_label(self.action)
