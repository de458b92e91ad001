# Rango container image.
#
#   docker build -t rango:latest .
#   docker run --rm -p 8000:8000 -e RANGO_DSN='user:pass@tcp(host:3306)/rango' rango:latest
#
# The binary embeds its templates and static files (public/vendor/ is
# committed, so no npm step is needed here). docker-compose.yml runs it
# together with MariaDB.

# --- build -------------------------------------------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Dependencies first, so this layer is cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rango . \
	&& CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/clustercheck ./tools/clustercheck

# --- runtime -----------------------------------------------------------------
# debian:bookworm-slim rather than distroless: docker-compose.yml's
# clearsessions service needs /bin/sh for its loop.
FROM debian:bookworm-slim

RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 rango \
	&& useradd --system --uid 10001 --gid rango --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin rango

COPY --from=build /out/rango /rango
# The Galera health check HAProxy asks (docker-compose.yml, profile cluster).
COPY --from=build /out/clustercheck /clustercheck

USER 10001:10001
ENV RANGO_ADDR=0.0.0.0:8000
EXPOSE 8000
ENTRYPOINT ["/rango"]
