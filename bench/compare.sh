#!/usr/bin/env bash
# bench/compare.sh — measure, in one run on this machine, the gateway on Postgres + Redis and on
# its embedded default (SQLite, in-memory sessions), the peer (ussd-menu-builder on Express with
# Redis sessions) and the floor (net/http and one Redis round trip per hop) under the same load
# from `huduma loadtest`, and write docs/PERFORMANCE.md from that run.
#
#   bash bench/compare.sh
#
# Everything it starts runs on loopback and is stopped when it exits. Settings (environment):
#
#   SHARED=../shared            where the benchmark peer and floor live (shared/bench/…)
#   PEER_SRC, FLOOR_SRC         the two servers' folders (default under $SHARED/bench)
#   GATEWAY_SRC=.               the tree the gateway (and the load generator) is built from
#   PHONES=32 DURATION=20 WARMUP=5 (seconds)    the closed-loop load
#   ROUNDS=3                    runs of each measurement; the least disturbed one is reported
#   LIVE_SESSIONS=10000         sessions left open for the memory measurement
#   PG=postgres://postgres@127.0.0.1:5432      a server where a fresh database may be created
#   REDIS=redis://127.0.0.1:6379  REDIS_DB=9   the gateway's sessions go to this database
#   PROFILE_SECONDS=10          CPU profile of the gateway (0: none); needs HUDUMA_ADMIN_ADDR wired
#   OUT=docs/PERFORMANCE.md     the report; KEEP=DIR keeps the raw JSON reports and the profile
#
# It needs go, node and npm, psql, curl; jq when present (else a small awk parser is used).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
SHARED=${SHARED:-$repo/../shared}
PEER_SRC=${PEER_SRC:-$SHARED/bench/peer-ussd-menu-builder}
FLOOR_SRC=${FLOOR_SRC:-$SHARED/bench/limit}
GATEWAY_SRC=${GATEWAY_SRC:-$repo}
PHONES=${PHONES:-32}
DURATION=${DURATION:-20}
[ "$DURATION" -ge 3 ] || { echo "compare: DURATION must be at least 3 (seconds)" >&2; exit 2; }
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3}
LIVE_SESSIONS=${LIVE_SESSIONS:-10000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${REDIS_DB:-9}
PROFILE_SECONDS=${PROFILE_SECONDS:-10}
OUT=${OUT:-$repo/docs/PERFORMANCE.md}
KEEP=${KEEP:-}
GW_PORT=${GW_PORT:-18080}
PPROF_PORT=${PPROF_PORT:-16060}
PEER_PORT=3100  # the peer's default (PORT); the floor listens on 3200, fixed in its code
FLOOR_PORT=3200

say() { printf '%s\n' "$*" >&2; }
die() {
	say "compare: $*"
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

for tool in go node npm psql curl awk; do
	have "$tool" || die "needs $tool"
done
[ -f "$PEER_SRC/app.js" ] || die "no peer at $PEER_SRC (set SHARED or PEER_SRC)"
[ -f "$FLOOR_SRC/main.go" ] || die "no floor at $FLOOR_SRC (set SHARED or FLOOR_SRC)"
[ -n "${NO_JQ:-}" ] || ! have jq || JQ=jq

. "$here/lib.sh"
bench_workspace bench

tcp_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" >/dev/null 2>&1; }
for port in "$GW_PORT" "$PEER_PORT" "$FLOOR_PORT" "$PPROF_PORT"; do
	tcp_open "$port" && die "something already listens on 127.0.0.1:$port"
done

# jnum FILE .path.to.value — one value from a loadtest -json report.
jnum() {
	if [ -n "${JQ:-}" ]; then
		jq -r "$2" "$1"
		return
	fi
	# The report is indented two spaces a level: follow the path's keys down the levels.
	awk -v path="$2" '
		BEGIN { n = split(substr(path, 2), want, ".") }
		match($0, /^ *"[^"]+":/) {
			lvl = (index($0, "\"") - 1) / 2
			key = $0; sub(/^ *"/, "", key); sub(/".*/, "", key)
			got[lvl] = key
			if (lvl != n) next
			for (i = 1; i <= n; i++) if (got[i] != want[i]) next
			v = $0; sub(/^[^:]*: */, "", v); sub(/,$/, "", v); gsub(/"/, "", v)
			print v; exit
		}' "$1"
}
# calc EXPR — floating-point arithmetic.
# ge A B — A >= B.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
verdict() { if ge "$1" "$2"; then echo "met"; else echo "**not met**"; fi; }
verdict_le() { if ge "$2" "$1"; then echo "met"; else echo "**not met**"; fi; }

wait_http() { # URL [method]
	for _ in $(seq 150); do
		if curl -s -o /dev/null -X "${2:-GET}" --max-time 1 "$1"; then return 0; fi
		sleep 0.1
	done
	die "nothing answered at $1"
}

# CPU accounting: ticks of a set of processes, and of the whole machine.
hz=$(getconf CLK_TCK)
ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
stores_pids() { # the Postgres and Redis server processes
	pgrep -x postgres || true
	pgrep -x redis-server || true
}

# load_once NAME URL PROFILE [SERVER_PID...] -- [loadtest flags]: one measured run; the JSON
# report goes to $out/NAME.json and where the CPU went to $out/NAME.cpu.
load_once() {
	local name=$1 url=$2 profile=$3 server=() extra=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do server+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	extra=("$@")
	say "  $name: $profile journeys at $url, ${WARMUP}s warm-up, ${DURATION}s measured ${extra[*]}"
	"$bin" loadtest -target "$url" -profile "$profile" -warmup "${WARMUP}s" -duration "${DURATION}s" \
		-quiet -json "${extra[@]}" >"$out/$name.json" 2>"$out/$name.err" &
	local lp=$! status=0
	# CPU is sampled inside the measured window, half a second from each end, while the load
	# generator is surely running.
	sleep "$WARMUP"
	sleep 0.5
	local stores t0 t1 s0 s1 st0 st1 l0 l1 b0 b1
	stores=$(stores_pids)
	# shellcheck disable=SC2086 # $stores is a list of pids
	{
		t0=$(date +%s.%N); s0=$(ticks "${server[@]}"); st0=$(ticks $stores); l0=$(ticks "$lp"); b0=$(busy)
		sleep $((DURATION - 1))
		t1=$(date +%s.%N); s1=$(ticks "${server[@]}"); st1=$(ticks $stores); l1=$(ticks "$lp"); b1=$(busy)
	}
	wait "$lp" || status=$?
	awk -v hz="$hz" -v d="$(calc "$t1 - $t0" 3)" -v s=$((s1 - s0)) -v st=$((st1 - st0)) -v l=$((l1 - l0)) -v b=$((b1 - b0)) \
		'BEGIN { o = (b - s - st - l)/hz/d; if (o < 0) o = 0; printf "%.2f %.2f %.2f %.2f\n", s/hz/d, st/hz/d, l/hz/d, o }' >"$out/$name.cpu"
	if [ "$status" -ne 0 ]; then
		say "  $name: loadtest exited $status:"
		sed 's/^/    /' "$out/$name.err" >&2
		errors_seen=1
	fi
	say "  $name: $(jnum "$out/$name.json" .hops_per_s | cut -d. -f1) hops/s, p99 $(jnum "$out/$name.json" .latency_ms.p99) ms, errors $(jnum "$out/$name.json" .errors), cores used by others $(cut -d' ' -f4 "$out/$name.cpu")"
}

# load NAME …: ROUNDS runs of load_once; the least disturbed becomes NAME. Interference from
# outside (a busy neighbour on the host, which this virtual machine cannot see as CPU used by
# others) only ever slows a run down, so the least disturbed run is the fastest: the most
# hops/s in a closed loop, the lowest p99 in an open loop (whose rate is fixed). The same
# rule applies to every server measured.
load() {
	local name=$1 r best="" best_score=""
	shift
	for r in $(seq "$ROUNDS"); do
		load_once "$name.$r" "$@"
		local score
		case $name in
		*-open) score=$(calc "0 - $(jnum "$out/$name.$r.json" .latency_ms.p99)" 3) ;;
		*) score=$(jnum "$out/$name.$r.json" .hops_per_s) ;;
		esac
		if [ -z "$best" ] || ! ge "$best_score" "$score"; then
			best=$r best_score=$score
		fi
	done
	cp "$out/$name.$best.json" "$out/$name.json"
	cp "$out/$name.$best.cpu" "$out/$name.cpu"
}

# live NAME PID URL: RSS of a freshly started gateway, then with LIVE_SESSIONS sessions left
# open six hops into a booking (past the county list; most also keep a resume copy).
live() {
	local name=$1 pid=$2 url=$3
	sleep 1
	local before after
	before=$(awk '/^VmRSS/{ print $2 }' "/proc/$pid/status")
	say "  $name: opening $LIVE_SESSIONS sessions and leaving them open"
	# Bookings only, so that every session is still open after six hops.
	"$bin" loadtest -target "$url" -mix book=1 -phones "$PHONES" -sessions "$LIVE_SESSIONS" -hangup-after 6 -quiet -json \
		>"$out/$name-live.json" 2>"$out/$name-live.err" || { errors_seen=1; sed 's/^/    /' "$out/$name-live.err" >&2; }
	sleep 1
	after=$(awk '/^VmRSS/{ print $2 }' "/proc/$pid/status")
	echo "$before $after" >"$out/$name.rss"
	say "  $name: RSS $((before / 1024)) MB idle, $((after / 1024)) MB with $LIVE_SESSIONS live sessions"
}

start() { # LOG CMD... — start a server in the background, remember its pid in $started
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	started=$!
	pids+=("$started")
}
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

errors_seen=0
say "building the gateway from $GATEWAY_SRC"
bin=$tmp/huduma
(cd "$GATEWAY_SRC" && go build -o "$bin" ./cmd/huduma)
"$bin" loadtest -h >/dev/null 2>&1 || die "the gateway built from $GATEWAY_SRC has no loadtest command"
say "building the floor from $FLOOR_SRC"
cp -r "$FLOOR_SRC" "$tmp/floor" && chmod -R u+w "$tmp/floor"
(cd "$tmp/floor" && go build -o "$tmp/floor-bin" .)
say "installing the peer from $PEER_SRC (npm ci)"
cp -r "$PEER_SRC" "$tmp/peer" && chmod -R u+w "$tmp/peer"
(cd "$tmp/peer" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) ||
	{ cat "$tmp/npm.log" >&2; die "npm ci failed"; }

say "floor"
start "$tmp/floor.log" "$tmp/floor-bin"
floor_pid=$started
wait_http "http://127.0.0.1:$FLOOR_PORT/ussd" POST
load floor "http://127.0.0.1:$FLOOR_PORT/ussd" floor "$floor_pid"
stop "$floor_pid"

say "peer"
(cd "$tmp/peer" && exec env PORT=$PEER_PORT REDIS_URL="$REDIS" node app.js) >"$tmp/peer.log" 2>&1 &
peer_pid=$!
pids+=("$peer_pid")
wait_http "http://127.0.0.1:$PEER_PORT/ussd" POST
load peer "http://127.0.0.1:$PEER_PORT/ussd" peer "$peer_pid"
stop "$peer_pid"

gw_url="http://127.0.0.1:$GW_PORT/at/ussd"
gateway() { # LOG — the gateway with the environment set by the caller
	start "$1" env HUDUMA_ADDR=127.0.0.1:$GW_PORT HUDUMA_LOG_LEVEL=warn "$bin" serve
	gw_pid=$started
	wait_http "http://127.0.0.1:$GW_PORT/healthz"
}

say "gateway on Postgres + Redis"
psql "$PG/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
export HUDUMA_DATABASE_URL="$PG/$db?sslmode=disable" HUDUMA_REDIS_URL="$REDIS/$REDIS_DB"
export HUDUMA_ADMIN_ADDR=127.0.0.1:$PPROF_PORT
gateway "$tmp/gw-pg.log"
load pg "$gw_url" huduma "$gw_pid"
pg_booked=$(psql "$HUDUMA_DATABASE_URL" -qXtA -c "SELECT count(*) FROM appointments WHERE status = 'booked'")
pg_reported=0
for r in $(seq "$ROUNDS"); do
	pg_reported=$((pg_reported + $(jnum "$out/pg.$r.json" .total.bookings)))
done
say "  pg: $pg_booked appointments in the database, $pg_reported bookings reported"
pg_cases=$(psql "$HUDUMA_DATABASE_URL" -qXtA -c "SELECT count(*) FROM cases")
pg_complaints=0
for r in $(seq "$ROUNDS"); do
	pg_complaints=$((pg_complaints + $(jnum "$out/pg.$r.json" .total.complaints)))
done
say "  pg: $pg_cases cases in the database, $pg_complaints complaints reported"
profiled=0
if [ "$PROFILE_SECONDS" -gt 0 ]; then
	if curl -sf -o /dev/null "http://$HUDUMA_ADMIN_ADDR/debug/pprof/"; then
		say "  pg: CPU profile for ${PROFILE_SECONDS}s under the same load"
		"$bin" loadtest -target "$gw_url" -phones "$PHONES" -duration $((PROFILE_SECONDS + 4))s -quiet >/dev/null 2>&1 &
		lp=$!
		sleep 2
		curl -sf -o "$out/cpu.pprof" "http://$HUDUMA_ADMIN_ADDR/debug/pprof/profile?seconds=$PROFILE_SECONDS" && profiled=1
		wait "$lp" || true
	else
		say "  pg: no pprof endpoint (HUDUMA_ADMIN_ADDR not wired into serve?); no profile"
	fi
fi
pg_rate=$(calc "$(jnum "$out/pg.json" .sessions_per_s) / 2" 1)
load pg-open "$gw_url" huduma "$gw_pid" -- -rate "$pg_rate"
stop "$gw_pid"
gateway "$tmp/gw-pg-live.log"
live pg "$gw_pid" "$gw_url"
stop "$gw_pid"
export HUDUMA_ADMIN_ADDR= # off: the next gateways need no profile

say "gateway on the embedded default (SQLite, in-memory sessions)"
export HUDUMA_DATABASE_URL="sqlite:$tmp/huduma.db" HUDUMA_REDIS_URL=
gateway "$tmp/gw-embedded.log"
load embedded "$gw_url" huduma "$gw_pid"
emb_rate=$(calc "$(jnum "$out/embedded.json" .sessions_per_s) / 2" 1)
load embedded-open "$gw_url" huduma "$gw_pid" -- -rate "$emb_rate"
stop "$gw_pid"
export HUDUMA_DATABASE_URL="sqlite:$tmp/huduma-live.db"
gateway "$tmp/gw-embedded-live.log"
live embedded "$gw_pid" "$gw_url"
stop "$gw_pid"

# ---- the report -------------------------------------------------------------------------------
v() { jnum "$out/$1.json" "$2"; }
hops() { v "$1" .hops_per_s | cut -d. -f1; }
cpu() { cut -d' ' -f"$2" "$out/$1.cpu"; }
row() { # NAME LABEL STORES
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s |\n' "$2" "$(hops "$1")" \
		"$(calc "$(v "$1" .sessions_per_s)" 0)" "$(v "$1" .latency_ms.p50)" "$(v "$1" .latency_ms.p99)" \
		"$(v "$1" .latency_ms.p99_9)" "$(v "$1" .latency_ms.max)" "$(v "$1" .errors)" \
		"$(cpu "$1" 1)" "$(cpu "$1" 2)" "$(cpu "$1" 3)" "$(cpu "$1" 4)"
}
peer_h=$(hops peer)
floor_h=$(hops floor)
pg_h=$(hops pg)
emb_h=$(hops embedded)
ratio_peer=$(calc "$pg_h / $peer_h")
ratio_floor=$(calc "$pg_h / $floor_h")
ratio_emb_peer=$(calc "$emb_h / $peer_h")
ratio_emb_floor=$(calc "$emb_h / $floor_h")
read -r pg_rss0 pg_rss <"$out/pg.rss"
read -r emb_rss0 emb_rss <"$out/embedded.rss"
maxother() { awk '{ if ($4 > m) m = $4 } END { printf "%.2f", m + 0 }' "$@"; }
other_max=$(cd "$out" && maxother floor.cpu peer.cpu pg.cpu pg-open.cpu embedded.cpu embedded-open.cpu)
other_any=$(maxother "$out"/*.cpu)

cmd="bash bench/compare.sh"
for var in SHARED PEER_SRC FLOOR_SRC GATEWAY_SRC PHONES DURATION WARMUP ROUNDS LIVE_SESSIONS PG REDIS REDIS_DB PROFILE_SECONDS; do
	case $var in
	SHARED) def=$repo/../shared ;; PEER_SRC) def=$SHARED/bench/peer-ussd-menu-builder ;;
	FLOOR_SRC) def=$SHARED/bench/limit ;; GATEWAY_SRC) def=$repo ;; PHONES) def=32 ;; DURATION) def=20 ;;
	WARMUP) def=5 ;; ROUNDS) def=3 ;; LIVE_SESSIONS) def=10000 ;; PG) def=postgres://postgres@127.0.0.1:5432 ;;
	REDIS) def=redis://127.0.0.1:6379 ;; REDIS_DB) def=9 ;; PROFILE_SECONDS) def=10 ;;
	esac
	[ "${!var}" = "$def" ] || cmd="$var=${!var} $cmd"
done

pg_version=$(psql "$PG/postgres" -qXtA -c 'SHOW server_version' 2>/dev/null || echo unknown)
redis_version=$( (have redis-cli && redis-cli -u "$REDIS" INFO server 2>/dev/null | awk -F: '/^redis_version/{ print $2 }' | tr -d '\r') || true)
mem_total=$(free -h | awk '/^Mem:/{ print $2 }')
cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/{ gsub(/^ +/, "", $2); print $2; exit }')

mkdir -p "$(dirname "$OUT")"
{
	cat <<EOF
# Performance

Measured by \`bench/compare.sh\` in one run on $(date -u '+%Y-%m-%d %H:%M UTC'). Every figure below
comes from that run; run it again to replace them.

    $cmd

## Machine

| | |
|---|---|
| CPU | ${cpu_model:-unknown}, $(nproc) cores ($(uname -m), Linux $(uname -r)) |
| memory | $mem_total |
| Go | $(go version | awk '{ print $3 }') |
| Postgres | $pg_version (same machine, loopback) |
| Redis | ${redis_version:-unknown} (same machine, loopback) |
| Node | $(node --version) (the peer) |

Everything shares these $(nproc) cores: the server under test, Postgres, Redis **and the load generator**.
The load generator is \`huduma loadtest\`: each phone sends its hops on one keep-alive HTTP/1.1
connection of its own, written and read by a minimal client (a request is one write; the
answer is parsed as \`ussd.Simulator\`, the client behind \`huduma dial\`, parses it); the CPU
columns below show what it took. It costs tens of microseconds a hop whatever the server, so it takes
a larger share of the cores from a cheaper server, and every ratio between two servers is
pulled towards 1: a lead and a gap both look smaller than they would with the load generated
elsewhere. Read the figures as figures for this box.

## Results

Closed loop: $PHONES phones, each sending its next hop when the last was answered (text
accumulating with \`*\`, as Africa's Talking sends it), ${WARMUP} s warm-up, ${DURATION} s measured.
Open loop: new sessions at half the closed-loop rate of the same server, however it answers.
Latency is a hop as the phone sees it (request sent to answer read), in milliseconds. CPU is
cores used during the measured window: server / its stores (Postgres, Redis) / load generator
/ everything else on the machine (other processes, and kernel work not charged to a process).
Each measurement ran $ROUNDS time(s) and the table shows the least disturbed run: the fastest
(most hops/s; in the open loop, lowest p99), by the same rule for every server, because
interference from outside this virtual machine only slows a run down and does not show as
CPU used by others. Every run's figures are in the raw reports (KEEP=DIR).

| server | hops/s | sessions/s | p50 | p99 | p99.9 | max | errors | CPU: server / stores / loadgen / other |
|---|---:|---:|---:|---:|---:|---:|---:|---|
EOF
	row pg "gateway, Postgres + Redis"
	row pg-open "gateway, Postgres + Redis, open loop at $pg_rate sessions/s"
	row embedded "gateway, embedded (SQLite + memory)"
	row embedded-open "gateway, embedded, open loop at $emb_rate sessions/s"
	row peer "peer (ussd-menu-builder, Express, Redis)"
	row floor "floor (net/http, one Redis round trip)"
	perhop() { # NAME LABEL — CPU microseconds per hop of each party
		local h
		h=$(v "$1" .hops_per_s)
		printf '| %s | %s | %s | %s |\n' "$2" "$(calc "$(cpu "$1" 1) / $h * 1000000" 0)" \
			"$(calc "$(cpu "$1" 2) / $h * 1000000" 0)" "$(calc "$(cpu "$1" 3) / $h * 1000000" 0)"
	}
	cat <<EOF

CPU per hop (µs), from the same closed-loop runs:

| server | server | its stores | load generator |
|---|---:|---:|---:|
EOF
	perhop pg "gateway, Postgres + Redis"
	perhop embedded "gateway, embedded"
	perhop peer "peer"
	perhop floor "floor"
	cat <<EOF

A session is a different number of hops on each server. The gateway's sessions are a new
caller's whole journey, in the mix of \`huduma loadtest\`'s huduma profile (book=70,complaint=15,status=15):
a booking (language, main menu, county from a paged list, centre, service, day, time, confirm:
about 10 hops, with one SQL read of the caller's language and the booking transaction, which
also queues the SMS confirmation; the language choice joins a batch written a few
milliseconds later, and the free times come from the copy of the full slots each process
reads once a second), a complaint (about a centre or not, category, service or skip, a typed
description, confirm: about 10 hops, ending in the case's transaction, which also queues its
acknowledgement and the staff alerts) or a status check (a case number typed, 4 hops, one
lookup). The peer's and the floor's are 5
hops with no database. Hops per second compares the cost of a hop; sessions per second is not
comparable across servers.

Ratios: gateway on Postgres + Redis / peer **$ratio_peer**, / floor **$ratio_floor**;
embedded / peer **$ratio_emb_peer**, / floor **$ratio_emb_floor**.

Bookings: the closed-loop runs on Postgres + Redis reported $pg_reported bookings (warm-up and
measured windows), and the database then held $pg_booked booked appointments. Complaints: they
reported $pg_complaints, and the database held $pg_cases cases.

Memory (VmRSS of the gateway process, freshly started, then with $LIVE_SESSIONS sessions left open
six hops into a booking, most with a resume copy too): Postgres + Redis $((pg_rss0 / 1024)) MB →
**$((pg_rss / 1024)) MB** (sessions live in Redis); embedded $((emb_rss0 / 1024)) MB → **$((emb_rss / 1024)) MB**
(sessions in the process).
EOF
	if ge "$other_max" 0.15; then
		cat <<EOF

**Caution:** other processes on the machine used up to $other_max cores during a measurement
shown above (column "other"); those figures are lower than a quiet machine gives. Run again
when it is quiet.
EOF
	elif ge "$other_any" 0.15; then
		cat <<EOF

The machine was shared during this run: in some rounds other processes used up to $other_any
cores; the table shows the quieter round of each measurement.
EOF
	fi
	cat <<EOF

## Targets

| target | measured | |
|---|---|---|
| hops/s ≥ 2.5 × peer, Postgres + Redis, $PHONES phones | $pg_h vs $(calc "2.5 * $peer_h" 0) ($ratio_peer ×) | $(verdict "$ratio_peer" 2.5) |
| hops/s ≥ 60% of floor, Postgres + Redis, $PHONES phones | $pg_h vs $(calc "0.6 * $floor_h" 0) ($(calc "100 * $ratio_floor" 0)%) | $(verdict "$ratio_floor" 0.6) |
| bookings really written | $pg_booked in the database, $pg_reported reported | $([ "$pg_booked" = "$pg_reported" ] && echo met || echo "**not met**") |
| complaints really written | $pg_cases in the database, $pg_complaints reported | $([ "$pg_cases" = "$pg_complaints" ] && echo met || echo "**not met**") |
| p99 ≤ 15 ms, Postgres + Redis, $PHONES phones | $(v pg .latency_ms.p99) ms | $(verdict_le "$(v pg .latency_ms.p99)" 15) |
| p99 ≤ 5 ms at 50% of the peak rate (open loop), Postgres + Redis | $(v pg-open .latency_ms.p99) ms at $pg_rate sessions/s | $(verdict_le "$(v pg-open .latency_ms.p99)" 5) |
| p99 ≤ 5 ms at 50% of the peak rate (open loop), embedded | $(v embedded-open .latency_ms.p99) ms at $emb_rate sessions/s | $(verdict_le "$(v embedded-open .latency_ms.p99)" 5) |
| RSS ≤ 150 MB with $LIVE_SESSIONS live sessions, embedded (sessions in the process) | $((emb_rss / 1024)) MB | $(verdict_le "$((emb_rss / 1024))" 150) |
| RSS ≤ 150 MB with $LIVE_SESSIONS live sessions, Postgres + Redis | $((pg_rss / 1024)) MB | $(verdict_le "$((pg_rss / 1024))" 150) |
| embedded default ahead of the peer | $emb_h vs $peer_h hops/s | $(verdict "$emb_h" "$peer_h") |
EOF
	if [ "$profiled" = 1 ]; then
		pct() { # cumulative share of the samples in functions matching REGEX (the largest match)
			go tool pprof -top -cum -nodecount=100000 "$bin" "$out/cpu.pprof" 2>/dev/null |
				re=$1 awk '$6 ~ ENVIRON["re"] { v = $5; sub(/%/, "", v); if (v + 0 > m) m = v + 0 } END { printf "%.0f%%", m }'
		}
		cat <<EOF

## Where a hop's time goes (CPU profile)

A ${PROFILE_SECONDS} s CPU profile of the gateway on Postgres + Redis under the same $PHONES-phone load
(the admin listener, \`HUDUMA_ADMIN_ADDR\`; \`go tool pprof -top -cum\`). Shares of the gateway's own CPU samples; the
rows overlap (a row includes the rows it calls).

| part of the hop | share |
|---|---:|
| whole USSD handler (\`ussd.(*Handler).Answer\`) | $(pct '^github.com/huduma-connect/huduma/ussd.\(\*Handler\).Answer$') |
| load the session from Redis (\`store/redis.(*Store).Load\`) | $(pct '^github.com/huduma-connect/huduma/store/redis.\(\*Store\).Load$') |
| save the session to Redis (\`store/redis.(*Store).Save\`), encoding included | $(pct '^github.com/huduma-connect/huduma/store/redis.\(\*Store\).Save$') |
| … of which JSON encoding (\`flows.(*Session).AppendBinary\`) | $(pct '^github.com/huduma-connect/huduma/flows.\(\*Session\).AppendBinary$') |
| menus: input → next screen (\`flows.(*Engine).Step\`), SQL included | $(pct '^github.com/huduma-connect/huduma/flows.\(\*Engine\).Step$') |
| new session (\`ussd.(*Handler).start\`: language lookup, resume copy) | $(pct '^github.com/huduma-connect/huduma/ussd.\(\*Handler\).start$') |
| booking transaction (\`crm.(*Desk).Book\`) | $(pct '^github.com/huduma-connect/huduma/crm.\(\*Desk\).Book$') |
| rendering the reply (\`ussd.renderer.render\`) | $(pct '^github.com/huduma-connect/huduma/ussd.renderer.render$') |
| HTTP server (\`fasthttp.(*Server).serveConn\`, handler included) | $(pct '^github.com/valyala/fasthttp.\(\*Server\).serveConn$') |
| system calls (\`syscall.Syscall6\`, all callers) | $(pct 'linux.Syscall6$') |
| Go scheduler (\`runtime.schedule\`) | $(pct '^runtime.schedule$') |
| garbage collector (\`runtime.gcBgMarkWorker\`) | $(pct '^runtime.gcBgMarkWorker$') |
EOF
		if [ -f "$here/profile-note.md" ]; then
			echo
			cat "$here/profile-note.md"
		fi
	fi
} >"$tmp/report.md"
# Sections measured apart (bench/overload.sh's, the console's at scale), each between its
# "<!-- NAME:begin" and "<!-- NAME:end -->" markers: keep them.
if [ -f "$OUT" ] && grep -q '^<!-- [a-z]*:begin' "$OUT"; then
	printf '\n' >>"$tmp/report.md"
	awk '/^<!-- [a-z]+:begin/ { keep = 1 } keep { print } /<!-- [a-z]+:end -->/ { keep = 0 }' "$OUT" >>"$tmp/report.md"
fi
cp "$tmp/report.md" "$OUT"

say ""
say "hops/s: gateway pg+redis $pg_h (p99 $(v pg .latency_ms.p99) ms), embedded $emb_h (p99 $(v embedded .latency_ms.p99) ms), peer $peer_h (p99 $(v peer .latency_ms.p99) ms), floor $floor_h (p99 $(v floor .latency_ms.p99) ms)"
say "ratios: gateway/peer $ratio_peer, gateway/floor $ratio_floor; embedded/peer $ratio_emb_peer"
say "wrote $OUT${KEEP:+; raw reports in $KEEP}"
[ "$errors_seen" = 0 ] || die "some runs had unexpected answers (see above)"
