"""ウェブアクセシビリティ方針 and 試験結果: public pages (linked from every page's footer)."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from base import accessibility


class AccessibilityPolicyView(TemplateView):
    template_name = "base/accessibility_policy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            adopted=accessibility.POLICY_ADOPTED,
            target=accessibility.POLICY_TARGET,
            report=accessibility.load_report(),
        )
        return context


class AccessibilityResultsView(TemplateView):
    """The latest published audit run (base/data/accessibility_results.json)."""

    template_name = "base/accessibility_results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["report"] = accessibility.load_report()
        return context
