# syntax=docker/dockerfile:1
# cartgraph gateway image: wheels built in one stage, installed offline for a non-root user.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY . .
# Wheels for cartgraph and every dependency, so the runtime stage needs no compiler or network.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
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
EXPOSE 8000
# urlopen raises on a refused connection or a non-2xx answer, which exits non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["cartgraph"]
CMD ["serve", "--config", "/etc/cartgraph/cartgraph.toml", "--host", "0.0.0.0"]
