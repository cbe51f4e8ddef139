"""A bound on WB calls in flight per process (WB_API_MAX_CONCURRENCY).

A slow WB must not take every web thread: a call that finds no free slot within
WB_API_SLOT_WAIT seconds is refused at once (TooBusy) and other pages stay fast.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .errors import TooBusy


@cache
def _call_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.WB_API_MAX_CONCURRENCY)


@receiver(setting_changed)
def _resize_call_slots(*, setting: str, **kwargs) -> None:
    if setting == "WB_API_MAX_CONCURRENCY":
        _call_slots.cache_clear()


@contextmanager
def wb_call_slot() -> Iterator[None]:
    """Hold one of this process's WB call slots, or fail fast with TooBusy."""
    slots = _call_slots()
    if not slots.acquire(timeout=settings.WB_API_SLOT_WAIT):
        raise TooBusy()
    try:
        yield
    finally:
        slots.release()
