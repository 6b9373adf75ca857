# syntax=docker/dockerfile:1
# cartgraph gateway image: wheels built in one stage, installed offline for a non-root user.

# One pinned base for both stages: a full version tag and its digest (a tag can be re-pushed,
# a digest cannot). To move it: `docker buildx imagetools inspect python:3.11.X-slim-bookworm`.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm@sha256:081075da77b2b55c23c088251026fb69a7b2bf92471e491ff5fd75c192fd38e5

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when they change,
# not on every source edit.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
 && pip wheel --wheel-dir /wheels -r requirements.txt
COPY . .
# Then cartgraph itself; its dependencies are already wheels.
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
# `cartgraph serve --port` defaults to this, and the HEALTHCHECK asks the same port:
# `docker run -e CARTGRAPH_PORT=9000 -p 9000:9000 …` moves both.
ENV CARTGRAPH_PORT=8000 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN groupadd --system --gid 10001 cartgraph \
 && useradd --system --uid 10001 --gid cartgraph --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin cartgraph \
 && mkdir -p /etc/cartgraph /var/lib/cartgraph \
 && chown cartgraph:cartgraph /var/lib/cartgraph
# Bind-mount the wheels rather than COPY them, so they never land in an image layer.
# The last line fails the build if the vendored GraphiQL files did not ship intact.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels cartgraph \
 && python -c "from gateway.graphiql import verify_assets; verify_assets()"
# the event log (gateway.data_dir, relative by default) must live somewhere writable.
WORKDIR /var/lib/cartgraph
VOLUME /var/lib/cartgraph
USER 10001:10001
EXPOSE ${CARTGRAPH_PORT}
# urlopen raises on a refused connection or a non-2xx answer, which exits non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ['CARTGRAPH_PORT'], timeout=4)"]
ENTRYPOINT ["cartgraph"]
CMD ["serve", "--config", "/etc/cartgraph/cartgraph.toml", "--host", "0.0.0.0"]
