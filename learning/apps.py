from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("学習")

    def ready(self) -> None:
        from learning import activities, audit_labels, retention  # noqa: F401  (labels, purge)
        from learning.h5p import storage  # noqa: F401  (connects the clean-up on delete)

        activities.connect()
