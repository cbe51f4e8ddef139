import gettext
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_russian_by_default_whatever_the_browser_says(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    assert '<html lang="ru">' in response.content.decode()
    assert "Войти" in response.content.decode()


def test_switching_to_english_sticks(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_unknown_language_cookie_falls_back_to_russian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get(reverse("login"))["Content-Language"] == "ru"


def test_home_page_text_is_translated(staff_client):
    assert "Обзор" in staff_client.get(reverse("home")).content.decode()


def read_po(path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgstr (plural forms joined), fuzzy flag."""
    entries, entry, field = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith(("msgctxt", "msgid", "msgstr")):
            keyword, _, value = line.partition(" ")
            field = "msgstr" if keyword.startswith("msgstr") else keyword
            entry[field] = entry.get(field, "") + json.loads(value)
        elif line.startswith('"') and field:
            entry[field] += json.loads(line)
    return [e for e in entries if e["msgid"]]


RU_PO = settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_the_russian_catalogue_is_complete():
    untranslated = [e["msgid"] for e in read_po(RU_PO) if not e["msgstr"] or e.get("fuzzy")]
    assert untranslated == []


def test_the_compiled_russian_catalogue_matches_its_source():
    compiled = gettext.GNUTranslations(RU_PO.with_suffix(".mo").open("rb"))
    singular = [e for e in read_po(RU_PO) if "msgctxt" not in e and "msgid_plural" not in e]
    assert len(singular) > 100
    for entry in singular:
        assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_every_russian_plural_has_as_many_forms_as_the_catalogue_declares():
    """gettext refuses (and Django then falls back to English for) a catalogue whose plural
    entries have fewer forms than its Plural-Forms header's nplurals."""
    text = RU_PO.read_text(encoding="utf-8")
    declared = int(re.search(r"nplurals=(\d+);", text).group(1))
    short = [
        block.split("\n")[2]
        for block in text.split("\n\n")
        if "msgid_plural" in block and block.count("\nmsgstr[") != declared
    ]
    assert short == []
