"""Each rule fires once for a condition, and again only after it clears and returns."""

from datetime import timedelta

import pytest
import time_machine

from alerts.models import AlertState, Delivery, Notification, Rule
from alerts.services import alerts_evaluate
from tokens.models import WBToken

from .conftest import START

pytestmark = pytest.mark.django_db


def at(days: float):
    return time_machine.travel(START + timedelta(days=days), tick=False)


def fired(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("state__rule", flat=True)
    )


def test_expiry_alerts_fire_once_at_30_14_and_3_days(owner, subscribe, token_expiring):
    subscribe(owner)
    token_expiring(40)
    with at(0):
        assert alerts_evaluate() == {"fired": 0, "cleared": 0}
    with at(10.5):  # 29.5 days left: the expiry date is 30 calendar days away at most
        assert alerts_evaluate()["fired"] == 1
        assert alerts_evaluate() == {"fired": 0, "cleared": 0}
    with at(26.5):
        assert alerts_evaluate()["fired"] == 1
    with at(30):
        alerts_evaluate()
        alerts_evaluate()
    with at(37.5):
        assert alerts_evaluate()["fired"] == 1
    assert fired(owner) == [Rule.TOKEN_EXPIRING_30, Rule.TOKEN_EXPIRING_14, Rule.TOKEN_EXPIRING_3]


def test_an_expiry_alert_clears_with_a_later_expiry_and_fires_again_when_it_returns(
    owner, subscribe, token_expiring
):
    subscribe(owner, Rule.TOKEN_EXPIRING_30)
    token = token_expiring(20)
    with at(0):
        alerts_evaluate()
    state = AlertState.objects.get()
    assert state.active and state.times_fired == 1
    WBToken.objects.filter(pk=token.pk).update(expires_at=START + timedelta(days=200))
    with at(1):
        assert alerts_evaluate() == {"fired": 0, "cleared": 1}
        assert alerts_evaluate() == {"fired": 0, "cleared": 0}
    state.refresh_from_db()
    assert not state.active and state.cleared_at == START + timedelta(days=1)
    with at(175):  # the later expiry comes near in its turn
        assert alerts_evaluate() == {"fired": 1, "cleared": 0}
    state.refresh_from_db()
    assert state.active and state.times_fired == 2 and state.cleared_at is None
    assert fired(owner) == [Rule.TOKEN_EXPIRING_30, Rule.TOKEN_EXPIRING_30]


def test_a_deleted_token_clears_its_alerts(owner, subscribe, token_expiring):
    subscribe(owner)
    token = token_expiring(2)
    with at(0):
        assert alerts_evaluate()["fired"] == 3
        token.delete()
        assert alerts_evaluate()["cleared"] == 3


def test_a_failing_token_fires_clears_when_valid_and_fires_again(owner, subscribe, token_expiring):
    subscribe(owner, Rule.TOKEN_FAILING)
    token = token_expiring(100)
    with at(0):
        assert alerts_evaluate()["fired"] == 0
        WBToken.objects.filter(pk=token.pk).update(status=WBToken.Status.INVALID)
        assert alerts_evaluate()["fired"] == 1
        WBToken.objects.filter(pk=token.pk).update(status=WBToken.Status.ACCESS_DENIED)
        assert alerts_evaluate() == {"fired": 0, "cleared": 0}  # still failing: no second alert
        WBToken.objects.filter(pk=token.pk).update(status=WBToken.Status.VALID)
        assert alerts_evaluate()["cleared"] == 1
        WBToken.objects.filter(pk=token.pk).update(status=WBToken.Status.ACCESS_DENIED)
        assert alerts_evaluate()["fired"] == 1
    assert fired(owner) == [Rule.TOKEN_FAILING, Rule.TOKEN_FAILING]
    assert AlertState.objects.get().details["status"] == "access_denied"


def test_sandbox_tokens_never_warn_of_their_expiry(owner, subscribe, token_expiring):
    subscribe(owner)
    token = token_expiring(2)
    WBToken.objects.filter(pk=token.pk).update(is_test=True)
    with at(0):
        assert alerts_evaluate()["fired"] == 0


def test_only_subscribers_of_the_rule_hear_and_by_the_channels_they_chose(
    owner, make_user, subscribe, token_expiring
):
    by_mail = make_user("mailed", staff=True, perms=["access.see_all_cabinets"])
    page_only = make_user("reader", staff=True, perms=["access.see_all_cabinets"])
    unsubscribed = make_user("quiet", staff=True, perms=["access.see_all_cabinets"])
    gone = make_user("gone", staff=True, perms=["access.see_all_cabinets"])
    gone.is_active = False
    gone.save()
    not_staff = make_user("customer")
    subscribe(
        owner, Rule.TOKEN_EXPIRING_3, channels=("email", "webhook"), webhook_url="http://x.test/"
    )
    subscribe(by_mail, Rule.TOKEN_EXPIRING_3, channels=("email",))
    subscribe(page_only, Rule.TOKEN_EXPIRING_3)
    subscribe(unsubscribed, Rule.TOKEN_FAILING)
    subscribe(gone, Rule.TOKEN_EXPIRING_3, channels=("email",))
    subscribe(not_staff, Rule.TOKEN_EXPIRING_3, channels=("email",))
    token_expiring(2)
    with at(0):
        alerts_evaluate()
    heard = Notification.objects.filter(state__rule=Rule.TOKEN_EXPIRING_3)
    assert sorted(heard.values_list("user__username", flat=True)) == ["mailed", "owner", "reader"]
    channels = Delivery.objects.values_list("notification__user__username", "channel")
    assert sorted(channels) == [("mailed", "email"), ("owner", "email"), ("owner", "webhook")]


def test_a_user_who_chose_cabinets_hears_only_of_those(owner, subscribe, token_expiring):
    mine, other = token_expiring(2, "Mine"), token_expiring(2, "Other")
    subscribe(owner, Rule.TOKEN_EXPIRING_3, sellers=[mine.seller])
    with at(0):
        alerts_evaluate()
    (notification,) = Notification.objects.filter(user=owner)
    assert notification.state.subject == str(mine.pk)
    assert AlertState.objects.filter(subject=str(other.pk)).exists()  # it fired, for nobody


def test_a_cabinet_the_user_may_not_see_is_never_told(make_user, subscribe, token_expiring):
    from access.models import CabinetGrant, Level

    mine, hidden = token_expiring(2, "Mine"), token_expiring(2, "Hidden")
    manager = make_user("manager", staff=True)
    CabinetGrant.objects.create(seller=mine.seller, user=manager, tokens=Level.VIEW)
    subscribe(manager, Rule.TOKEN_EXPIRING_3, sellers=[mine.seller, hidden.seller])
    with at(0):
        alerts_evaluate()
    subjects = Notification.objects.filter(user=manager).values_list("state__subject", flat=True)
    assert list(subjects) == [str(mine.pk)]


def test_a_listed_report_that_does_not_add_up_fires_until_it_does(owner, subscribe, token_expiring):
    from decimal import Decimal

    from finance.models import Report

    seller = token_expiring(1000).seller
    subscribe(owner, Rule.REPORT_UNRECONCILED)
    report = Report.objects.create(
        seller=seller,
        report_id=555,
        date_from=START.date() - timedelta(days=7),
        date_to=START.date() - timedelta(days=1),
        retail_amount_sum=Decimal("100.00"),  # and not a row to add up to it
        listed=True,
    )
    with at(0):
        assert alerts_evaluate()["fired"] == 1
        assert alerts_evaluate()["fired"] == 0
        state = AlertState.objects.get(rule=Rule.REPORT_UNRECONCILED)
        assert state.subject == str(report.pk) and state.details["totals_ok"] is False
        Report.objects.filter(pk=report.pk).update(retail_amount_sum=Decimal("0.00"))
        assert alerts_evaluate()["cleared"] == 1
    with at(70):  # an old report is no longer looked at
        Report.objects.filter(pk=report.pk).update(retail_amount_sum=Decimal("1.00"))
        assert alerts_evaluate()["fired"] == 0
    assert fired(owner) == [Rule.REPORT_UNRECONCILED]


def test_a_report_not_yet_listed_by_wb_is_not_judged(owner, subscribe, token_expiring):
    from decimal import Decimal

    from finance.models import Report

    subscribe(owner, Rule.REPORT_UNRECONCILED)
    Report.objects.create(
        seller=token_expiring(1000).seller,
        report_id=556,
        date_from=START.date(),
        date_to=START.date(),
        retail_amount_sum=Decimal("100.00"),
        listed=False,
    )
    with at(0):
        assert alerts_evaluate()["fired"] == 0
