#!/usr/bin/env bash
# `roster import` of a passwordless CSV into PostgreSQL: rows/s and peak RSS (median of 3), each run
# into a fresh database of a throwaway local cluster (Debian's server binaries, 127.0.0.1, a free
# port, default durability: fsync on). Called by bench/run.sh part 3 next to the SQLite numbers;
# alone: bench/postgres.sh ROSTER_BINARY FILE.csv ROWS
# Skipped (with a line saying so) when no PostgreSQL server binaries are installed.
set -euo pipefail
BIN="$1" CSV="$2" ROWS="$3"
PGBIN="${ROSTER_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL: skipped (no server binaries; apt-get install postgresql, or set ROSTER_PG_BIN)"
  exit 0
fi
WORK="$(mktemp -d)"
chmod 755 "$WORK"
# PostgreSQL refuses to run as root: then the server runs as nobody.
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u nobody --); mkdir "$WORK/data"; chown nobody "$WORK/data"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap stop EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U roster -A trust -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/data/log" -w start \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORK/data" >/dev/null
: > "$WORK/runs.txt"
for run in 1 2 3; do
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U roster "bench$run"
  URL="postgres://roster@127.0.0.1:$PORT/bench$run?sslmode=disable"
  "$BIN" --database "$URL" migrate >/dev/null
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BIN" --database "$URL" --max-rows "$ROWS" \
    import "$CSV" --allow-without-mail >/dev/null
  cat "$WORK/time.txt" >> "$WORK/runs.txt"
done
CREATED=$("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U roster -d bench3 -Atc "SELECT COUNT(*) FROM auth_user")
python3 - "$WORK/runs.txt" "$ROWS" "$CREATED" <<'PY'
import statistics, sys
runs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
rows, created = int(sys.argv[2]), sys.argv[3]
secs = statistics.median(s for s, _ in runs)
peak = max(kb for _, kb in runs) / 1024
print(f"PostgreSQL: {rows / secs:,.0f} rows/s ({secs:.2f} s; runs {', '.join(f'{s:.2f}' for s, _ in runs)} s; "
      f"{created} users), peak RSS {peak:.0f} MB")
PY
