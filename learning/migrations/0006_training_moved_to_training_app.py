"""Mandatory training now lives in the training app: remove its models from learning's state.

State only: the tables stay and now belong to training's models (training/migrations/
0001_initial.py, which keep the table names through ``Meta.db_table``).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0005_h5p_scoring'),
        ('training', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='cohortcourse',
                    name='cohort',
                ),
                migrations.RemoveField(
                    model_name='cohortmember',
                    name='cohort',
                ),
                migrations.RemoveField(
                    model_name='cohortcourse',
                    name='course',
                ),
                migrations.RemoveField(
                    model_name='cohortmember',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='requirementexemption',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='requirementexemption',
                    name='requirement',
                ),
                migrations.RemoveField(
                    model_name='requirementexemption',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='trainingreminder',
                    name='requirement',
                ),
                migrations.RemoveField(
                    model_name='trainingreminder',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='trainingrequirement',
                    name='course',
                ),
                migrations.RemoveField(
                    model_name='trainingrequirement',
                    name='departments',
                ),
                migrations.RemoveField(
                    model_name='trainingrequirement',
                    name='people',
                ),
                migrations.RemoveField(
                    model_name='trainingrequirement',
                    name='roles',
                ),
                migrations.DeleteModel(
                    name='Cohort',
                ),
                migrations.DeleteModel(
                    name='CohortCourse',
                ),
                migrations.DeleteModel(
                    name='CohortMember',
                ),
                migrations.DeleteModel(
                    name='RequirementExemption',
                ),
                migrations.DeleteModel(
                    name='TrainingReminder',
                ),
                migrations.DeleteModel(
                    name='TrainingRequirement',
                ),
            ],
        ),
    ]
