from django.urls import path

from base import views_accessibility

app_name = "accessibility"

urlpatterns = [
    path("", views_accessibility.AccessibilityPolicyView.as_view(), name="policy"),
    path("results/", views_accessibility.AccessibilityResultsView.as_view(), name="results"),
]
