"""Template filters of the training reports."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from training.status import Counts

register = template.Library()


@register.filter
def counts_cell(counts: Counts) -> SafeString:
    """A department table's cell: completion rate, done of required, overdue and exempt.

    Python rather than an included template with blocktranslate (same messages): the
    department report has a cell per department and requirement, hundreds of them.
    """
    if counts.percent is None:
        return format_html(
            '<span class="counts__none">—<span class="visually-hidden">{}</span></span>',
            _("（対象者なし）"),
        )
    # The messages are the translators' text, as blocktranslate leaves them; only numbers
    # are filled in.
    parts = [
        format_html('<span class="counts__percent">{}%</span>', floatformat(counts.percent, "-1")),
        format_html(
            '\n<span class="counts__detail">{}</span>',
            mark_safe(
                _("%(done)s／%(required)s人")
                % {"done": counts.completed, "required": counts.required}
            ),
        ),
    ]
    if counts.overdue:
        parts.append(
            format_html(
                '\n<span class="counts__overdue">{}</span>',
                mark_safe(_("期限超過 %(n)s人") % {"n": counts.overdue}),
            )
        )
    if counts.exempt:
        parts.append(
            format_html(
                '\n<span class="counts__detail">{}</span>',
                mark_safe(_("対象外 %(n)s人") % {"n": counts.exempt}),
            )
        )
    return mark_safe("".join(parts))
