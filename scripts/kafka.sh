#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft broker+controller) for development and tests, run
# straight from the jars on Maven Central: no Docker, no Kafka tarball.
#
#   scripts/kafka.sh fetch    download the broker jars into the cache (skipped when complete)
#   scripts/kafka.sh start    fetch if needed, start a fresh broker, wait until it is ready;
#                             prints KAFKA_BROKERS=127.0.0.1:<port> as its last stdout line
#   scripts/kafka.sh stop     stop the broker started by `start` on that port (idempotent)
#   scripts/kafka.sh status   print whether it runs (exit 0 running, 1 not running)
#
# Environment:
#   KAFKA_PORT             client (PLAINTEXT) port                         default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller port                           default 9093
#   KAFKA_PARTITIONS       num.partitions for auto-created topics          default 4
#   KAFKA_CACHE_DIR        jar cache      default ~/.cache/saga-control-plane/kafka-<version>
#   KAFKA_STATE_DIR        config, data, logs, pid of one broker  default $KAFKA_CACHE_DIR/run-<port>
#                          (its data/ is wiped at every start)
#   KAFKA_HEAP             JVM heap flags                        default "-Xmx512m -Xms256m"
#   KAFKA_START_TIMEOUT    seconds to wait for readiness                   default 90
#   JAVA_HOME              java to use (else `java` on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"

CACHE="${KAFKA_CACHE_DIR:-$HOME/.cache/saga-control-plane/kafka-$KAFKA_VERSION}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
PARTITIONS="${KAFKA_PARTITIONS:-4}"
STATE="${KAFKA_STATE_DIR:-$CACHE/run-$PORT}"
HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

LIBS="$CACHE/libs"
MARKER="$CACHE/libs.complete" # holds the sha256 of the pom the jars were copied for
PID_FILE="$STATE/kafka.pid"
# The process is ours only if its command line holds this (a PID may be recycled).
PROCESS_MARK="kafka.Kafka $STATE/server.properties"
# shellcheck source=lib/pid-service.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pid-service.sh"
BROKER_LOG="$STATE/broker.log"

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

fetched() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(pom_sum)" ]]; }

cmd_fetch() {
  mkdir -p "$CACHE"
  # Serialise concurrent fetches (e.g. two brokers started at once).
  exec 9>"$CACHE/.fetch.lock"
  flock 9
  if fetched; then
    exec 9>&- # never leak the lock fd into the broker
    log "kafka $KAFKA_VERSION jars already in $LIBS"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed to fetch the Kafka jars"
  log "fetching kafka $KAFKA_VERSION jars into $LIBS"
  rm -rf "$LIBS.tmp"
  # Output goes to a file (Maven 3.8 -q still prints stray colour codes); shown on failure.
  mvn -q -B -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >"$CACHE/fetch.log" 2>&1 ||
    { cat "$CACHE/fetch.log" >&2; die "mvn dependency:copy-dependencies failed"; }
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  pom_sum >"$MARKER"
  exec 9>&-
}

# PID from the pid file if that process is alive and is our broker, else nothing.


write_config() {
  cat >"$STATE/server.properties" <<EOF
# Written by scripts/kafka.sh: single-node KRaft broker+controller on 127.0.0.1.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$STATE/data
num.partitions=$PARTITIONS
auto.create.topics.enable=true
offsets.topic.replication.factor=1
# One partition (not 50) for the internal topics: the first consumer group and the first
# transaction then wait for one partition to load instead of fifty.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  # log4j2: everything to $STATE/broker.log, nothing to the console.
  cat >"$STATE/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $BROKER_LOG
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
EOF
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    echo "KAFKA_BROKERS=127.0.0.1:$PORT"
    return 0
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    ! port_open "$p" || die "127.0.0.1:$p is already in use by another process"
  done
  if ! fetched; then cmd_fetch; fi

  # Fresh broker every start: wipe what an earlier run left (only our own files).
  mkdir -p "$STATE"
  rm -rf "$STATE/data" "$PID_FILE" "$BROKER_LOG" "$STATE/format.log" "$STATE/stdout.log"
  write_config

  local started=$SECONDS
  local java_opts=(-Dlog4j2.configurationFile="$STATE/log4j2.properties" -Djava.awt.headless=true)
  # Random cluster id: 16 random bytes, base64url without padding (Kafka's Uuid format), never
  # starting with "-" (nor does Kafka's own Uuid.randomUuid): the CLI would take it for an option.
  # 1 start in 64 failed with "argument --cluster-id/-t: expected one argument" before this.
  local cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  "$JAVA" "${java_opts[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$STATE/server.properties" >"$STATE/format.log" 2>&1 ||
    { cat "$STATE/format.log" >&2; die "formatting $STATE/data failed"; }

  # shellcheck disable=SC2086 # KAFKA_HEAP is a list of JVM flags
  nohup "$JAVA" $HEAP "${java_opts[@]}" -cp "$LIBS/*" kafka.Kafka "$STATE/server.properties" \
    </dev/null >"$STATE/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started pid $pid, waiting up to ${START_TIMEOUT}s for 127.0.0.1:$PORT"

  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT" && grep -q "Kafka Server started" "$BROKER_LOG" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      start_failed "$pid" "the broker exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      start_failed "$pid" "the broker was not ready within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  log "ready in $((SECONDS - started))s (log: $BROKER_LOG)"
  echo "KAFKA_BROKERS=127.0.0.1:$PORT"
}

start_failed() {
  local pid=$1 reason=$2
  log "error: $reason"
  log "last 40 lines of $BROKER_LOG:"
  tail -n 40 "$BROKER_LOG" >&2 2>/dev/null || true
  if [[ -s "$STATE/stdout.log" ]]; then
    log "stdout/stderr of the JVM:"
    tail -n 20 "$STATE/stdout.log" >&2
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true # our child: reap it so its ports are free on return
  rm -f "$PID_FILE"
  exit 1
}


cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running: pid $pid, KAFKA_BROKERS=127.0.0.1:$PORT, state $STATE"
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
