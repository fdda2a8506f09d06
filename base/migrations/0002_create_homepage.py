from django.db import migrations


def create_homepage(apps, schema_editor):
    from base.homepage import create_home_page

    create_home_page(
        apps.get_model("base", "HomePage"),
        apps.get_model("wagtailcore", "Page"),
        apps.get_model("wagtailcore", "Site"),
        apps.get_model("contenttypes", "ContentType"),
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("base", "HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("base", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
