from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("verify-email/resend", views.verify_email_resend, name="verify-email-resend"),
    path("verify-email/<str:token>", views.verify_email, name="verify-email"),
    path("profile", views.profile, name="profile"),
    path("api-keys", views.api_keys, name="api-keys"),
    path("api-keys/<int:key_id>/revoke", views.api_key_revoke, name="api-key-revoke"),
    path("password/change", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("password/reset", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/done", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("password/reset/<uidb64>/<token>", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
]
