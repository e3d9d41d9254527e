#!/usr/bin/env bash
# bench/overload.sh — what an overload and a database stall do to the gateway, measured the way
# an operator would meet them, on the embedded default and on Postgres + Redis:
#
#   1. saturation: the closed loop (PHONES phones) finds the sessions/s the machine can serve;
#   2. overload: the open loop offers FACTOR × that rate for OVERLOAD seconds, RSS sampled
#      every second;
#   3. quiet: IDLE seconds with no traffic, then RSS again;
#   4. afterwards: AFTER normal sessions (closed loop), every one of which must succeed;
#   5. Postgres + Redis only: a STALL-second lock on the appointments table in the middle of a
#      normal load (PHONES phones), then AFTER normal sessions again.
#
#   bash bench/overload.sh                 # both setups; writes the section in docs/PERFORMANCE.md
#   SETUPS=embedded bash bench/overload.sh
#
# Settings (environment): PHONES=32 SATURATION=10 WARMUP=3 FACTOR=2 OVERLOAD=20 IDLE=60
# AFTER=1000 STALL=10 STALL_LOAD=30 (seconds, except PHONES, FACTOR and AFTER), SETUPS="embedded
# postgres", PG=postgres://postgres@127.0.0.1:5432 (a fresh database is created there),
# REDIS=redis://127.0.0.1:6379 REDIS_DB=9, GW_PORT=18090, OUT=docs/PERFORMANCE.md (its section
# between the overload markers is replaced; OUT=- prints it), KEEP=DIR keeps the raw reports,
# GATEWAY=PATH serves that huduma binary instead of this tree's.
# Everything runs on loopback and is stopped when the script exits. Needs go, jq, psql, curl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
PHONES=${PHONES:-32}
SATURATION=${SATURATION:-10}
WARMUP=${WARMUP:-3}
FACTOR=${FACTOR:-2}
OVERLOAD=${OVERLOAD:-20}
IDLE=${IDLE:-60}
AFTER=${AFTER:-1000}
STALL=${STALL:-10}
STALL_LOAD=${STALL_LOAD:-30}
SETUPS=${SETUPS:-embedded postgres}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${REDIS_DB:-9}
GW_PORT=${GW_PORT:-18090}
OUT=${OUT:-$repo/docs/PERFORMANCE.md}
KEEP=${KEEP:-}

say() { printf '%s\n' "$*" >&2; }
die() {
	say "overload: $*"
	exit 1
}
for tool in go jq psql curl awk; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool"
done
[ "$STALL_LOAD" -gt $((STALL + 10)) ] || die "STALL_LOAD must exceed STALL by more than 10 s"

. "$here/lib.sh"
bench_workspace overload

ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
verdict() { if ge "$1" "$2"; then echo "met"; else echo "**not met**"; fi; }
rss_mb() { awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
j() { jq -r "$2" "$out/$1.json"; }

bin=$tmp/huduma
say "building the gateway and the load generator"
(cd "$repo" && go build -o "$bin" ./cmd/huduma)
# GATEWAY=PATH serves another build of huduma (an older release, for a before-and-after); the
# load generator is always this tree's.
served=${GATEWAY:-$bin}
url="http://127.0.0.1:$GW_PORT/at/ussd"

start_gateway() { # NAME, with the store's environment set by the caller
	env HUDUMA_ADDR=127.0.0.1:$GW_PORT HUDUMA_ADMIN_ADDR= HUDUMA_LOG_LEVEL=warn "$served" serve >"$out/$1.log" 2>&1 &
	gw=$!
	pids+=("$gw")
	for _ in $(seq 150); do
		curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$GW_PORT/healthz" && return 0
		sleep 0.1
	done
	die "the gateway did not start (see $out/$1.log)"
}
stop_gateway() {
	kill "$gw" 2>/dev/null || true
	wait "$gw" 2>/dev/null || true
}

# loadtest NAME [flags]: one run, its JSON report in $out/NAME.json. A run with unexpected
# answers exits 1; that is a figure here, read from the report, not a reason to stop.
loadtest() {
	local name=$1
	shift
	"$bin" loadtest -target "$url" -quiet -json "$@" >"$out/$name.json" 2>"$out/$name.err" || true
	[ -s "$out/$name.json" ] || die "loadtest $name gave no report: $(cat "$out/$name.err")"
}

# sample_rss PID FILE: RSS in MB every second until killed.
sample_rss() {
	while [ -r "/proc/$1/status" ]; do
		rss_mb "$1" >>"$2"
		echo >>"$2"
		sleep 1
	done
}

# after NAME: AFTER normal sessions, one after another from 8 phones; prints "completed/AFTER".
after() {
	loadtest "$1" -phones 8 -sessions "$AFTER"
	echo "$(j "$1" .total.sessions_completed)/$AFTER"
}

# errors NAME: the unexpected answers of a run, by kind ("none" when there were none).
errors() {
	jq -r 'if .errors == 0 then "none" else ([.error_kinds[] | {kind, count}] | group_by(.kind)
		| map("\(map(.count) | add) \(.[0].kind)") | join(", ")) end' "$out/$1.json"
}

rows=""
stall_rows=""
run_setup() { # NAME LABEL
	local name=$1 label=$2
	say "$label: saturation (${PHONES} phones, ${SATURATION}s)"
	local idle_rss
	idle_rss=$(rss_mb "$gw")
	loadtest "$name-saturation" -phones "$PHONES" -warmup "${WARMUP}s" -duration "${SATURATION}s"
	local sat rate
	sat=$(j "$name-saturation" .sessions_per_s)
	rate=$(calc "$FACTOR * $sat" 0)
	say "$label: $(calc "$sat" 0) sessions/s; overload at $rate sessions/s for ${OVERLOAD}s"
	: >"$out/$name.rss"
	sample_rss "$gw" "$out/$name.rss" &
	local sampler=$!
	loadtest "$name-overload" -rate "$rate" -duration "${OVERLOAD}s"
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	local peak
	peak=$(sort -n "$out/$name.rss" | tail -1)
	say "$label: quiet for ${IDLE}s"
	sleep "$IDLE"
	local later
	later=$(rss_mb "$gw")
	say "$label: $AFTER sessions afterwards"
	local ok
	ok=$(after "$name-after")
	local good on_time
	good=$(j "$name-overload" .sessions_per_s)
	on_time=$(calc "100 * $(j "$name-overload" .on_time)" 2)
	rows+="| $label | $(calc "$sat" 0) | $rate | $(calc "$good" 0) ($(calc "100 * $good / $sat" 0)%) | ${on_time}% | $(j "$name-overload" .shed) | $(errors "$name-overload") | $idle_rss → $peak | $later | $ok |"$'\n'
	say "$label: goodput $(calc "$good" 0)/s ($(calc "100 * $good / $sat" 0)% of saturation), on time ${on_time}%, busy $(j "$name-overload" .shed), RSS peak $peak MB, ${IDLE}s later $later MB, afterwards $ok"
	targets+="| goodput ≥ 80% of saturation, $label | $(calc "100 * $good / $sat" 0)% | $(verdict "$(calc "$good / $sat" 3)" 0.8) |"$'\n'
	targets+="| every hop answered within 5 s, $label | ${on_time}% | $([ "$on_time" = "100.00" ] && echo met || echo "**not met**") |"$'\n'
	targets+="| RSS < 200 MB during the overload, $label | $peak MB | $([ "$peak" -lt 200 ] && echo met || echo "**not met**") |"$'\n'
	targets+="| all $AFTER sessions afterwards succeed, $label | $ok | $([ "$ok" = "$AFTER/$AFTER" ] && echo met || echo "**not met**") |"$'\n'
}

stall() { # NAME LABEL: a lock on appointments for STALL s in the middle of a normal load
	local name=$1 label=$2
	say "$label: ${STALL_LOAD}s of ${PHONES} phones, appointments locked for ${STALL}s from the 10th second"
	(
		sleep 10
		psql "$PG/$db" -qX -v ON_ERROR_STOP=1 \
			-c "BEGIN; LOCK TABLE appointments IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($STALL); COMMIT;" >/dev/null
	) &
	local locker=$!
	pids+=("$locker")
	loadtest "$name-stall" -phones "$PHONES" -duration "${STALL_LOAD}s"
	wait "$locker" || die "could not lock the appointments table"
	local ok on_time
	ok=$(after "$name-stall-after")
	on_time=$(calc "100 * $(j "$name-stall" .on_time)" 2)
	stall_rows+="| $label | ${STALL} s | ${on_time}% | $(j "$name-stall" .total.sessions_completed) | $(j "$name-stall" .total.sessions_shed) | $(errors "$name-stall") | $ok |"$'\n'
	say "$label stall: on time ${on_time}%, busy $(j "$name-stall" .total.sessions_shed), errors $(errors "$name-stall"), afterwards $ok"
	targets+="| every hop answered within 5 s through a ${STALL} s stall, $label | ${on_time}% | $([ "$on_time" = "100.00" ] && echo met || echo "**not met**") |"$'\n'
	targets+="| all $AFTER sessions after the stall succeed, $label | $ok | $([ "$ok" = "$AFTER/$AFTER" ] && echo met || echo "**not met**") |"$'\n'
}

targets=""
for setup in $SETUPS; do
	case $setup in
	embedded)
		say "== embedded (SQLite, in-memory sessions)"
		HUDUMA_DATABASE_URL="sqlite:$tmp/huduma.db" HUDUMA_REDIS_URL="" start_gateway embedded
		run_setup embedded "embedded"
		stop_gateway
		;;
	postgres)
		say "== Postgres + Redis"
		psql "$PG/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
		command -v redis-cli >/dev/null 2>&1 && redis-cli -u "$REDIS/$REDIS_DB" FLUSHDB >/dev/null
		HUDUMA_DATABASE_URL="$PG/$db?sslmode=disable" HUDUMA_REDIS_URL="$REDIS/$REDIS_DB" start_gateway postgres
		run_setup postgres "Postgres + Redis"
		stall postgres "Postgres + Redis"
		stop_gateway
		;;
	*) die "unknown setup $setup (embedded, postgres)" ;;
	esac
done

section=$(
	cat <<EOF
<!-- overload:begin (bench/overload.sh writes this section; compare.sh keeps it) -->
## Overload and stalls

Measured by \`bash bench/overload.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, gateway, its
stores and the load generator on one machine. Saturation is the closed loop's completed
sessions/s at $PHONES phones; the overload offers $FACTOR × that many new sessions a second (open
loop) for $OVERLOAD s. Goodput is the sessions completed per second during the overload. "Busy" are
the sessions the gateway answered "The service is busy" (load shed). RSS is the gateway's, idle
before the run → the highest sample during it, then after $IDLE s without traffic (the embedded
store keeps sessions in the gateway's memory for their 5-minute TTL, so its RSS then still holds
the burst's sessions; with Redis they are in Redis). Afterwards, $AFTER normal sessions (8 phones)
run.

| setup | saturation (sessions/s) | offered | goodput | hops on time (≤ 5 s) | busy | unexpected answers | RSS MB | RSS MB after ${IDLE} s | sessions afterwards |
|---|---:|---:|---:|---:|---:|---|---:|---:|---:|
${rows}
EOF
	if [ -n "$stall_rows" ]; then
		cat <<EOF

A stall: $PHONES phones for $STALL_LOAD s, and from the 10th second the appointments table locked
(\`LOCK TABLE appointments IN ACCESS EXCLUSIVE MODE\`) for $STALL s, as a migration or a stuck
transaction would. A hop caught by the lock (or waiting for a pool connection held by one that
is) stops at its deadline and is answered "The service is busy … dial again"; the apology is an
unexpected answer to the load generator. Then $AFTER normal sessions.

| setup | stall | hops on time (≤ 5 s) | sessions completed | busy | unexpected answers | sessions afterwards |
|---|---:|---:|---:|---:|---|---:|
${stall_rows}
EOF
	fi
	cat <<EOF

| target | measured | |
|---|---|---|
${targets}<!-- overload:end -->
EOF
)

if [ "$OUT" = - ]; then
	printf '%s\n' "$section"
	exit 0
fi
# Replace the section between the markers, or append it.
printf '%s\n' "$section" >"$tmp/section"
if grep -q '^<!-- overload:begin' "$OUT" 2>/dev/null; then
	awk -v file="$tmp/section" 'BEGIN { while ((getline l < file) > 0) s = s l "\n" }
		/^<!-- overload:begin/ { printf "%s", s; skip = 1; next }
		skip && /<!-- overload:end -->/ { skip = 0; next }
		!skip' "$OUT" >"$tmp/new"
else
	{
		if [ -f "$OUT" ]; then cat "$OUT"; fi
		printf '\n'
		cat "$tmp/section"
	} >"$tmp/new"
fi
cp "$tmp/new" "$OUT"
say "wrote the overload section of $OUT"
