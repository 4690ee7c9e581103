# syntax=docker/dockerfile:1
# Multi-stage build of Delivery Ledger (see docs/deployment.md, "Deploy with Docker"):
#   build      Maven + JDK 17 build of the whole reactor (tests run in CI, not here)
#   service    the service on a JRE 17 (default target)
#   simulator  the Twilio simulator, for docker-compose's demo profile

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps downloaded dependencies between builds.
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre AS simulator
WORKDIR /opt/twilio-simulator
COPY --from=build /src/simulator/target/twilio-simulator.jar twilio-simulator.jar
ENTRYPOINT ["java", "-Duser.timezone=UTC", "-jar", "/opt/twilio-simulator/twilio-simulator.jar"]

FROM eclipse-temurin:17-jre AS service
# curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home-dir /opt/delivery-ledger --shell /usr/sbin/nologin ledger \
    && mkdir -p /var/lib/delivery-ledger/journal \
    && chown ledger /var/lib/delivery-ledger/journal
WORKDIR /opt/delivery-ledger
COPY --from=build /src/service/target/delivery-ledger.jar delivery-ledger.jar
COPY config.yml config.yml
USER ledger
# LOG_FORMAT=json: one JSON object a line (config.yml's console layout). 256 MiB of heap keeps the
# service's full rate (bench/run --heap 256m, docs/performance.md); the JVM's default would take a
# quarter of the host's memory.
ENV JOURNAL_DIR=/var/lib/delivery-ledger/journal \
    JAVA_OPTS="-Xmx256m" \
    LOG_FORMAT=text
VOLUME /var/lib/delivery-ledger/journal
EXPOSE 8080 8081
# Liveness, not readiness: healthy while callbacks can be journaled, ClickHouse up or not (while it is
# down the journal absorbs them, and a restart would only interrupt that). /healthcheck is readiness.
# The admin port stays on loopback unless ADMIN_BIND_HOST says otherwise: the check runs inside the container.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent --show-error http://127.0.0.1:${ADMIN_PORT:-8081}/healthcheck/live >/dev/null || exit 1
ENTRYPOINT ["sh", "-c", "exec java -Duser.timezone=UTC -XX:+UseParallelGC $JAVA_OPTS -jar /opt/delivery-ledger/delivery-ledger.jar \"$@\"", "delivery-ledger"]
CMD ["server", "config.yml"]
