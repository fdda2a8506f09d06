"""Mandatory training moves from the learning app to this one, without copying a row.

The tables stay where learning/migrations/0004_training.py created them (each model names its
table in ``Meta.db_table``), so this migration only creates the models in Django's state
(``SeparateDatabaseAndState`` with no database operation); learning's 0006 removes them from
learning's state. The content types (and so the permissions granted on them and Wagtail's log
entries) are relabelled from ``learning`` to ``training`` instead of being left behind.
"""

import accounts.roles
import django.core.validators
import django.db.models.deletion
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models


MODELS = (
    "trainingrequirement",
    "requirementexemption",
    "cohort",
    "cohortmember",
    "cohortcourse",
    "trainingreminder",
)


def _relabel(apps, schema_editor, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        content_type.objects.using(db)
        .filter(app_label=target, model__in=MODELS)
        .values_list("model", flat=True)
    )
    content_type.objects.using(db).filter(app_label=source, model__in=MODELS).exclude(
        model__in=taken
    ).update(app_label=target)


def to_training(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "learning", "training")


def to_learning(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "training", "learning")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables must exist: learning created them (0004) and changed no more of them (0005).
        ('learning', '0005_h5p_scoring'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0003_department_managers_since'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('courses', '0002_course_pages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Cohort',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='名称')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                        ('description', models.TextField(blank=True, verbose_name='説明')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='作成日時')),
                    ],
                    options={
                        'verbose_name': '寺子屋ICTの期',
                        'verbose_name_plural': '寺子屋ICTの期',
                        'db_table': 'learning_cohort',
                        'ordering': ['-fiscal_year', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='CohortMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('joined_on', models.DateField(blank=True, null=True, verbose_name='参加日')),
                        ('cohort', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='training.cohort', verbose_name='期')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cohort_memberships', to=settings.AUTH_USER_MODEL, verbose_name='参加者')),
                    ],
                    options={
                        'verbose_name': '期の参加者',
                        'verbose_name_plural': '期の参加者',
                        'db_table': 'learning_cohortmember',
                        'ordering': ['cohort', 'user__last_name_kana', 'user__pk'],
                    },
                ),
                migrations.AddField(
                    model_name='cohort',
                    name='members',
                    field=models.ManyToManyField(related_name='cohorts', through='training.CohortMember', to=settings.AUTH_USER_MODEL, verbose_name='参加者'),
                ),
                migrations.CreateModel(
                    name='TrainingRequirement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, help_text='空欄のときは講座名を使います。', max_length=255, verbose_name='名称')),
                        ('all_staff', models.BooleanField(default=False, help_text='在職中の職員全員が対象です。', verbose_name='全職員')),
                        ('include_subdepartments', models.BooleanField(default=True, help_text='選んだ所属の下の部・課も対象にします。', verbose_name='下位の所属も対象')),
                        ('due_rule', models.CharField(choices=[('fixed_date', '年度内の決まった日'), ('days_after_joining', '対象になってから一定の日数')], default='fixed_date', max_length=24, verbose_name='期限の決め方')),
                        ('due_month', models.PositiveSmallIntegerField(blank=True, help_text='「年度内の決まった日」のとき。1〜3月は翌年の1〜3月です。', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='期限の月')),
                        ('due_day', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(31)], verbose_name='期限の日')),
                        ('due_days', models.PositiveSmallIntegerField(blank=True, help_text='「対象になってから一定の日数」のときの日数。「年度内の決まった日」のときは、年度の途中で対象になった人に最低限与える日数（空欄は30日）。', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)], verbose_name='期限までの日数')),
                        ('recurrence', models.CharField(choices=[('once', '一度だけ'), ('annual', '毎年度')], default='annual', max_length=8, verbose_name='繰り返し')),
                        ('grace_days', models.PositiveSmallIntegerField(default=0, help_text='期限からこの日数が過ぎるまでは期限超過にしません。', validators=[django.core.validators.MaxValueValidator(365)], verbose_name='猶予日数')),
                        ('active', models.BooleanField(default=True, verbose_name='有効')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='作成日時')),
                        ('course', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_requirements', to='courses.coursepage', verbose_name='講座')),
                        ('departments', models.ManyToManyField(blank=True, related_name='training_requirements', to='accounts.department', verbose_name='対象の所属')),
                        ('people', models.ManyToManyField(blank=True, related_name='training_requirements', to=settings.AUTH_USER_MODEL, verbose_name='対象の職員（個別）')),
                        ('roles', models.ManyToManyField(blank=True, limit_choices_to=accounts.roles.role_group_choices, related_name='training_requirements', to='auth.group', verbose_name='対象の役割')),
                    ],
                    options={
                        'verbose_name': '必修研修',
                        'verbose_name_plural': '必修研修',
                        'db_table': 'learning_trainingrequirement',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='TrainingReminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                        ('step', models.CharField(max_length=40, verbose_name='段階')),
                        ('due_date', models.DateField(blank=True, null=True, verbose_name='期限')),
                        ('sent_on', models.DateField(verbose_name='送信日')),
                        ('sent_at', models.DateTimeField(auto_now_add=True, verbose_name='送信日時')),
                        ('email', models.EmailField(max_length=254, verbose_name='送信先')),
                        ('overdue_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='期限超過の人数')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='training_reminders', to=settings.AUTH_USER_MODEL, verbose_name='宛先')),
                        ('requirement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='training.trainingrequirement', verbose_name='必修研修')),
                    ],
                    options={
                        'verbose_name': '研修のお知らせメール',
                        'verbose_name_plural': '研修のお知らせメール',
                        'db_table': 'learning_trainingreminder',
                        'ordering': ['-sent_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RequirementExemption',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fiscal_year', models.PositiveSmallIntegerField(blank=True, help_text='空欄のときは毎年度対象外です。', null=True, verbose_name='年度')),
                        ('reason', models.TextField(verbose_name='理由')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登録日時')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登録者')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='training_exemptions', to=settings.AUTH_USER_MODEL, verbose_name='職員')),
                        ('requirement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exemptions', to='training.trainingrequirement', verbose_name='必修研修')),
                    ],
                    options={
                        'verbose_name': '研修の対象外',
                        'verbose_name_plural': '研修の対象外',
                        'db_table': 'learning_requirementexemption',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='CohortCourse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.IntegerField(blank=True, editable=False, null=True)),
                        ('cohort', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='path', to='training.cohort', verbose_name='期')),
                        ('course', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cohort_steps', to='courses.coursepage', verbose_name='講座')),
                    ],
                    options={
                        'verbose_name': '受講順の講座',
                        'verbose_name_plural': '受講順の講座',
                        'db_table': 'learning_cohortcourse',
                        'ordering': ['sort_order'],
                        'abstract': False,
                        'constraints': [models.UniqueConstraint(fields=('cohort', 'course'), name='unique_cohort_course')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='cohortmember',
                    constraint=models.UniqueConstraint(fields=('cohort', 'user'), name='unique_cohort_member'),
                ),
                migrations.AddConstraint(
                    model_name='cohort',
                    constraint=models.UniqueConstraint(fields=('name', 'fiscal_year'), name='unique_cohort_year'),
                ),
                migrations.AddIndex(
                    model_name='trainingreminder',
                    index=models.Index(fields=['sent_on'], name='training_reminder_day'),
                ),
                migrations.AddConstraint(
                    model_name='trainingreminder',
                    constraint=models.UniqueConstraint(fields=('user', 'requirement', 'fiscal_year', 'step'), name='unique_training_reminder'),
                ),
                migrations.AddConstraint(
                    model_name='trainingreminder',
                    constraint=models.UniqueConstraint(condition=models.Q(('requirement__isnull', True)), fields=('user', 'fiscal_year', 'step'), name='unique_training_digest'),
                ),
                migrations.AddConstraint(
                    model_name='requirementexemption',
                    constraint=models.UniqueConstraint(fields=('requirement', 'user', 'fiscal_year'), name='unique_exemption_year'),
                ),
                migrations.AddConstraint(
                    model_name='requirementexemption',
                    constraint=models.UniqueConstraint(condition=models.Q(('fiscal_year__isnull', True)), fields=('requirement', 'user'), name='unique_exemption_every_year'),
                ),
            ],
        ),
        migrations.RunPython(to_training, to_learning),
    ]
