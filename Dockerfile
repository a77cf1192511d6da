FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# html5-parser and lxml must link the same libxml2, so lxml is built against Debian's;
# Pango, HarfBuzz and a font are for the PDF export (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libxml2-dev \
      libxslt1-dev zlib1g-dev libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY . .
ARG GIT_COMMIT=""
ENV SITELENS_GIT_COMMIT=${GIT_COMMIT}
RUN PIP_NO_BINARY=lxml pip install --no-cache-dir -e . && python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
