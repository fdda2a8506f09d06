"""Template filters of the training reports."""

from __future__ import annotations

import functools

from django import template
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from training.status import Counts, Status

register = template.Library()


def _percent(value: float, separator: str) -> str:
    """``floatformat:"-1"`` of a rate already rounded to one decimal (Counts.percent): no
    decimals when whole, else one, with the language's decimal ``separator``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        return text[:-2]
    return text.replace(".", separator)


@functools.lru_cache(maxsize=16)
def _counts_messages(language: str | None) -> dict[str, str]:
    """counts_cell's translated messages and decimal separator, looked up once per language."""
    none = escape(_("（対象者なし）"))
    return {
        "none": f'<span class="counts__none">—<span class="visually-hidden">{none}</span></span>',
        "done": _("%(done)s／%(required)s人"),
        "overdue": _("期限超過 %(n)s人"),
        "exempt": _("対象外 %(n)s人"),
        "separator": get_format("DECIMAL_SEPARATOR"),
    }


@register.filter
def counts_cell(counts: Counts) -> SafeString:
    """A department table's cell: completion rate, done of required, overdue and exempt.

    Python rather than an included template with blocktranslate (same messages, same HTML):
    the department report has a cell per department and requirement, hundreds of them.
    The messages are the translators' text, as blocktranslate leaves them; only whole
    numbers are filled in, so nothing needs escaping but the one plain translation.
    """
    messages = _counts_messages(get_language())
    if counts.percent is None:
        return mark_safe(messages["none"])  # noqa: S308 - escaped in _counts_messages
    done = messages["done"] % {"done": counts.completed, "required": counts.required}
    html = (
        f'<span class="counts__percent">{_percent(counts.percent, messages["separator"])}%'
        f'</span>\n<span class="counts__detail">{done}</span>'
    )
    if counts.overdue:
        overdue = messages["overdue"] % {"n": counts.overdue}
        html += f'\n<span class="counts__overdue">{overdue}</span>'
    if counts.exempt:
        exempt = messages["exempt"] % {"n": counts.exempt}
        html += f'\n<span class="counts__detail">{exempt}</span>'
    return mark_safe(html)  # noqa: S308 - see the docstring


@register.filter
def person_cell(cell) -> SafeString:
    """A drill-down cell (a ``training.views.PersonRow``, None: not in the requirement's
    audience): the status badge and the detail line, as the template wrote them; one filter
    call instead of a handful of lookups for each of hundreds of cells."""
    labels = _cell_labels(get_language())
    if cell is None:
        return labels[None]
    detail = escape(cell.detail)
    return mark_safe(  # noqa: S308 - the label is escaped once, the detail here
        f'<span class="training-status training-status--{cell.status}">{labels[cell.status]}'
        f'</span>\n<span class="cell-detail">{detail}</span>'
    )


@functools.lru_cache(maxsize=16)
def _cell_labels(language: str | None) -> dict[str | None, SafeString]:
    """The drill-down's status labels, escaped, and the empty cell, once per language."""
    labels: dict[str | None, SafeString] = {s.value: escape(s.label) for s in Status}
    hidden = escape(_("対象ではありません"))
    labels[None] = mark_safe(f'—<span class="visually-hidden">{hidden}</span>')
    return labels
