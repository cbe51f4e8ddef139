"""Staff who existed before cabinet access did saw every cabinet: they keep seeing them all
until someone takes the permission away and gives them their cabinets instead."""

from django.conf import settings
from django.db import migrations


def existing_staff_see_all(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    staff = User.objects.filter(is_staff=True, is_superuser=False)
    if not staff.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="access", model="cabinetgrant")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="see_all_cabinets",
        defaults={"name": "Can see all cabinets"},
    )
    permission.user_set.add(*staff)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(existing_staff_see_all, migrations.RunPython.noop)]
