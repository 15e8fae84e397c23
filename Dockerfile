# kehoach in a container: the embedded runner (`kehoach run`) with the portal on port 8000.
#
#   docker build -t kehoach .
#   docker run -d --name kehoach -p 8000:8000 -v kehoach-data:/var/lib/kehoach \
#       --env-file /etc/kehoach/kehoach.env kehoach
#   docker stop kehoach          # SIGTERM: stops as cleanly as Ctrl-C
#
# BASE is any Debian 12 image; where no registry is reachable, build one with debootstrap
# (.ci/container.sh does) and pass --build-arg BASE=<its tag>.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

COPY deploy/certs/ /usr/local/share/ca-certificates/office/
RUN update-ca-certificates >/dev/null
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt

WORKDIR /opt/kehoach
COPY pyproject.toml README.md prefect.yaml ./
COPY kehoach kehoach
COPY notifications notifications
COPY flows flows
COPY config config
# Editable, so config/ and prefect.yaml are found next to the code as in a checkout.
RUN python3 -m venv .venv && .venv/bin/pip install -q --no-cache-dir -e . \
    && useradd --system --home-dir /var/lib/kehoach --shell /usr/sbin/nologin kehoach \
    && install -d -o kehoach -g kehoach -m 0700 /var/lib/kehoach

ENV KEHOACH_DATA_DIR=/var/lib/kehoach \
    KEHOACH_PORTAL_HOST=0.0.0.0 \
    PREFECT_HOME=/var/lib/kehoach/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120 \
    PYTHONUNBUFFERED=1
USER kehoach
VOLUME /var/lib/kehoach
EXPOSE 8000
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/kehoach/.venv/bin/kehoach"]
CMD ["run"]
