"""The audit trail: entries of the admin history, for people's actions only."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.utils import translation

from sellers.models import Seller
from wberp.audit import audit

pytestmark = pytest.mark.django_db


def test_an_action_is_an_entry_per_object_with_who_and_what(staff_user):
    first = Seller.objects.create(sid="1", name="First")
    second = Seller.objects.create(sid="2", name="Second")
    audit(staff_user, first, ADDITION, [{"added": {}}])
    audit(staff_user, [first, second], CHANGE, "Costs uploaded: 3 rows")
    entries = LogEntry.objects.order_by("pk")
    with translation.override("en"):
        said = [(e.object_id, e.action_flag, e.get_change_message()) for e in entries]
    assert said == [
        (str(first.pk), ADDITION, "Added."),
        (str(first.pk), CHANGE, "Costs uploaded: 3 rows"),
        (str(second.pk), CHANGE, "Costs uploaded: 3 rows"),
    ]
    assert {entry.user for entry in entries} == {staff_user}
    assert entries[0].object_repr == "First"


def test_without_a_person_or_an_object_there_is_no_entry(staff_user, django_user_model):
    seller = Seller.objects.create(sid="1", name="First")
    audit(None, seller, CHANGE, "Sync now")
    audit(django_user_model(username="unsaved"), seller, CHANGE, "Sync now")
    audit(staff_user, [], CHANGE, "Sync now")
    assert not LogEntry.objects.exists()
