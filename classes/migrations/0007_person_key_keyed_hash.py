"""Existing bookings' plain person keys ("<digits>|<name>") become their keyed hash.

The same function as new bookings use (``classes.keys.person_key_hash``), so a person booked
before and after this migration keeps one key. Not reversible: the plain key is gone.
"""

from django.db import migrations

BATCH = 1000


def hash_plain_keys(apps, schema_editor):
    from classes.keys import is_hashed_person_key, person_key_hash

    Registration = apps.get_model("classes", "Registration")
    plain = Registration.objects.filter(person_key__contains="|").order_by("pk")
    while True:
        rows = list(plain[:BATCH])
        if not rows:
            return
        for row in rows:
            if not is_hashed_person_key(row.person_key):
                row.person_key = person_key_hash(row.person_key)
        Registration.objects.bulk_update(rows, ["person_key"])


class Migration(migrations.Migration):
    dependencies = [("classes", "0006_registration_anonymised_at")]

    operations = [migrations.RunPython(hash_plain_keys, migrations.RunPython.noop)]
