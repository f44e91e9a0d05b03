#!/usr/bin/env bash
# Local standalone Netflix Eureka server (Spring Cloud) for development and the discovery tests:
# a one-class Spring Boot app (scripts/eureka/) whose jars come from Maven Central. No Docker.
#
#   scripts/eureka.sh fetch    download the jars and compile the app into the cache (skipped when complete)
#   scripts/eureka.sh start    fetch if needed, start a fresh server, wait until it answers;
#                              prints EUREKA_URL=http://127.0.0.1:<port>/eureka as its last stdout line
#   scripts/eureka.sh stop     stop the server started by `start` on that port (idempotent)
#   scripts/eureka.sh status   print whether it runs (exit 0 running, 1 not running)
#
# Environment:
#   EUREKA_PORT            HTTP port                                       default 8761
#   EUREKA_CACHE_DIR       jar cache      default ~/.cache/saga-control-plane/eureka-<spring cloud version>
#   EUREKA_STATE_DIR       log and pid of one server           default $EUREKA_CACHE_DIR/run-<port>
#   EUREKA_HEAP            JVM heap flags                        default "-Xmx256m -Xms64m"
#   EUREKA_START_TIMEOUT   seconds to wait for readiness                   default 90
#   JAVA_HOME              java to use (else `java`/`javac` on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
APP_DIR="$SCRIPT_DIR/eureka"
POM="$APP_DIR/pom.xml"
CLOUD_VERSION="$(sed -n 's:.*<spring-cloud.version>\(.*\)</spring-cloud.version>.*:\1:p' "$POM")"

CACHE="${EUREKA_CACHE_DIR:-$HOME/.cache/saga-control-plane/eureka-$CLOUD_VERSION}"
PORT="${EUREKA_PORT:-8761}"
STATE="${EUREKA_STATE_DIR:-$CACHE/run-$PORT}"
HEAP="${EUREKA_HEAP:--Xmx256m -Xms64m}"
START_TIMEOUT="${EUREKA_START_TIMEOUT:-90}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVAC="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
MAIN_CLASS=local.saga.eureka.EurekaServer

LIBS="$CACHE/libs"
CLASSES="$CACHE/classes"
MARKER="$CACHE/build.complete" # holds the sha256 of the sources the cache was built from
PID_FILE="$STATE/eureka.pid"
# The process is ours only if its command line holds this (a PID may be recycled).
PROCESS_MARK="-Deureka.sh.state=$STATE "
# shellcheck source=lib/pid-service.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pid-service.sh"
SERVER_LOG="$STATE/server.log"

log() { echo "eureka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

sources_sum() {
  (cd "$APP_DIR" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1
}

fetched() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(sources_sum)" ]]; }

cmd_fetch() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.fetch.lock" # serialise concurrent fetches
  flock 9
  if fetched; then
    exec 9>&- # never leak the lock fd into the server
    log "eureka server (spring cloud $CLOUD_VERSION) already built in $CACHE"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed to fetch the Eureka server jars"
  log "fetching the eureka server jars (spring cloud $CLOUD_VERSION) into $LIBS"
  rm -rf "$LIBS.tmp" "$CLASSES.tmp"
  # Output goes to a file (Maven 3.8 -q still prints stray colour codes); shown on failure.
  mvn -q -B -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >"$CACHE/fetch.log" 2>&1 ||
    { cat "$CACHE/fetch.log" >&2; die "mvn dependency:copy-dependencies failed"; }
  # One class and one properties file: javac is enough, no build plugins to download.
  mkdir -p "$CLASSES.tmp"
  "$JAVAC" -nowarn -d "$CLASSES.tmp" -cp "$LIBS.tmp/*" $(find "$APP_DIR/src/main/java" -name '*.java') >"$CACHE/javac.log" 2>&1 ||
    { cat "$CACHE/javac.log" >&2; die "javac failed"; }
  cp -r "$APP_DIR/src/main/resources/." "$CLASSES.tmp/"
  rm -rf "$LIBS" "$CLASSES"
  mv "$LIBS.tmp" "$LIBS"
  mv "$CLASSES.tmp" "$CLASSES"
  sources_sum >"$MARKER"
  exec 9>&-
}

# PID from the pid file if that process is alive and is our server, else nothing.


# The registry answers GET /eureka/apps once the server is up.
registry_answers() {
  curl -fsS -o /dev/null -H 'Accept: application/json' "http://127.0.0.1:$PORT/eureka/apps" 2>/dev/null
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    echo "EUREKA_URL=http://127.0.0.1:$PORT/eureka"
    return 0
  fi
  ! port_open "$PORT" || die "127.0.0.1:$PORT is already in use by another process"
  command -v curl >/dev/null || die "curl not found: needed to check the server's readiness"
  if ! fetched; then cmd_fetch; fi

  mkdir -p "$STATE"
  rm -f "$PID_FILE" "$SERVER_LOG"
  local started=$SECONDS
  # shellcheck disable=SC2086 # EUREKA_HEAP is a list of JVM flags
  # C1 only and the serial collector: a test server starts in about half the time on a small machine.
  EUREKA_PORT="$PORT" nohup "$JAVA" $HEAP -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true -Deureka.sh.state="$STATE" \
    -cp "$CLASSES:$LIBS/*" "$MAIN_CLASS" </dev/null >"$SERVER_LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started pid $pid, waiting up to ${START_TIMEOUT}s for 127.0.0.1:$PORT"

  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT" && registry_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      start_failed "$pid" "the server exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      start_failed "$pid" "the server was not ready within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  log "ready in $((SECONDS - started))s (log: $SERVER_LOG)"
  echo "EUREKA_URL=http://127.0.0.1:$PORT/eureka"
}

start_failed() {
  local pid=$1 reason=$2
  log "error: $reason"
  log "last 40 lines of $SERVER_LOG:"
  tail -n 40 "$SERVER_LOG" >&2 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true # our child: reap it so its port is free on return
  rm -f "$PID_FILE"
  exit 1
}


cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running: pid $pid, EUREKA_URL=http://127.0.0.1:$PORT/eureka, state $STATE"
  else
    echo "not running (port $PORT)"
    return 1
  fi
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
