"""Large XLSX exports: the switch to a task, what the task writes, who may download it, how it
fails, and the cleanup."""

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from access.models import CabinetGrant
from conftest import client_for
from exports import services
from exports.models import Export
from exports.services import export_write, exports_delete_expired, exports_mark_lost
from exports.tasks import write_export
from jobs.testing import run_worker_batch
from jobs.tick import tick_steps

from .conftest import ALPHA, FORMULA, VIEW_PRODUCTS

pytestmark = pytest.mark.django_db
ALPHA_XLSX = {"brand": "Alpha", "export": "xlsx"}


def ask(user, url: str, query: dict = ALPHA_XLSX):
    return client_for(user).get(url, query)


def asked(user, url: str) -> Export:
    """The export a page hands to a task, not yet run."""
    response = ask(user, url)
    assert response.status_code == 302 and response["Location"] == reverse("exports:list")
    return Export.objects.latest("created_at")


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def files_in(directory) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- The switch ---------------------------------------------------------------------------


def test_an_xlsx_within_the_limit_is_written_during_its_request(settings, reader, products_url):
    settings.EXPORTS_XLSX_INLINE_ROWS = ALPHA
    response = ask(reader, products_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert sheet_of(body_of(response)).max_row == 1 + ALPHA
    assert not Export.objects.exists()


def test_a_larger_one_becomes_an_export_and_a_task(reader, cabinet, products_url):
    response = client_for(reader).get(products_url, ALPHA_XLSX, follow=True)
    export = Export.objects.get()
    assert (export.owner, export.seller, export.table) == (reader, cabinet, "products-sid-export")
    assert export.state == Export.State.QUEUED and export.rows_total == ALPHA
    assert export.path == products_url and "brand=Alpha" in export.query
    queued = DBTaskResult.objects.get(id=export.task_result_id)
    assert queued.task_path == write_export.module_path and queued.args_kwargs["args"] == [
        str(export.pk)
    ]
    page = response.content.decode()
    assert "in the background" in page and "products-sid-export.xlsx" in page
    assert 'hx-trigger="every 2s"' in page  # the page looks again while it is written


def test_csv_of_as_many_rows_still_streams(reader, products_url):
    response = ask(reader, products_url, {"brand": "Alpha", "export": "csv"})
    assert response.status_code == 200 and len(body_of(response).splitlines()) == 1 + ALPHA
    assert not Export.objects.exists()


# --- The task -----------------------------------------------------------------------------


def test_the_task_writes_the_filtered_rows_typed(reader, products_url, exports_dir):
    export = asked(reader, products_url)
    assert export_write(export_id=str(export.pk)) == "done"
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.rows_done == export.rows_total == ALPHA
    assert export.finished_at is not None
    assert files_in(exports_dir) == [f"{export.pk}.xlsx"]
    assert exports_dir.stat().st_mode & 0o077 == 0  # a private folder
    sheet = sheet_of(export.file_path.read_bytes())
    header = [cell.value for cell in sheet[1]]
    rows = [[cell for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == ALPHA  # Alpha's products, no Beta's
    nm_ids = sorted(row[header.index("nm_id")].value for row in rows)
    assert nm_ids == list(range(100, 100 + ALPHA))
    assert all(row[header.index("nm_id")].data_type == "n" for row in rows)
    updated = rows[0][header.index("wb_updated_at")]
    assert updated.is_date and isinstance(updated.value, datetime)
    codes = {cell.value: cell for cell in (row[header.index("vendor_code")] for row in rows)}
    assert codes[FORMULA].data_type == "s"  # text, never a formula


def test_progress_is_saved_as_it_goes(monkeypatch, reader, products_url):
    monkeypatch.setattr("wberp.exports.CHUNK_ROWS", 2)
    export = asked(reader, products_url)
    seen = []
    progress = services.Writing.progress

    def watched(writing, rows: int) -> None:
        progress(writing, rows)
        stored = Export.objects.get(pk=export.pk)
        seen.append((stored.state, stored.rows_done, stored.percent))

    monkeypatch.setattr(services.Writing, "progress", watched)
    export_write(export_id=str(export.pk))
    assert seen == [("running", 2, 40), ("running", 4, 80)]
    assert Export.objects.get(pk=export.pk).percent == 100


def test_a_second_task_for_the_same_export_does_nothing(reader, products_url):
    export = asked(reader, products_url)
    assert export_write(export_id=str(export.pk)) == "done"
    assert export_write(export_id=str(export.pk)) == "elsewhere"


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_task(reader, products_url):
    export = asked(reader, products_url)
    run_worker_batch(tick=False)
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.file_path.exists()
    queued = DBTaskResult.objects.get(id=export.task_result_id)
    assert queued.status == TaskResultStatus.SUCCESSFUL and queued.return_value == "done"


# --- Failures -----------------------------------------------------------------------------


def test_access_taken_away_before_the_task_runs(reader, cabinet, products_url, exports_dir):
    export = asked(reader, products_url)
    CabinetGrant.objects.filter(user=reader, seller=cabinet).delete()
    assert export_write(export_id=str(export.pk)) == "failed"
    export.refresh_from_db()
    assert (export.state, export.error, export.file) == ("failed", "access", "")
    assert files_in(exports_dir) == []
    page = client_for(reader).get(reverse("exports:list")).content.decode()
    assert "your access to the cabinet or the table changed" in page


def test_a_permission_taken_away_is_refused_by_the_page_itself(reader, products_url):
    """The cabinet is still granted; the page's own permission check refuses."""
    export = asked(reader, products_url)
    reader.user_permissions.clear()
    assert export_write(export_id=str(export.pk)) == "failed"
    assert Export.objects.get(pk=export.pk).error == Export.Problem.ACCESS


def test_a_failing_task_says_so_and_leaves_no_file(monkeypatch, reader, products_url, exports_dir):
    export = asked(reader, products_url)

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(services, "xlsx_write", broken)
    assert export_write(export_id=str(export.pk)) == "failed"
    export.refresh_from_db()
    assert (export.state, export.error) == ("failed", "error")
    assert files_in(exports_dir) == []
    page = client_for(reader).get(reverse("exports:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "could not be written" in text and "No space" not in text
    assert "hx-trigger" not in text  # nothing left to wait for


def test_a_killed_workers_export_is_marked_failed_by_the_tick(reader, products_url):
    assert "exports.mark_lost" in tick_steps()
    export = asked(reader, products_url)
    DBTaskResult.objects.filter(id=export.task_result_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )
    Export.objects.filter(pk=export.pk).update(state=Export.State.RUNNING)
    assert exports_mark_lost() == 0  # it moved just now
    later = timezone.now() + timedelta(minutes=11)
    assert exports_mark_lost(now=later) == 1
    export.refresh_from_db()
    assert (export.state, export.error) == ("failed", "lost")
    assert DBTaskResult.objects.get(id=export.task_result_id).status == TaskResultStatus.FAILED
    assert (
        "worker writing it was stopped"
        in client_for(reader).get(reverse("exports:list")).content.decode()
    )


# --- Downloads ----------------------------------------------------------------------------


@pytest.fixture
def written(reader, products_url) -> Export:
    export = asked(reader, products_url)
    export_write(export_id=str(export.pk))
    export.refresh_from_db()
    return export


def test_its_owner_downloads_it(reader, written):
    response = client_for(reader).get(written.get_download_url())
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="products-sid-export.xlsx"'
    assert sheet_of(body_of(response)).max_row == 1 + ALPHA
    listed = client_for(reader).get(reverse("exports:list")).content.decode()
    assert written.get_download_url() in listed and "hx-trigger" not in listed


def test_nobody_else_downloads_it_not_even_one_who_sees_every_cabinet(make_user, written):
    other = make_user("other", staff=True, perms=["access.see_all_cabinets", VIEW_PRODUCTS])
    assert client_for(other).get(written.get_download_url()).status_code == 404
    assert (
        written.get_download_url()
        not in client_for(other).get(reverse("exports:list")).content.decode()
    )


def test_an_owner_who_lost_the_cabinet_no_longer_downloads_it(reader, cabinet, written):
    CabinetGrant.objects.filter(user=reader, seller=cabinet).delete()
    assert client_for(reader).get(written.get_download_url()).status_code == 404


def test_a_file_gone_from_the_folder_is_said_not_crashed(reader, written):
    written.file_path.unlink()
    response = client_for(reader).get(written.get_download_url(), follow=True)
    assert response.status_code == 200
    assert "file of this export is gone" in response.content.decode()


def test_an_unfinished_export_has_no_download(reader, products_url):
    export = asked(reader, products_url)
    assert client_for(reader).get(export.get_download_url()).status_code == 404


# --- Cleanup ------------------------------------------------------------------------------


def test_old_exports_go_with_their_files(reader, products_url, written, exports_dir):
    fresh = asked(reader, products_url)
    export_write(export_id=str(fresh.pk))
    fresh.refresh_from_db()
    stray = exports_dir / "00000000-0000-0000-0000-000000000000.part"
    stray.write_bytes(b"left by a killed worker")
    old = timezone.now() - timedelta(hours=25)
    Export.objects.filter(pk=written.pk).update(created_at=old)
    assert exports_delete_expired(now=timezone.now()) == 1
    assert not written.file_path.exists() and fresh.file_path.exists()
    assert stray.exists()  # young: perhaps still being written
    assert list(Export.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert exports_delete_expired(now=timezone.now() + timedelta(hours=30)) == 1
    assert files_in(exports_dir) == []


def test_an_old_export_still_being_written_is_left_to_finish(reader, products_url):
    export = asked(reader, products_url)
    Export.objects.filter(pk=export.pk).update(state=Export.State.RUNNING)
    assert exports_delete_expired(now=timezone.now() + timedelta(days=2)) == 0
    assert Export.objects.filter(pk=export.pk).exists()
