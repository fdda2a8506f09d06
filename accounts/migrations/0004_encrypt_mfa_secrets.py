"""Encrypt the second-factor secrets stored in clear before accounts.mfa_secrets existed.

Idempotent: values already encrypted (prefix ``fernet:``) are left as they are. Needs
MFA_ENCRYPTION_KEYS when DEBUG is off and there is anything to encrypt.
"""

from django.db import migrations


def encrypt_existing_secrets(apps, schema_editor):
    from accounts.mfa_secrets import protect_authenticators

    protect_authenticators(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_department_managers_since"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        # Reversing leaves the secrets encrypted: the adapter still reads them.
        migrations.RunPython(encrypt_existing_secrets, migrations.RunPython.noop, elidable=True),
    ]
