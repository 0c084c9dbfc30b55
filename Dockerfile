# syntax=docker/dockerfile:1
# The product's image: the web (gunicorn with uvicorn workers, the site under ASGI) by default; `worker`,
# `beat` and `migrate` run the other processes (bin/serve, the same entry point the tests start).
# Runtime requirements only: no test tools or browsers.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/var/lib/helpdesk \
    STATIC_ROOT=/app/staticfiles \
    ENV_FILE= \
    PORT=8000
RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /app --shell /usr/sbin/nologin helpdesk \
    && mkdir -p /var/lib/helpdesk && chown helpdesk:helpdesk /var/lib/helpdesk
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app
# Hashed, compressed static files for whitenoise, made once here; the throw-away key only lets settings load.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdef python manage.py collectstatic --noinput --verbosity 0
USER helpdesk
EXPOSE 8000
VOLUME ["/var/lib/helpdesk"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["bin/serve", "probe"]
ENTRYPOINT ["bin/serve"]
CMD ["web"]
