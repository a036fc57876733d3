# One image for web (gunicorn), the Celery worker and Celery beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
RUN pip install --no-cache-dir -c constraints.txt .

COPY . .
RUN useradd --system --create-home mash && mkdir -p /app/var/exports && chown -R mash /app/var
USER mash

# collectstatic needs settings but no secrets of value.
RUN SECRET_KEY=build-only DEBUG=0 STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["gunicorn", "mash.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
