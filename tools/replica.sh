#!/usr/bin/env bash
# A real streaming replica of the local PostgreSQL, to run the site against (docs/deploy.md,
# "Read replicas"): a second cluster on another port, made by pg_basebackup -R from the primary.
#
#   tools/replica.sh start    base-backup the primary into var/replica-5433 (the first time) and
#                             start the standby there on 127.0.0.1:5433; waits until it takes
#                             read-only connections
#   tools/replica.sh stop     stop it (its data stays: `start` again catches up through its slot)
#   tools/replica.sh remove   stop it, delete its data, drop its replication slot on the primary
#   tools/replica.sh status   the standby's state and its lag as the primary sees it
#
# Then: DATABASE_URL=postgres://postgres@127.0.0.1:5432/grassroots \
#       DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/grassroots make run
#
# Environment (defaults in brackets): PRIMARY_HOST [127.0.0.1], PRIMARY_PORT [5432],
# REPLICATION_USER [postgres], REPLICA_PORT [5433], REPLICA_DIR [var/replica-$REPLICA_PORT],
# REPLICA_SLOT [grassroots_replica_$REPLICA_PORT], REPLICA_WAIT_SECONDS [120] (for `start`).
#
# The primary must allow replication connections from this machine. If it doesn't, and it is on
# this machine with its pg_hba.conf writable, one line is appended there (once; the same
# authentication method its existing loopback line uses) and its configuration reloaded: no
# restart. Nothing else about the primary is changed. Run as root, the PostgreSQL commands run as
# the postgres user (runuser); run as another user, as that user.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICATION_USER=${REPLICATION_USER:-postgres}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-$ROOT/var/replica-$REPLICA_PORT}
REPLICA_SLOT=${REPLICA_SLOT:-grassroots_replica_$REPLICA_PORT}
HBA_MARKER="# Added by Grassroots' tools/replica.sh"
WAIT_SECONDS=${REPLICA_WAIT_SECONDS:-120}

say() { echo "replica: $*"; }
die() {
    echo "replica: $*" >&2
    exit 1
}

if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    as_owner() { runuser -u postgres -- "$@"; }
else
    OWNER=$(id -un)
    as_owner() { "$@"; }
fi

primary_sql() {
    psql -X -q -A -t -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -d postgres \
        -v ON_ERROR_STOP=1 -c "$1"
}

replica_sql() {
    psql -X -q -A -t -h 127.0.0.1 -p "$REPLICA_PORT" -U "$REPLICATION_USER" -d postgres \
        -v ON_ERROR_STOP=1 -c "$1"
}

# The server binaries of the primary's major version (the standby must run the same).
bindir() {
    local major
    major=$(($(primary_sql "SHOW server_version_num") / 10000))
    if [ -x "/usr/lib/postgresql/$major/bin/pg_ctl" ]; then
        echo "/usr/lib/postgresql/$major/bin"
    elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
        pg_config --bindir
    else
        die "no PostgreSQL $major server binaries (pg_ctl, pg_basebackup) found"
    fi
}

can_replicate() {
    psql -X -q -A -t "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER replication=true" \
        -c "IDENTIFY_SYSTEM" >/dev/null 2>&1
}

# pg_hba.conf's "all" doesn't cover replication connections: they need a line of their own.
allow_replication() {
    can_replicate && return 0
    local hba method
    hba=$(primary_sql "SHOW hba_file")
    case "$PRIMARY_HOST" in
        127.0.0.1 | localhost) ;;
        *) die "the primary refuses replication connections; add to its pg_hba.conf: host replication $REPLICATION_USER <this machine> scram-sha-256" ;;
    esac
    [ -w "$hba" ] || die "the primary refuses replication connections and $hba is not writable here"
    if ! grep -qF "$HBA_MARKER" "$hba"; then
        # The method the primary already asks of loopback connections to every database.
        method=$(primary_sql "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND
            'all' = ANY(database) AND address = '127.0.0.1' ORDER BY line_number LIMIT 1")
        method=${method:-scram-sha-256}
        say "allowing replication connections from 127.0.0.1 in $hba ($method)"
        {
            echo ""
            echo "$HBA_MARKER: streaming replicas on this machine (pg_basebackup -R)."
            echo "host replication $REPLICATION_USER 127.0.0.1/32 $method"
        } >>"$hba"
    fi
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        can_replicate && return 0
        sleep 0.2
    done
    die "the primary still refuses replication connections (see $hba)"
}

check_primary() {
    local level senders
    level=$(primary_sql "SHOW wal_level")
    [ "$level" = replica ] || [ "$level" = logical ] ||
        die "the primary has wal_level=$level: streaming needs replica (a restart of the primary)"
    senders=$(primary_sql "SHOW max_wal_senders")
    [ "$senders" -ge 3 ] || die "the primary has max_wal_senders=$senders: pg_basebackup and the standby need 3"
}

running() { [ -f "$REPLICA_DIR/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }

slot_active() { primary_sql "SELECT active FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT'"; }

drop_slot() {
    primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
        WHERE slot_name = '$REPLICA_SLOT' AND NOT active" >/dev/null
}

base_backup() {
    if [ "$(slot_active)" = t ]; then die "slot $REPLICA_SLOT is in use by another standby"; fi
    drop_slot # left by a replica whose data was deleted by hand
    rm -rf "$REPLICA_DIR"
    mkdir -p "$REPLICA_DIR"
    chown "$OWNER" "$REPLICA_DIR"
    chmod 700 "$REPLICA_DIR"
    as_owner test -w "$REPLICA_DIR" ||
        die "$OWNER cannot write $REPLICA_DIR (a parent directory closed to it?): set REPLICA_DIR"
    say "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $REPLICA_DIR (slot $REPLICA_SLOT)"
    # -R: standby.signal and primary_conninfo (with the slot) in postgresql.auto.conf; -C -S: a
    # slot on the primary keeps the WAL this standby hasn't received, even while it is stopped.
    # --no-sync: the standby's first start syncs its data directory anyway (with one syncfs(),
    # below), which is much quicker than pg_basebackup's fsync of every file.
    as_owner "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" \
        -D "$REPLICA_DIR" -R -X stream -C -S "$REPLICA_SLOT" --checkpoint=fast --no-password --no-sync
    # Debian keeps postgresql.conf and pg_hba.conf in /etc, outside the data directory that was
    # copied: the standby gets its own. A hot standby must allow at least the primary's numbers.
    local name settings=""
    for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
        max_locks_per_transaction; do
        settings+="$name = $(primary_sql "SHOW $name")"$'\n'
    done
    cat >"$REPLICA_DIR/postgresql.conf" <<EOF
# The streaming replica made by tools/replica.sh (primary $PRIMARY_HOST:$PRIMARY_PORT).
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
cluster_name = '$REPLICA_SLOT'
hot_standby = on
recovery_init_sync_method = syncfs
shared_buffers = 32MB
$settings
EOF
    cat >"$REPLICA_DIR/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    : >"$REPLICA_DIR/pg_ident.conf"
    chown "$OWNER" "$REPLICA_DIR"/postgresql.conf "$REPLICA_DIR"/pg_hba.conf "$REPLICA_DIR"/pg_ident.conf
}

start() {
    check_primary
    allow_replication
    [ -f "$REPLICA_DIR/standby.signal" ] || base_backup
    if running; then
        say "already running on port $REPLICA_PORT"
    else
        as_owner "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/server.log" -W -s start
    fi
    local begun=$SECONDS deadline=$((SECONDS + WAIT_SECONDS))
    until [ "$(replica_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]; do
        if [ $SECONDS -gt $((begun + 5)) ] && ! running; then
            die "the standby stopped: $(tail -n 20 "$REPLICA_DIR/server.log")"
        fi
        # A hot standby opens for reads once it knows which transactions were running on the
        # primary; a primary transaction with more than 64 subtransactions (savepoints) hides
        # that until it ends.
        [ $SECONDS -lt $deadline ] || die "the standby, still starting, takes no read-only \
connections after ${WAIT_SECONDS}s: is a long transaction with many savepoints open on the primary \
(pg_stat_activity)? See $REPLICA_DIR/server.log; \`tools/replica.sh remove\` to give up"
        sleep 0.2
    done
    until [ "$(primary_sql "SELECT state FROM pg_stat_replication WHERE application_name = '$REPLICA_SLOT'")" = streaming ]; do
        [ $SECONDS -lt $deadline ] || die "the standby is not streaming from the primary: see $REPLICA_DIR/server.log"
        sleep 0.2
    done
    say "streaming: read-only on 127.0.0.1:$REPLICA_PORT"
}

stop() {
    if running; then
        as_owner "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w -t "$WAIT_SECONDS" -s stop
        say "stopped"
    fi
}

remove() {
    # Its data is about to go: no need for the shutdown restartpoint a fast stop waits for.
    if running; then
        as_owner "$BIN/pg_ctl" -D "$REPLICA_DIR" -m immediate -w -t "$WAIT_SECONDS" -s stop
        say "stopped"
    fi
    drop_slot
    rm -rf "$REPLICA_DIR"
    say "removed $REPLICA_DIR and slot $REPLICA_SLOT"
}

status() {
    if running; then
        say "running on 127.0.0.1:$REPLICA_PORT, in recovery: $(replica_sql "SELECT pg_is_in_recovery()")"
    else
        say "not running"
    fi
    primary_sql "SELECT 'replica: ' || application_name || ' ' || state || ', replay lag ' ||
        coalesce(replay_lag::text, '0') || ', ' ||
        pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) || ' behind'
        FROM pg_stat_replication WHERE application_name = '$REPLICA_SLOT'"
    primary_sql "SELECT 'replica: slot ' || slot_name || ' active ' || active || ', holds ' ||
        pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) || ' of WAL'
        FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT'"
}

command=${1:-}
case "$command" in
    start | stop | remove | status) ;;
    *) die "usage: tools/replica.sh start|stop|remove|status" ;;
esac
BIN=$(bindir)
"$command"
