# collab: build the shaded jar with Maven, run it on a JRE as a non-root user.
#   docker build -t collab .
#   docker run --rm -e COLLAB_JWT_SECRET=... -e COLLAB_PG_URL=... -e COLLAB_REDIS_URL=... -p 8000:8000 collab
# docker-compose.yml runs the whole topology (PostgreSQL, Redis, two API nodes, a worker, nginx).

# ---- build ------------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when pom.xml changes.
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline

# conf/ is a resource of the jar (the built-in defaults), so it is part of the build input.
COPY conf/ conf/
COPY src/ src/
RUN mvn -q -B -DskipTests package

# ---- runtime ----------------------------------------------------------------------------------------------------
# Ubuntu 24.04 base: its bubblewrap (0.9) has --disable-userns, which the job sandbox uses.
FROM eclipse-temurin:17-jre-noble

# bubblewrap, python3 and nodejs: the job sandbox runs user code with them. curl: the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap python3 nodejs curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system collab \
 && useradd --system --gid collab --home-dir /app --no-create-home --shell /usr/sbin/nologin collab \
 && mkdir -p /app/data \
 && chown collab:collab /app/data

WORKDIR /app
COPY --from=build /build/target/collab.jar /app/collab.jar
COPY conf/ /app/conf/

# Settings come from /app/conf/config.json overridden by COLLAB_* variables (java -jar /app/collab.jar --help).
ENV COLLAB_DATA_DIR=/app/data

# 8000: HTTP (API, sockets, /health/*, /metrics). 5701: Hazelcast (the event bus port is chosen at random).
EXPOSE 8000 5701

HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${COLLAB_HTTP_PORT:-8000}/health/ready" || exit 1

USER collab
ENTRYPOINT ["java","-XX:+ExitOnOutOfMemoryError","-XX:MaxRAMPercentage=75","-jar","/app/collab.jar"]
CMD ["start"]
