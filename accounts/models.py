from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"
_UNKNOWN = object()  # a field not loaded (deferred)


class Department(models.Model):
    """A unit of the ward's organisation: 局, 部 or 課, nested through ``parent``.

    ``path`` holds the codes from the root down ("01/0102/010203"), so a whole subtree is
    one indexed ``path__startswith`` query; it is kept up to date by ``save``.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("局")
        DIVISION = "division", _("部")
        SECTION = "section", _("課")

    code = models.CharField(_("所属コード"), max_length=32, unique=True)
    name = models.CharField(_("所属名"), max_length=120)
    kind = models.CharField(_("種別"), max_length=16, choices=Kind.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位の所属"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=500, editable=False, db_index=True)
    managers = models.ManyToManyField(
        "accounts.User",
        verbose_name=_("管理職"),
        blank=True,
        related_name="managed_departments",
        help_text=_("この所属と下位の所属の研修状況を見て、週ごとの未修了者の一覧を受け取る人"),
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("所属")
        verbose_name_plural = _("所属")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = self._compute_path()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._rewrite_descendant_paths(old_path)

    def _compute_path(self) -> str:
        if self.parent_id is None:
            return self.code
        parent = self.parent
        if parent.pk == self.pk or (self.pk and parent.path.startswith(self.path + PATH_SEPARATOR)):
            raise ValueError("A department cannot be placed under itself.")
        return f"{parent.path}{PATH_SEPARATOR}{self.code}"

    def _rewrite_descendant_paths(self, old_path: str) -> None:
        for child in Department.objects.filter(path__startswith=old_path + PATH_SEPARATOR):
            child.path = self.path + child.path[len(old_path) :]
            super(Department, child).save(update_fields=["path"])

    @property
    def depth(self) -> int:
        return self.path.count(PATH_SEPARATOR)

    def subtree(self) -> models.QuerySet[Department]:
        """This department and every department below it."""
        return Department.objects.filter(
            models.Q(pk=self.pk) | models.Q(path__startswith=self.path + PATH_SEPARATOR)
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in: ward staff, partner-company trainers, or a resident.

    Staff come from the roster import (keyed by employee number); residents may make an
    account only to track their own online-material progress. Names follow Japanese order:
    ``last_name`` is the family name (姓), ``first_name`` the given name (名).
    """

    username = None
    email = models.EmailField(_("メールアドレス"), unique=True)
    last_name = models.CharField(_("姓"), max_length=150, blank=True)
    first_name = models.CharField(_("名"), max_length=150, blank=True)
    last_name_kana = models.CharField(_("姓（カナ）"), max_length=150, blank=True)
    first_name_kana = models.CharField(_("名（カナ）"), max_length=150, blank=True)
    employee_number = models.CharField(
        _("職員番号"), max_length=32, unique=True, null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    department_since = models.DateField(
        _("現所属の配属日"),
        null=True,
        blank=True,
        help_text=_("所属が変わると自動で更新されます。必修研修の期限の起算日になります。"),
    )
    organisation = models.CharField(
        _("所属団体"),
        max_length=120,
        blank=True,
        help_text=_("区職員以外の講師（協力企業など）の団体名"),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._remember_department()

    def _remember_department(self) -> None:
        # Read from __dict__: a deferred field (``only()``) must not cost a query here.
        self._loaded_department = (
            self.__dict__.get("department_id", _UNKNOWN),
            self.__dict__.get("department_since", _UNKNOWN),
        )

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._remember_department()

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs) -> None:
        """Record the day the person joined their department (``department_since``).

        A change of department restarts it at today (Tokyo) unless the caller set it too;
        the roster import's bulk writes set it themselves.
        """
        loaded_department, loaded_since = self._loaded_department
        if self._state.adding:
            if self.department_id is not None and self.department_since is None:
                self.department_since = timezone.localdate()
        elif self._moved(loaded_department, loaded_since):
            self.department_since = timezone.localdate() if self.department_id else None
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "department_since" not in update_fields:
                kwargs["update_fields"] = {*update_fields, "department_since"}
        super().save(*args, **kwargs)
        self._remember_department()

    def _moved(self, loaded_department: object, loaded_since: object) -> bool:
        """Whether the department changed since loading and the caller left the date alone."""
        if loaded_department is _UNKNOWN or self.department_id == loaded_department:
            return False
        return "department_since" not in self.__dict__ or self.department_since == loaded_since

    def get_full_name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()

    def get_short_name(self) -> str:
        return self.last_name or self.email

    @property
    def full_name_kana(self) -> str:
        return f"{self.last_name_kana} {self.first_name_kana}".strip()


def default_token_expiry():
    """A new token's expiry: ``API_TOKEN_MAX_AGE_DAYS`` from now (named in migrations)."""
    from django.conf import settings

    return timezone.now() + timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


class ApiToken(models.Model):
    """A secret that lets a staff member's app call the JSON API (``Authorization: Bearer``).

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when issued
    (``accounts.tokens.issue_token``, ``manage.py create_api_token``). Every token expires
    (``API_TOKEN_MAX_AGE_DAYS`` at the latest); an admin can revoke it in the Wagtail admin
    (APIトークン), which clears ``is_active`` and records ``revoked_at``.
    """

    # Wagtail's own APIToken already uses the reverse name ``api_tokens``.
    user = models.ForeignKey(
        User,
        verbose_name=_("利用者"),
        on_delete=models.CASCADE,
        related_name="staff_api_tokens",
    )
    name = models.CharField(_("名前"), max_length=100, help_text=_("例：受付用タブレット"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("先頭の文字"), max_length=8, editable=False, help_text=_("見分けるための先頭8文字")
    )
    created_at = models.DateTimeField(_("発行日時"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有効期限"), default=default_token_expiry)
    is_active = models.BooleanField(_("有効"), default=True)
    revoked_at = models.DateTimeField(_("無効化日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def is_usable(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired (the owner's own state is checked on use)."""
        return self.is_active and not self.is_expired(now)
