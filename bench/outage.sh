#!/usr/bin/env bash
# bench/outage.sh — an SMS provider outage under load, as issue 16 met it: Africa's Talking
# (the local sandbox) refuses connections for OUTAGE seconds while PHONES phones book, complain
# and check statuses on Postgres + Redis; then it comes back. Reported:
#
#   rows lost       outbox rows failed (given up on): must be 0
#   rows expired    rows that outlived their use (a confirmation after its appointment)
#   Postgres CPU    cores used by every Postgres process during the outage (the claim must
#                   leave it idle: the breaker claims nothing but one probe at a time)
#   drain           messages/s from the provider's return until the outbox is empty
#   USSD p99        before the outage, during it, and during the drain
#
#   bash bench/outage.sh                   # writes its section in docs/PERFORMANCE.md
#   OUTAGE=60 OUT=- bash bench/outage.sh   # a short rehearsal, printed
#
# Run it on a quiet machine (uptime's load under 0.5): the figures are CPU and latency, and
# another process's work shows in both.
#
# Settings (environment): PHONES=16 BEFORE=10 OUTAGE=720 (12 minutes) DRAIN_LIMIT=1800 (s to
# wait for the outbox to empty) RATE=0 (HUDUMA_SMS_RATE; 0 unthrottled) WORKERS=4
# PG=postgres://postgres@127.0.0.1:5432 (a fresh database is created there)
# REDIS=redis://127.0.0.1:6379 REDIS_DB=9 GW_PORT=18091 AT_PORT=18092 OUT=docs/PERFORMANCE.md
# (its section between the outage markers is replaced; OUT=- prints it) KEEP=DIR keeps the
# raw reports and logs. Needs go, jq, psql, curl, awk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
PHONES=${PHONES:-16}
BEFORE=${BEFORE:-10}
OUTAGE=${OUTAGE:-720}
DRAIN_LIMIT=${DRAIN_LIMIT:-1800}
RATE=${RATE:-0}
WORKERS=${WORKERS:-4}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${REDIS_DB:-9}
GW_PORT=${GW_PORT:-18091}
AT_PORT=${AT_PORT:-18092}
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

say "building the gateway and the sandbox"
(cd "$repo" && go build -o "$tmp/huduma" ./cmd/huduma && go build -o "$tmp/at-sandbox" ./cmd/at-sandbox)

start_sandbox() {
	env HUDUMA_SANDBOX_ADDR=127.0.0.1:$AT_PORT HUDUMA_SANDBOX_LOG_LEVEL=warn HUDUMA_SANDBOX_DELIVERY_DELAY=1s \
		HUDUMA_SANDBOX_DELIVERY_URL="http://127.0.0.1:$GW_PORT/at/sms/delivery" \
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

psql "$PG/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
command -v redis-cli >/dev/null 2>&1 && redis-cli -u "$REDIS/$REDIS_DB" FLUSHDB >/dev/null
start_sandbox
env HUDUMA_ADDR=127.0.0.1:$GW_PORT HUDUMA_LOG_LEVEL=info HUDUMA_DATABASE_URL="$PG/$db?sslmode=disable" \
	HUDUMA_REDIS_URL="$REDIS/$REDIS_DB" HUDUMA_AT_USERNAME=sandbox HUDUMA_AT_API_KEY=sandbox \
	HUDUMA_AT_API_URL="http://127.0.0.1:$AT_PORT" HUDUMA_SMS_RATE="$RATE" HUDUMA_SMS_WORKERS="$WORKERS" \
	"$tmp/huduma" serve >"$out/gateway.log" 2>&1 &
gw=$!
pids+=("$gw")
for _ in $(seq 150); do
	curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$GW_PORT/healthz" && break
	sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$GW_PORT/healthz" || die "the gateway did not start (see $out/gateway.log)"
url="http://127.0.0.1:$GW_PORT/at/ussd"
loadtest() { # NAME SECONDS
	"$tmp/huduma" loadtest -target "$url" -quiet -json -phones "$PHONES" -duration "$2s" >"$out/$1.json" 2>"$out/$1.err" || true
	[ -s "$out/$1.json" ] || die "loadtest $1 gave no report: $(cat "$out/$1.err")"
}

say "before: ${BEFORE}s of $PHONES phones, the provider up"
loadtest before "$BEFORE"

say "outage: the provider refuses connections for ${OUTAGE}s, $PHONES phones throughout"
stop_sandbox
cpu0=$(pg_cpu)
t0=$(date +%s.%N)
loadtest during "$OUTAGE"
t1=$(date +%s.%N)
cpu1=$(pg_cpu)
pg_cores=$(calc "($cpu1 - $cpu0) / ($t1 - $t0)" 3)
backlog=$(sql "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')")
failed_during=$(sql "SELECT count(*) FROM outbox WHERE status = 'failed'")
say "outage: $backlog rows waiting, $failed_during failed, Postgres used $pg_cores cores"

say "recovery: the provider is back; draining (and ${BEFORE}s of load during the drain)"
start_sandbox
d0=$(date +%s.%N)
loadtest after "$BEFORE" &
after_load=$!
left=$backlog
for _ in $(seq "$DRAIN_LIMIT"); do
	left=$(sql "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')")
	[ "$left" -eq 0 ] && break
	sleep 1
done
d1=$(date +%s.%N)
wait "$after_load" || true
drained=$((backlog - left))
drain_rate=$(calc "$drained / ($d1 - $d0)" 0)
failed=$(sql "SELECT count(*) FROM outbox WHERE status = 'failed'")
expired=$(sql "SELECT count(*) FROM outbox WHERE status = 'expired'")
sent=$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")
twice=$(sql "SELECT count(*) FROM (SELECT at_message_id FROM outbox WHERE at_message_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d")
log_lines=$(grep -c "sms outbox" "$out/gateway.log" || true)

section=$(
	cat <<EOF
<!-- outage:start -->
## An SMS provider outage under load

Measured by \`bench/outage.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC (load average before: $(cut -d' ' -f1 /proc/loadavg)).
Postgres + Redis, $PHONES phones throughout; Africa's Talking (the local sandbox) refused
connections for $OUTAGE s, then came back. HUDUMA_SMS_RATE=$RATE, $WORKERS sending goroutines.

| | |
|---|---|
| rows waiting when the provider came back | $backlog |
| rows lost (failed) | $failed |
| rows expired (outlived their use) | $expired |
| rows sent, none twice | $sent ($twice sent twice) |
| Postgres CPU during the outage | $pg_cores cores |
| drain after it | $drain_rate messages/s ($drained rows in $(calc "$d1 - $d0" 0) s$([ "$left" -gt 0 ] && echo ", $left still waiting after $DRAIN_LIMIT s")) |
| USSD hops/s, p99 before | $(calc "$(j before .hops_per_s)" 0), $(j before .latency_ms.p99) ms |
| USSD hops/s, p99 during the outage | $(calc "$(j during .hops_per_s)" 0), $(j during .latency_ms.p99) ms |
| USSD hops/s, p99 during the drain | $(calc "$(j after .hops_per_s)" 0), $(j after .latency_ms.p99) ms |
| outbox log lines | $log_lines |
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
