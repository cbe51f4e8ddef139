"""Counts of WB requests, kept in the database because they are made in many processes.

Task workers make most WB requests and serve no HTTP, and may run on other machines than the
web server that Prometheus scrapes; prometheus-client's multiprocess mode only adds up the
processes of one machine that share a directory. A row here is one latency bucket of one kind
of answer, so a request increments exactly one row, and every process and machine adds to the
same counts; a scrape reads them all.
"""

from django.db import models

# Upper bounds of the latency histogram, in seconds; a request slower than the last one is
# counted in bucket len(LATENCY_BUCKETS), Prometheus's +Inf. WB's data pages may take minutes.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class WBRequestTally(models.Model):
    """How many requests to `host` in limit group `group` ended with `status` and `error`
    (empty: none) within latency bucket `bucket`, and their seconds in all."""

    host = models.CharField(max_length=64)
    group = models.CharField(max_length=40)
    # The HTTP status; empty when no answer came (timeout, connection reset).
    status = models.CharField(max_length=3, blank=True)
    error = models.CharField(max_length=32, blank=True)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host", "group", "status", "error", "bucket"], name="wbrequesttally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.group} {self.status or '-'} {self.error} #{self.bucket}"
