# wberp production image: gunicorn serves Django, WhiteNoise serves the static
# files collected at build time. Everything else comes from the environment at
# run time (see .env.example); no secret is baked into the image.
#
#   docker build -t wberp .
#
# docker-compose.yml runs it with PostgreSQL, applying migrations and creating
# the first superuser before gunicorn starts, and runs the same image as the
# background worker (`python manage.py db_worker`, without the health check,
# which asks the web server). wberp/tests/test_gunicorn_smoke.py runs this
# file's CMD and HEALTHCHECK with production settings on `make test`.

ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/var/static

# An unprivileged user runs the server; the code stays owned by root, read-only to it.
# Its own home holds gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl).
RUN groupadd --system --gid 10001 wberp \
    && useradd --system --uid 10001 --gid wberp --home-dir /home/wberp --create-home \
        --shell /usr/sbin/nologin wberp

WORKDIR /app

# Dependencies first, so that this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Collect (hash and compress) the static files into the image. Settings need the
# production secrets to load with DEBUG off: throwaway ones are generated for
# this one command and vanish with it. var/ is left writable, and private, for
# the default SQLite file of a database-less try-out; var/exports too, for the large
# exports (a volume that web and worker share takes its owner and mode from here).
RUN set -a \
    && eval "$(python -m wberp.envfile --print)" \
    && WBERP_ENV_FILE=/dev/null DEBUG=false python manage.py collectstatic --noinput -v0 \
    && mkdir -p var/exports \
    && chown wberp:wberp var var/exports \
    && chmod 700 var var/exports

# Numeric, so that runtimes can verify it is not root (runAsNonRoot).
USER 10001:10001

EXPOSE 8000

# /healthz answers without the database, any Host; Python because slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('GUNICORN_BIND', ':8000').rpartition(':')[2]; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]

CMD ["gunicorn", "--config", "python:wberp.gunicorn", "wberp.wsgi"]
