"""Template filters of the training reports."""

from __future__ import annotations

from django import template
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from training.status import Counts

register = template.Library()


def _percent(value: float) -> str:
    """``floatformat:"-1"`` of a rate already rounded to one decimal (Counts.percent): no
    decimals when whole, else one, with the language's decimal separator."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        return text[:-2]
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


@register.filter
def counts_cell(counts: Counts) -> SafeString:
    """A department table's cell: completion rate, done of required, overdue and exempt.

    Python rather than an included template with blocktranslate (same messages, same HTML):
    the department report has a cell per department and requirement, hundreds of them.
    The messages are the translators' text, as blocktranslate leaves them; only whole
    numbers are filled in, so nothing needs escaping but the one plain translation.
    """
    if counts.percent is None:
        none = escape(_("（対象者なし）"))
        return mark_safe(
            f'<span class="counts__none">—<span class="visually-hidden">{none}</span></span>'
        )
    done = _("%(done)s／%(required)s人") % {"done": counts.completed, "required": counts.required}
    html = (
        f'<span class="counts__percent">{_percent(counts.percent)}%</span>\n'
        f'<span class="counts__detail">{done}</span>'
    )
    if counts.overdue:
        overdue = _("期限超過 %(n)s人") % {"n": counts.overdue}
        html += f'\n<span class="counts__overdue">{overdue}</span>'
    if counts.exempt:
        exempt = _("対象外 %(n)s人") % {"n": counts.exempt}
        html += f'\n<span class="counts__detail">{exempt}</span>'
    return mark_safe(html)  # noqa: S308 - see the docstring
