"""Searching ignores letter case in Russian too, on SQLite as on PostgreSQL."""

import pytest

from tokens.models import WBToken
from wberp.sqlite import unicode_like


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("%лютик%", "ИП Лютик", True),
        ("%ЛЮТИК%", "ип лютик", True),
        ("лют_к", "Лютик", True),
        ("лют%", "Ромашка", False),
        ("100\\%", "100%", True),
        ("100\\%", "1000", False),
        ("a.c", "abc", False),
    ],
)
def test_like_folds_unicode_case_and_keeps_wildcards(pattern, value, expected):
    assert unicode_like(pattern, value, "\\") is expected


def test_like_with_null_is_null():
    assert unicode_like(None, "x") is None
    assert unicode_like("x", None) is None


@pytest.mark.django_db
def test_orm_search_finds_cyrillic_names_in_any_case():
    WBToken.objects.create(
        name="Лютик",
        ciphertext="v1:x:y",
        fingerprint="f",
        hint="abcd",
        token_type="personal",
        expires_at="2030-01-01T00:00Z",
    )
    assert WBToken.objects.filter(name__icontains="лютик").count() == 1
    assert WBToken.objects.filter(name__icontains="ЛЮТ").count() == 1
    assert WBToken.objects.filter(name__icontains="ромашка").count() == 0
