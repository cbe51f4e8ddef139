"""Forms of the project shell."""

from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables


class LockedOutPasswordChangeForm(PasswordChangeForm):
    """Changing the password: the old one is checked as a login checks it.

    A wrong old password then counts as a failed login of that user from that address, and
    after AXES_FAILURE_LIMIT of them the pair is locked out, as at the login page: a stolen
    session cannot guess the password and then change it.
    """

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        username = self.user.get_username()
        if authenticate(self.request, username=username, password=old_password) is None:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
