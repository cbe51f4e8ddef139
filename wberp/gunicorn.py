"""Gunicorn settings for production: `gunicorn --config python:wberp.gunicorn wberp.wsgi`.

Each value can be changed through the environment without rebuilding the image.
"""

import multiprocessing
import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads let a worker keep serving pages while one request waits on WB
# (WB calls are bounded by WB_API_DEADLINE and WB_API_MAX_CONCURRENCY).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# Longer than WB_API_DEADLINE (20 s), so a WB call times out before the worker is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then to bound memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# On standard error, in the app's log format (LOGGING takes gunicorn's loggers over in
# each worker); GUNICORN_ACCESS_LOG=off leaves request logging to the proxy in front.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG") == "off" else "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Gunicorn's runtime control socket (written under $HOME) is not used; nothing listens on it.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Each worker, with the app loaded and before it serves: refuse a configuration the
    system checks reject. The worker then fails to boot, and gunicorn stops."""
    from wberp.startup import refuse_unsafe_configuration

    refuse_unsafe_configuration()


def on_starting(server) -> None:
    """Before any worker: an empty directory for the workers' HTTP metrics (multiprocess mode,
    see monitoring/http.py), so that counts of a previous run are not served as this one's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="wberp-metrics-")


def child_exit(server, worker) -> None:
    """A worker's gauges end with it (its counters stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
