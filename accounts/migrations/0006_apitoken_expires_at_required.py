# A migration of its own: PostgreSQL refuses to alter a table with rows updated earlier in the
# same transaction while constraint checks are pending.

import accounts.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_apitoken_revoked_at_and_expiry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=accounts.models.default_token_expiry, verbose_name="有効期限"
            ),
        ),
    ]
