# Tokens belong to seller cabinets: the six seller columns move to sellers.Seller (one row per
# WB seller id, filled from the most recently checked of its tokens) and the token gets a
# foreign key to it. Reversible: going back copies the seller's values onto its tokens.
#
# The circuit breaker moves to the gateway app (keyed by seller); its rows are short-lived
# pauses and are not carried over. A 429 or an outage no longer changes a token's status, so
# "unavailable" stops being a status: such a token gets the outcome of its last check that WB
# answered, or "unchecked".
#
# On SQLite, dropping indexed columns rebuilds the token table, which drops its triggers: the
# status tally's triggers (0002) are installed again afterwards and the tally recounted.

import importlib

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

tally = importlib.import_module("tokens.migrations.0002_status_tally")

SELLER_COLUMNS = {
    # token column -> seller field
    "seller_oid": "oid",
    "seller_name": "name",
    "seller_tin": "tin",
    "trade_mark": "trade_mark",
    "country": "country",
}


def settle_unavailable(apps, schema_editor) -> None:
    WBToken = apps.get_model("tokens", "WBToken")
    WBTokenCheck = apps.get_model("tokens", "WBTokenCheck")
    last_answered = (
        WBTokenCheck.objects.filter(token=OuterRef("pk"))
        .exclude(outcome__in=["unavailable", "unchecked"])
        .order_by("-checked_at", "-id")
        .values("outcome")[:1]
    )
    WBToken.objects.filter(status="unavailable").update(
        status=Coalesce(Subquery(last_answered), Value("unchecked"))
    )


def move_to_sellers(apps, schema_editor) -> None:
    WBToken = apps.get_model("tokens", "WBToken")
    Seller = apps.get_model("sellers", "Seller")
    latest_first = WBToken.objects.exclude(seller_sid="").order_by(
        "seller_sid", models.F("last_checked_at").desc(nulls_last=True), "-created_at"
    )
    sellers, seen = [], set()
    for values in latest_first.values("seller_sid", *SELLER_COLUMNS).iterator(chunk_size=2000):
        if values["seller_sid"] in seen:
            continue
        seen.add(values["seller_sid"])
        fields = {field: values[column] for column, field in SELLER_COLUMNS.items()}
        sellers.append(Seller(sid=values["seller_sid"], **fields))
    # A cabinet may exist already, when this migration is applied again after going back.
    Seller.objects.bulk_create(sellers, batch_size=1000, ignore_conflicts=True)
    seller_id = Seller.objects.filter(sid=OuterRef("seller_sid")).values("pk")[:1]
    WBToken.objects.exclude(seller_sid="").update(seller=Subquery(seller_id))


def restore_seller_columns(apps, schema_editor) -> None:
    WBToken = apps.get_model("tokens", "WBToken")
    Seller = apps.get_model("sellers", "Seller")
    columns = {"seller_sid": "sid", **SELLER_COLUMNS}
    WBToken.objects.filter(seller__isnull=False).update(
        **{
            column: Subquery(Seller.objects.filter(pk=OuterRef("seller")).values(field)[:1])
            for column, field in columns.items()
        }
    )


def reinstall_tally_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL keeps its triggers through ALTER TABLE
    install, remove = tally.statements_for(schema_editor)
    for statement in remove:
        schema_editor.execute(statement.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
    for statement in [*install, "DELETE FROM tokens_statustally", tally.FILL]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0001_initial"),
        ("tokens", "0002_status_tally"),
    ]

    operations = [
        migrations.RunPython(settle_unavailable, migrations.RunPython.noop),
        migrations.RunPython(migrations.RunPython.noop, reinstall_tally_triggers),
        migrations.AddField(
            model_name="wbtoken",
            name="seller",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tokens",
                to="sellers.seller",
                verbose_name="seller",
            ),
        ),
        migrations.RunPython(move_to_sellers, restore_seller_columns),
        migrations.RemoveField(model_name="wbtoken", name="seller_sid"),
        migrations.RemoveField(model_name="wbtoken", name="seller_oid"),
        migrations.RemoveField(model_name="wbtoken", name="seller_name"),
        migrations.RemoveField(model_name="wbtoken", name="seller_tin"),
        migrations.RemoveField(model_name="wbtoken", name="trade_mark"),
        migrations.RemoveField(model_name="wbtoken", name="country"),
        migrations.DeleteModel(name="WBPause"),
        migrations.AlterField(
            model_name="wbtoken",
            name="status",
            field=models.CharField(
                choices=[
                    ("valid", "Valid"),
                    ("invalid", "Invalid"),
                    ("expired", "Expired"),
                    ("access_denied", "Access denied"),
                    ("unchecked", "Not checked"),
                ],
                db_index=True,
                default="unchecked",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="wbtokencheck",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("valid", "Valid"),
                    ("invalid", "Invalid"),
                    ("expired", "Expired"),
                    ("access_denied", "Access denied"),
                    ("unavailable", "Could not check"),
                ],
                max_length=16,
                verbose_name="outcome",
            ),
        ),
        migrations.RunPython(reinstall_tally_triggers, migrations.RunPython.noop),
    ]
