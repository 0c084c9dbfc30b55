"""/portal/account/...: the portal's account pages. The profile is wired in helpdesk/urls.py (it lives in tickets)."""

from django.urls import path

from accounts.portal import views

app_name = "account"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("password/", views.PortalPasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", views.PortalPasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PortalPasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PortalPasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PortalPasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("verify/sent/", views.verify_sent, name="verify-sent"),
    path("verify/resend/", views.verify_resend, name="verify-resend"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
