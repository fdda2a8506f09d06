"""API tokens: when a token was revoked, and an expiry for every token.

Tokens issued without one (the old default: never) get their issue date plus 180 days, the
default of API_TOKEN_MAX_AGE_DAYS; 0006 then makes the expiry required.
"""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

LEGACY_MAX_AGE = timedelta(days=180)


def give_every_token_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=F("created_at") + LEGACY_MAX_AGE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_encrypt_mfa_secrets"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="無効化日時"),
        ),
        migrations.RunPython(give_every_token_an_expiry, migrations.RunPython.noop),
    ]
