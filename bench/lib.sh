# bench/lib.sh — what every benchmark script shares: a scratch directory and a scratch
# database, removed (with every process the script started, listed in pids) however the
# script ends; and small arithmetic. Sourced, never run:
#
#   . "$here/lib.sh"
#   bench_workspace overload    # sets tmp, out (KEEP=DIR keeps the reports), db, pids
#
# Needs PG set (the server the scratch database is made on) before the script exits.

# bench_workspace NAME makes the scratch directory and names the scratch database.
bench_workspace() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/huduma-$1.XXXXXX")
	out=${KEEP:-$tmp/out}
	mkdir -p "$out"
	db="huduma_$1_$$"
	pids=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local status=$?
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	psql "$PG/postgres" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	exit "$status"
}

# calc EXPR [DECIMALS] prints an awk expression's value, 2 decimals by default.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
