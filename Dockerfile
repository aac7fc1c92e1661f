# Ripple's production image: one image for the web server, the Celery worker and Celery beat
# (docker-compose.yml picks the process with `command:`). Configuration comes from environment
# variables at run time only (see .env.example); nothing secret is baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=smm.settings \
    SMM_VAR_DIR=/var/lib/ripple \
    MEDIA_ROOT=/var/lib/ripple/media \
    WEB_CONCURRENCY=3

# An unprivileged user owns only the writable data folder; the code stays root-owned, read-only.
RUN groupadd --system --gid 1000 ripple \
    && useradd --system --uid 1000 --gid ripple --home-dir /var/lib/ripple \
        --no-create-home --shell /usr/sbin/nologin ripple

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are collected (and compressed, with a manifest, by WhiteNoise) at build time.
# Settings refuse to load without SECRET_KEY and SMM_ENCRYPTION_KEYS when DEBUG is off, so this
# one step gets throw-away values that live only in this RUN's shell, never in the image.
# The translations' .mo files are committed, so nothing else is compiled.
RUN SECRET_KEY=collectstatic-build-only \
    SMM_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    SMM_VAR_DIR=/tmp/collectstatic-var \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/collectstatic-var \
    && mkdir -p /var/lib/ripple/media \
    && chown -R ripple:ripple /var/lib/ripple

USER 1000:1000

EXPOSE 8000

# Migrations are not run here: docker-compose.yml has a one-shot `migrate` service for that, so
# several web or worker containers never migrate at the same time.
# gthread workers: WEB_CONCURRENCY processes (gunicorn reads it) x 4 threads each. Extra flags
# can be added at run time with GUNICORN_CMD_ARGS.
CMD ["gunicorn", "smm.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--threads", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "25", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
