"""Cost-price files for the upload tests, and the upload itself."""

import io

from django.urls import reverse

HEADER = "vendor code;size;barcode;valid from;cost"


def csv_file(*lines: str, header: str = HEADER, name: str = "costs.csv", encoding="utf-8"):
    content = "\n".join([header, *lines]).encode(encoding)
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def xlsx_file(rows: list[list], name: str = "costs.xlsx"):
    """An XLSX workbook of `rows` (a value starting with "=" is written as a formula)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def upload_url(seller) -> str:
    return reverse("costs:upload", args=[seller.sid])


def uploaded(client, seller, file):
    """Upload the file and follow to its preview."""
    return client.post(upload_url(seller), {"file": file}, follow=True)
