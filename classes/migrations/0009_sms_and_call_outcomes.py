"""SMS notices (Registration.sms_consent, Notification.channel) and phone call outcomes
(PhoneCall.outcome / retry_at, PhoneCallAttempt). Calls already marked done were reached."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def mark_done_calls_reached(apps, schema_editor):
    PhoneCall = apps.get_model("classes", "PhoneCall")
    PhoneCall.objects.filter(done_at__isnull=False).update(outcome="reached")


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0008_venue_chome_nearest_station"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="channel",
            field=models.CharField(
                choices=[("mail", "メール"), ("sms", "SMS")],
                default="mail",
                max_length=4,
                verbose_name="送り方",
            ),
        ),
        migrations.AddField(
            model_name="phonecall",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("reached", "連絡済み"),
                    ("no_answer", "不在（かけ直す）"),
                    ("message", "伝言を残した"),
                ],
                max_length=10,
                verbose_name="結果",
            ),
        ),
        migrations.AddField(
            model_name="phonecall",
            name="retry_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="かけ直す時刻"),
        ),
        migrations.AddField(
            model_name="registration",
            name="sms_consent",
            field=models.BooleanField(default=False, verbose_name="SMSでのお知らせを希望"),
        ),
        migrations.AlterField(
            model_name="phonecall",
            name="cause",
            field=models.CharField(
                choices=[
                    ("no_email", "メールアドレスなし"),
                    ("mail_failed", "メールを送れなかった"),
                    ("sms_failed", "SMSを送れなかった"),
                ],
                default="no_email",
                max_length=12,
                verbose_name="電話する理由",
            ),
        ),
        migrations.CreateModel(
            name="PhoneCallAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("reached", "連絡済み"),
                            ("no_answer", "不在（かけ直す）"),
                            ("message", "伝言を残した"),
                        ],
                        max_length=10,
                        verbose_name="結果",
                    ),
                ),
                (
                    "called_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="電話した日時"
                    ),
                ),
                (
                    "retry_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="かけ直す時刻"),
                ),
                (
                    "call",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempts",
                        to="classes.phonecall",
                    ),
                ),
                (
                    "called_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "電話連絡の記録",
                "verbose_name_plural": "電話連絡の記録",
                "ordering": ["called_at", "pk"],
            },
        ),
        migrations.RunPython(mark_done_calls_reached, migrations.RunPython.noop),
    ]
