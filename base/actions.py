"""Readable labels of audit action codes and data fields: registries filled by the apps.

Each app registers its codes' labels (``register_actions``) and the keys it writes in an
entry's ``data`` (``register_fields``) in a module its ``AppConfig.ready`` imports, so base
knows no domain app. The admin's 操作記録 shows the labels; an unknown code or key is shown as
it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_LABELS: dict[str, Any] = {}
_FIELDS: dict[str, dict[str, Any]] = {}


def register_actions(labels: Mapping[str, Any]) -> None:
    """Give action codes readable (translatable) labels."""
    _LABELS.update(labels)


def action_label(action: str) -> str:
    """The label of an action code, or the code itself when none is registered."""
    label = _LABELS.get(action)
    return str(label) if label is not None else action


def registered_actions() -> dict[str, Any]:
    return dict(_LABELS)


def register_fields(labels: Mapping[str, Any], *, actions: str = "") -> None:
    """Give the keys of audit entries' ``data`` readable (translatable) labels.

    ``actions`` limits the labels to the codes that start with it (``"accounts.roster."``), for
    a key that means something else elsewhere; without it the labels hold for every code.
    """
    _FIELDS.setdefault(actions, {}).update(labels)


def field_label(key: str, action: str = "") -> str:
    """The label of a ``data`` key for ``action`` (the most specific registration wins), or
    the key itself when none is registered."""
    for prefix in sorted(_FIELDS, key=len, reverse=True):
        if action.startswith(prefix) and key in _FIELDS[prefix]:
            return str(_FIELDS[prefix][key])
    return key


def registered_fields() -> dict[str, Any]:
    """Every labelled key (whatever codes it is limited to) with one of its labels."""
    return {key: label for labels in _FIELDS.values() for key, label in labels.items()}
