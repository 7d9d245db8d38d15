"""Account pages that differ from django.contrib.auth's defaults (included before them)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import QueuedPasswordResetForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
]
