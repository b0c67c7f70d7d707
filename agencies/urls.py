from django.urls import path

from agencies.views import accounts as views
from agencies.views import two_step

app_name = "agencies"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("sign-in/code/", two_step.verify, name="two-step-verify"),
    path("sign-in/recovery-code/", two_step.recover, name="two-step-recover"),
    path("session/keep-alive/", views.session_keep_alive, name="session-keep-alive"),
    path("account/two-step/", two_step.overview, name="two-step"),
    path("account/two-step/set-up/", two_step.set_up, name="two-step-set-up"),
    path("account/two-step/recovery-codes/", two_step.recovery_codes, name="two-step-codes"),
    path(
        "account/two-step/new-recovery-codes/",
        two_step.new_recovery_codes,
        name="two-step-new-codes",
    ),
    path("account/two-step/set-up-again/", two_step.reset_own, name="two-step-reset"),
    path("account/e-mail/change/", two_step.change_email, name="email-change"),
    path("account/e-mail/", views.email_settings, name="email-settings"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("invitations/accept/", views.invitation_accept, name="invitation-accept"),
    path("invitations/<str:token>/", views.invitation_open, name="invitation-open"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<slug:slug>/logo/", views.organisation_logo, name="organisation-logo"),
    path("organisations/<slug:slug>/invite/", views.invitation_create, name="invitation-create"),
    path(
        "organisations/<slug:slug>/people/<int:membership_id>/deactivate/",
        views.membership_deactivate,
        name="membership-deactivate",
    ),
    path(
        "organisations/<slug:slug>/people/<int:membership_id>/role/",
        views.membership_role,
        name="membership-role",
    ),
    path(
        "organisations/<slug:slug>/people/<int:membership_id>/reset-two-step/",
        views.membership_reset_two_step,
        name="membership-reset-two-step",
    ),
]
