"""Create the first superuser from DJANGO_SUPERUSER_* variables, once.

An existing user of that name is left exactly as it is (its password is not
reset), so the command is safe to run on every start.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wberp.settings import env


class Command(BaseCommand):
    help = _("Create the superuser named by DJANGO_SUPERUSER_USERNAME unless it exists.")

    def handle(self, *args, **options) -> None:
        username = env.str("DJANGO_SUPERUSER_USERNAME", default="")
        password = env.str("DJANGO_SUPERUSER_PASSWORD", default="")
        email = env.str("DJANGO_SUPERUSER_EMAIL", default="")
        if not username or not password:
            raise CommandError(
                _("Set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD (see .env.example).")
            )
        users = get_user_model()._default_manager
        if users.filter(**{get_user_model().USERNAME_FIELD: username}).exists():
            self.stdout.write(
                _("Superuser %(username)s already exists; left unchanged.") % {"username": username}
            )
            return
        users.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(_("Created superuser %(username)s.") % {"username": username})
        )
