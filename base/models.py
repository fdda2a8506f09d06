from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


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
