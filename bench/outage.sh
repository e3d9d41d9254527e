#!/usr/bin/env bash
# bench/outage.sh — an SMS provider outage under load, as issue 16 met it: Africa's Talking
# (the local sandbox) refuses connections for OUTAGE seconds while citizens book, complain and
# check statuses on Postgres + Redis; then it comes back and the backlog drains. Reported:
#
#   rows lost       outbox rows failed (given up on): must be 0
#   rows expired    rows that outlived their use (a confirmation after its appointment)
#   Postgres CPU    cores used by every Postgres process during the outage, with the load
#                   and in its last IDLE seconds without it (the breaker claims nothing but
#                   one probe at a time, so the backlog must cost nothing)
#   drain           messages/s from the provider's return until the outbox is empty
#   USSD p99        at the same fixed rate of new sessions (open loop) before the outage,
#                   during it, and during the drain: the drain must not starve the hops
#
#   bash bench/outage.sh                   # writes its section in docs/PERFORMANCE.md
#   OUTAGE=60 OUT=- bash bench/outage.sh   # a short rehearsal, printed
#
# Run it on a quiet machine (uptime's load under 0.5): the figures are CPU and latency, and
# another process's work shows in both.
#
# Settings (environment): SESSIONS=240 (new USSD sessions a second, open loop; about 0.75
# outbox rows each, so 12 minutes queue some 130,000) BEFORE=20 (s of load measured before the
# outage, after 5 s of warm-up) OUTAGE=720 (12 minutes, the load throughout) IDLE=60 (s more
# of the outage with no load) DRAIN_LOAD=60 (s of load from the provider's return)
# DRAIN_LIMIT=1800 (s to wait for the outbox to empty) RATE=0 (HUDUMA_SMS_RATE; 0 unthrottled)
# WORKERS=4 LATENCY=0s (the sandbox's answer time; Africa's Talking from Nairobi takes some
# 100-300 ms) PG=postgres://postgres@127.0.0.1:5432 (a fresh database is created there)
# PREFILL=0 (rows copied into the backlog at the end of the outage's load: a short rehearsal
# with a full run's backlog) DB_PARAMS= (appended to the database URL, e.g. &pool_max_conns=8)
# REDIS=redis://127.0.0.1:6379 REDIS_DB=9 GW_PORT=18091 AT_PORT=18092 ADMIN_PORT=19091
# OUT=docs/PERFORMANCE.md (its section between the outage markers is replaced; OUT=- prints
# it) KEEP=DIR keeps the raw reports and logs; with KEEP, PROFILE=1 also keeps a 15 s CPU profile
# of the gateway from the start of the drain (drain.pprof). Needs go, jq, psql, curl, awk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
SESSIONS=${SESSIONS:-240}
BEFORE=${BEFORE:-20}
OUTAGE=${OUTAGE:-720}
IDLE=${IDLE:-60}
DRAIN_LOAD=${DRAIN_LOAD:-60}
DRAIN_LIMIT=${DRAIN_LIMIT:-1800}
RATE=${RATE:-0}
WORKERS=${WORKERS:-4}
LATENCY=${LATENCY:-0s}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${REDIS_DB:-9}
GW_PORT=${GW_PORT:-18091}
AT_PORT=${AT_PORT:-18092}
ADMIN_PORT=${ADMIN_PORT:-19091}
OUT=${OUT:-$repo/docs/PERFORMANCE.md}
KEEP=${KEEP:-}

say() { printf '%s\n' "$*" >&2; }
die() {
	say "outage: $*"
	exit 1
}
for tool in go jq psql curl awk; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool"
done

. "$here/lib.sh"
bench_workspace outage

j() { jq -r "$2" "$out/$1.json"; }
sql() { psql "$PG/$db" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
# pg_cpu: CPU seconds used so far by every Postgres process (utime + stime, all backends).
pg_cpu() {
	local ticks
	ticks=$(getconf CLK_TCK)
	for p in $(pgrep -x postgres || true); do
		awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true
	done | awk -v hz="$ticks" '{ s += $1 } END { printf "%.2f", s / hz }'
}
# proc_cpu PID: CPU seconds used so far by one process (all its threads).
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
say "building the gateway and the sandbox"
(cd "$repo" && go build -o "$tmp/huduma" ./cmd/huduma && go build -o "$tmp/at-sandbox" ./cmd/at-sandbox)

start_sandbox() {
	env HUDUMA_SANDBOX_ADDR=127.0.0.1:$AT_PORT HUDUMA_SANDBOX_LOG_LEVEL=warn HUDUMA_SANDBOX_DELIVERY_DELAY=1s \
		HUDUMA_SANDBOX_LATENCY="$LATENCY" HUDUMA_SANDBOX_DELIVERY_URL="http://127.0.0.1:$GW_PORT/at/sms/delivery" \
		"$tmp/at-sandbox" >>"$out/sandbox.log" 2>&1 &
	sb=$!
	pids+=("$sb")
	for _ in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$AT_PORT/" && return 0
		sleep 0.1
	done
	die "the sandbox did not start (see $out/sandbox.log)"
}
stop_sandbox() {
	kill "$sb" 2>/dev/null || true
	wait "$sb" 2>/dev/null || true
}
waiting() { sql "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"; }

psql "$PG/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
command -v redis-cli >/dev/null 2>&1 && redis-cli -u "$REDIS/$REDIS_DB" FLUSHDB >/dev/null
start_sandbox
env HUDUMA_ADDR=127.0.0.1:$GW_PORT HUDUMA_ADMIN_ADDR=127.0.0.1:$ADMIN_PORT HUDUMA_LOG_LEVEL=info \
	HUDUMA_DATABASE_URL="$PG/$db?sslmode=disable${DB_PARAMS:-}" HUDUMA_REDIS_URL="$REDIS/$REDIS_DB" \
	HUDUMA_AT_USERNAME=sandbox HUDUMA_AT_API_KEY=sandbox HUDUMA_AT_API_URL="http://127.0.0.1:$AT_PORT" \
	HUDUMA_SMS_RATE="$RATE" HUDUMA_SMS_WORKERS="$WORKERS" \
	"$tmp/huduma" serve >"$out/gateway.log" 2>&1 &
gw=$!
pids+=("$gw")
for _ in $(seq 150); do
	curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$GW_PORT/healthz" && break
	sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$GW_PORT/healthz" || die "the gateway did not start (see $out/gateway.log)"
url="http://127.0.0.1:$GW_PORT/at/ussd"
loadtest() { # NAME SECONDS [loadtest flags]
	local name=$1 secs=$2
	shift 2
	"$tmp/huduma" loadtest -target "$url" -quiet -json -rate "$SESSIONS" -duration "${secs}s" "$@" \
		>"$out/$name.json" 2>"$out/$name.err" || true
	[ -s "$out/$name.json" ] || die "loadtest $name gave no report: $(cat "$out/$name.err")"
}
# row NAME: a report's sessions/s, hops/s, p50, p99 and errors, for the table.
row() {
	printf '%s | %s | %s ms | %s ms | %s' "$(calc "$(j "$1" .sessions_per_s)" 0)" "$(calc "$(j "$1" .hops_per_s)" 0)" \
		"$(j "$1" .latency_ms.p50)" "$(j "$1" .latency_ms.p99)" "$(j "$1" '.errors + .total.sessions_failed + .total.sessions_shed')"
}

say "before: ${BEFORE}s of $SESSIONS sessions/s, the provider up"
loadtest before "$BEFORE" -warmup 5s

say "outage: the provider refuses connections for $((OUTAGE + IDLE))s: ${OUTAGE}s of $SESSIONS sessions/s, then ${IDLE}s without load"
stop_sandbox
cpu0=$(pg_cpu)
t0=$(date +%s.%N)
loadtest during "$OUTAGE"
t1=$(date +%s.%N)
cpu1=$(pg_cpu)
if [ "${PREFILL:-0}" -gt 0 ]; then
	# A rehearsal's shortcut to a full run's backlog: copies of the rows waiting.
	sql "INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
		SELECT o.phone, o.lang, o.kind, o.params, o.priority, o.essential, o.subject, o.created_at
		FROM generate_series(0, $PREFILL - 1) g
		JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k FROM outbox WHERE status = 'queued') o
			ON o.k = g % (SELECT count(*) FROM outbox WHERE status = 'queued')" >/dev/null
fi
sleep "$IDLE"
t2=$(date +%s.%N)
cpu2=$(pg_cpu)
pg_load=$(calc "($cpu1 - $cpu0) / ($t1 - $t0)" 3)
pg_idle=$(calc "($cpu2 - $cpu1) / ($t2 - $t1)" 3)
backlog=$(waiting)
failed_during=$(sql "SELECT count(*) FROM outbox WHERE status = 'failed'")
say "outage: $backlog rows waiting, $failed_during failed; Postgres used $pg_load cores with the load, $pg_idle without"

say "recovery: the provider is back; draining, with ${DRAIN_LOAD}s of load"
returned=$(sql "SELECT now()")
start_sandbox
d0=$(date +%s.%N)
dgw0=$(proc_cpu "$gw")
dsb0=$(proc_cpu "$sb")
dpg0=$(pg_cpu)
loadtest after "$DRAIN_LOAD" &
after_load=$!
if [ -n "$KEEP" ] && [ "${PROFILE:-}" = 1 ]; then
	curl -s -o "$out/drain.pprof" "http://127.0.0.1:$ADMIN_PORT/debug/pprof/profile?seconds=15" &
fi
left=$backlog
loaded_left='' # the backlog left when the load ended
for _ in $(seq "$DRAIN_LIMIT"); do
	# The backlog: the rows queued before the provider came back (new ones go out as they
	# come, but while the load runs some are always on their way). Counting them reads the
	# backlog, so once a second: more often, the count itself slows the drain and the hops.
	sleep 1
	left=$(sql "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending') AND created_at <= '$returned'")
	if [ -z "$loaded_left" ] && ! kill -0 "$after_load" 2>/dev/null; then
		loaded_left=$left loaded_at=$(date +%s.%N)
	fi
	[ "$left" -eq 0 ] && break
done
d1=$(date +%s.%N)
dgw=$(calc "($(proc_cpu "$gw") - $dgw0) / ($d1 - $d0)" 2)
dsb=$(calc "($(proc_cpu "$sb") - $dsb0) / ($d1 - $d0)" 2)
dpg=$(calc "($(pg_cpu) - $dpg0) / ($d1 - $d0)" 2)
wait "$after_load" || true
drained=$((backlog - left))
drain_secs=$(calc "$d1 - $d0" 0)
drain_rate=$(calc "$drained / ($d1 - $d0)" 0)
# The drain with the load and after it: the outbox gives way to the citizens' hops.
if [ -n "$loaded_left" ]; then
	with_load="$(calc "($backlog - $loaded_left) / ($loaded_at - $d0)" 0) messages/s ($((backlog - loaded_left)) rows in $(calc "$loaded_at - $d0" 0) s)"
	if [ "$left" -eq 0 ] && [ "$loaded_left" -gt 0 ]; then
		without_load="$(calc "$loaded_left / ($d1 - $loaded_at)" 0) messages/s ($loaded_left rows in $(calc "$d1 - $loaded_at" 0) s)"
	else
		without_load="- (nothing left when the load ended)"
	fi
else
	with_load="$drain_rate messages/s (the load outlasted the drain)"
	without_load="-"
fi
failed=$(sql "SELECT count(*) FROM outbox WHERE status = 'failed'")
expired=$(sql "SELECT count(*) FROM outbox WHERE status = 'expired'")
sent=$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")
twice=$(sql "SELECT count(*) FROM (SELECT at_message_id FROM outbox WHERE at_message_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d")
log_lines=$(grep -c "sms outbox" "$out/gateway.log" || true)
per_write=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '
	/^huduma_sms_sent_recorded_per_write_sum/ { s = $2 }
	/^huduma_sms_sent_recorded_per_write_count/ { c = $2 }
	END { if (c > 0) printf "%.1f", s / c; else print "-" }')

section=$(
	cat <<EOF
<!-- outage:start -->
## An SMS provider outage under load

Measured by \`bench/outage.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC, 2 cores (load average before: $load_before).
Postgres + Redis. Citizens start $SESSIONS USSD sessions a second throughout (open loop: the
same offered load in every phase). Africa's Talking (the local sandbox, answering after
$LATENCY) refused connections for $OUTAGE s with that load and $IDLE s more without it,
then came back. HUDUMA_SMS_RATE=$RATE (0: unthrottled), $WORKERS claiming goroutines.

| | |
|---|---|
| rows waiting when the provider came back | $backlog |
| rows lost (failed) | $failed |
| rows expired (outlived their use) | $expired |
| rows sent, none twice | $sent ($twice sent twice) |
| Postgres CPU during the outage, with the load | $pg_load cores |
| Postgres CPU during the outage, without load (the backlog waiting) | $pg_idle cores |
| drain, from the provider's return to an empty outbox | $drain_rate messages/s ($drained rows in $drain_secs s$([ "$left" -gt 0 ] && echo ", $left still waiting after $DRAIN_LIMIT s")) |
| of which while the load ran (the outbox giving way to the hops) | $with_load |
| of which after the load (the machine to itself) | $without_load |
| CPU during the drain, load included: gateway, Postgres, sandbox | $dgw, $dpg, $dsb cores |
| sends recorded per write (mean, whole run) | $per_write |
| outbox log lines, whole run | $log_lines |

| USSD | sessions/s | hops/s | p50 | p99 | errors |
|---|---|---|---|---|---|
| before the outage | $(row before) |
| during the outage | $(row during) |
| during the drain (its first $DRAIN_LOAD s) | $(row after) |
<!-- outage:end -->
EOF
)
if [ "$OUT" = "-" ]; then
	printf '%s\n' "$section"
	exit 0
fi
if grep -q '<!-- outage:start -->' "$OUT"; then
	awk -v section="$section" '
		/<!-- outage:start -->/ { print section; skip = 1; next }
		/<!-- outage:end -->/ { skip = 0; next }
		!skip { print }' "$OUT" >"$tmp/out.md"
	cp "$tmp/out.md" "$OUT"
else
	printf '\n%s\n' "$section" >>"$OUT"
fi
say "wrote the outage section of $OUT"
