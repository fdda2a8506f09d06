"""Create the site's home page in place of Wagtail's default welcome page."""

from __future__ import annotations

HOME_TITLE = "豊島区 ICT学習"
HOME_LEAD = "スマホ教室の予約と、職員のICT研修のためのサイトです。"


def create_home_page(home_model, page_model, site_model, content_type_model):
    """Replace the welcome page; called by the data migration with historical models."""

    content_type, _ = content_type_model.objects.get_or_create(model="homepage", app_label="base")
    page_model.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    root = page_model.objects.get(depth=1)
    home = home_model.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=content_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=root.locale_id,
        lead=HOME_LEAD,
    )
    root.numchild = page_model.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site_model.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page_id": home.id, "site_name": HOME_TITLE},
    )
    return home
