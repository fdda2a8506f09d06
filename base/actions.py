"""Readable labels of audit action codes: one registry, filled by the apps that write them.

Each app registers its codes' labels (``register_actions`` in a module its ``AppConfig.ready``
imports), so base knows no domain app. The admin's 操作記録 shows the label; an unknown code is
shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_LABELS: dict[str, Any] = {}


def register_actions(labels: Mapping[str, Any]) -> None:
    """Give action codes readable (translatable) labels."""
    _LABELS.update(labels)


def action_label(action: str) -> str:
    """The label of an action code, or the code itself when none is registered."""
    label = _LABELS.get(action)
    return str(label) if label is not None else action


def registered_actions() -> dict[str, Any]:
    return dict(_LABELS)
