#!/usr/bin/env bash
# Roster's benchmarks, all on this machine in one run (a few minutes); numbers go to the README by hand.
#   1. PBKDF2-HMAC-SHA256 ns/iteration: OpenSSL (Python hashlib), RustCrypto, ring, Roster's engine
#      (1 password; each group engine the CPU has, SHA-NI x4 and AVX-512 x16, in one thread and on
#      every core; the import's own hashing), each with its ratio to OpenSSL
#   2. `roster import` of 1,000 rows with passwords at Django's default iterations: wall time vs
#      ideal (rows x one hash in a group of the active engine / cores)
#   3. `roster import` of 100,000 rows without passwords: rows/s, CPU time and peak RSS (median of
#      3), into SQLite and into PostgreSQL (bench/postgres.sh: a throwaway local cluster), next to
#      SQLite's own rate for the same write set (bench/sqlite_ceiling.py: the rows copied with
#      INSERT ... SELECT, no Roster code), as the share of it Roster reaches
#   4. The user list at 100,000 users (the database of 3), 8 concurrent clients: p50/p99 of `/users`,
#      a search, and the name sort at page 1,000
#   `bench/run.sh hashing` runs parts 1 and 2 alone (ROSTER_PBKDF2_ENGINE=sha-ni, avx512 or portable
#   picks the engine they use), `bench/run.sh passwordless` part 3 alone, `bench/run.sh user-list` part 4 alone (on a fresh
#   100,000-user import): to compare two builds in one session. ROSTER_BIN=path runs that binary
#   instead of building this checkout's release binary (e.g. a copy of the build before a change).
# Needs: cargo, python3, curl, GNU time (/usr/bin/time). Data sets are generated here, not committed.
# Not part of CI (.ci/run): it takes minutes and its numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY="${1:-all}"
case "$ONLY" in all|hashing|passwordless|user-list) ;; *) echo "usage: bench/run.sh [hashing|passwordless|user-list]" >&2; exit 2 ;; esac
WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${ROSTER_BIN:-}" ]; then
  BIN="$(realpath "$ROSTER_BIN")"
else
  cargo build --release --locked -q
  BIN="$PWD/target/release/roster"
fi
CORES=$(nproc)
ITERATIONS=1500000
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $CORES cores; engine env ${ROSTER_PBKDF2_ENGINE:-automatic}"

gen() { # gen FILE COUNT WITH_PASSWORD
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, count, with_pw = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
with open(path, "w") as f:
    f.write("first_name;last_name;email;username;organizational_unit;job_title;password\n")
    for i in range(count):
        pw = f"Pw-{i}-Xq7-lantern" if with_pw else ""
        f.write(f"First{i};Last{i};user{i}@example.com;user{i};;Engineer;{pw}\n")
PY
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$ONLY" = all ] || [ "$ONLY" = hashing ]; then
echo "== 1. PBKDF2-HMAC-SHA256, ns/iteration per password (lower is better)"
cargo bench --locked -q --bench pbkdf2 2>/dev/null | grep -v '^$' > "$WORK/pbkdf2.txt"
python3 - "$WORK/pbkdf2.txt" "$CORES" "$ITERATIONS" <<'PY' | tee "$WORK/ratios.txt"
import hashlib, statistics, sys, time
path, cores, default_iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# The same RFC 7914 vector the engine's tests check, so OpenSSL is timed on a correct hash.
assert hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 4096).hex().startswith("c5e478d59288c841")
n = 300_000
runs = []
for _ in range(7):
    t = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"pw0", b"abcdefghijklmnopqrstuv", n)
    runs.append(time.perf_counter() - t)
openssl = statistics.median(runs) * 1e9 / n
lines = [l.rstrip("\n") for l in open(path)]
print(lines[0])
print(f"openssl (python hashlib), 1 password: {openssl:.1f}  (1.0x openssl)")
for line in lines[1:]:
    name, sep, value = line.rpartition(": ")
    ns = float(value)
    ratio = openssl / ns
    if "cores" in name:
        # Every core busy: per core, one password costs `ns * cores`.
        print(f"{line}  ({ratio:.1f}x one openssl core; {ratio / cores:.1f}x openssl per core)")
    else:
        print(f"{line}  ({ratio:.1f}x openssl)")
    if name.startswith("roster engine, 1 password"):
        login = ns * default_iterations / 1e9
        print(f"  login hash at {default_iterations:,} iterations: {login:.3f} s (openssl {openssl * default_iterations / 1e9:.3f} s)")
PY
# Part 2's ideal: one hash in a group of the engine the import uses (the single path for portable).
ENGINE=$(sed -n '1s/.*; engine \([a-z0-9-]*\),.*/\1/p' "$WORK/pbkdf2.txt")
GROUP_NS=$(awk -F': ' -v e="roster $ENGINE, " 'index($0, e) == 1 && /passwords in one thread/ {print $2}' "$WORK/pbkdf2.txt")
if [ -z "$GROUP_NS" ]; then
  GROUP_NS=$(awk -F': ' '/^roster engine, 1 password/ {print $2}' "$WORK/pbkdf2.txt")
fi
fi

if [ "$ONLY" = all ] || [ "$ONLY" = hashing ]; then
echo "== 2. import of 1,000 rows with passwords ($ITERATIONS iterations, engine $ENGINE)"
gen "$WORK/pw1000.csv" 1000 1
START=$(date +%s.%N)
"$BIN" --database "$WORK/pw.sqlite3" --pbkdf2-iterations "$ITERATIONS" import "$WORK/pw1000.csv" >/dev/null
END=$(date +%s.%N)
CREATED=$(sqlite3 "$WORK/pw.sqlite3" "SELECT COUNT(*) FROM auth_user WHERE password LIKE 'pbkdf2_sha256\$$ITERATIONS\$%'" 2>/dev/null || echo "?")
python3 -c "
wall=$END-$START; one=$GROUP_NS*$ITERATIONS/1e9; ideal=1000*one/$CORES
print(f'wall {wall:.1f} s for $CREATED users; ideal {ideal:.1f} s (1,000 x {one:.3f} s per hash in an engine group / $CORES cores): {100*(wall/ideal-1):+.1f}% over ideal')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$ONLY" = hashing ] && exit 0
fi

if [ "$ONLY" != user-list ]; then
echo "== 3. import of 100,000 rows without passwords (median of 3)"
gen "$WORK/nopw.csv" 100000 0
: > "$WORK/nopw.txt"
for run in 1 2 3; do
  rm -f "$WORK"/big.sqlite3*
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$BIN" --database "$WORK/big.sqlite3" --max-rows 100000 import "$WORK/nopw.csv" --allow-without-mail >/dev/null
  cat "$WORK/time.txt" >> "$WORK/nopw.txt"
done
python3 - "$WORK/nopw.txt" <<'PY'
import statistics, sys
runs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
secs = statistics.median(r[0] for r in runs)
cpu = statistics.median(r[2] + r[3] for r in runs)
peak = max(r[1] for r in runs) / 1024
print(f"{100000 / secs:,.0f} rows/s ({secs:.2f} s; runs {', '.join(f'{r[0]:.2f}' for r in runs)} s), "
      f"CPU (all threads) {cpu:.2f} s ({cpu * 10:.1f} us per row), peak RSS {peak:.0f} MB")
PY
rm -f "$WORK"/ceiling.sqlite3*
"$BIN" --database "$WORK/ceiling.sqlite3" migrate >/dev/null
python3 bench/sqlite_ceiling.py "$WORK/big.sqlite3" "$WORK/ceiling.sqlite3" > "$WORK/ceiling.txt"
python3 - "$WORK/nopw.txt" "$WORK/ceiling.txt" <<'PY'
import statistics, sys
runs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
roster = 100000 / statistics.median(r[0] for r in runs)
ceiling, cpu, users = open(sys.argv[2]).read().split()
print(f"SQLite alone, copying the same {int(users):,} users, group links, profiles and import rows "
      f"(INSERT ... SELECT, 2,048 a transaction, bench/sqlite_ceiling.py): {float(ceiling):,.0f} rows/s, "
      f"CPU {float(cpu):.2f} s; Roster's import reaches {roster / float(ceiling):.0%} of it")
PY
bench/postgres.sh "$BIN" "$WORK/nopw.csv" 100000
[ "$ONLY" = passwordless ] && exit 0
else
  gen "$WORK/nopw.csv" 100000 0
  "$BIN" --database "$WORK/big.sqlite3" --max-rows 100000 import "$WORK/nopw.csv" --allow-without-mail >/dev/null
fi

echo "== 4. user list at 100,000 users, 8 concurrent clients"
DB="$WORK/big.sqlite3"
ROSTER_SUPERUSER_PASSWORD=bench-admin-pw-7Qx "$BIN" --database "$DB" createsuperuser --username admin --email admin@example.com --noinput >/dev/null
"$BIN" --database "$DB" serve --bind 127.0.0.1:0 2> "$WORK/serve.log" &
SERVER=$!
ADDR=""
for _ in $(seq 100); do
  ADDR=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.log" | head -1 || true)
  [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "$ADDR" ] || { echo "the server did not say where it listens:"; cat "$WORK/serve.log"; exit 1; }
JAR="$WORK/jar"
T=$(curl -s -c "$JAR" -b "$JAR" "$ADDR/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -o /dev/null -c "$JAR" -b "$JAR" -H "Origin: $ADDR" -d "csrf_token=$T&username=admin&password=bench-admin-pw-7Qx" "$ADDR/login"
COOKIES=$(awk '!/^#/ || /^#HttpOnly_/ {sub(/^#HttpOnly_/, ""); if (NF >= 7) printf "%s=%s; ", $6, $7}' "$JAR")
python3 - "$ADDR" "$COOKIES" <<'PY'
import http.client, re, sys, threading, time, urllib.parse
base, cookies = sys.argv[1], sys.argv[2]
host = urllib.parse.urlsplit(base).netloc
CLIENTS, REQUESTS = 8, 40
pages = [
    ("/users", "/users"),
    ("search 'ser4242'", "/users?q=ser4242"),
    ("search 'example' (every user)", "/users?q=example"),
    ("sort by name, page 1,000", "/users?sort=name&page=1000"),
]

def get(conn, path):
    conn.request("GET", path, headers={"Cookie": cookies})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"{path}: HTTP {response.status} (not logged in?)")
    return body

conn = http.client.HTTPConnection(host)
first = get(conn, "/users").decode()
if "user99999" not in get(conn, "/users?sort=name&desc=1").decode() and "user9999" not in first:
    sys.exit("the user list does not show the imported users")
for label, path in pages:
    conn = http.client.HTTPConnection(host)  # a fresh one: the server closes idle keep-alive connections
    for _ in range(3):
        get(conn, path)  # warm the page cache and the statement cache
    samples = []
    lock = threading.Lock()
    def client():
        c = http.client.HTTPConnection(host)
        mine = []
        for _ in range(REQUESTS):
            t = time.perf_counter()
            get(c, path)
            mine.append(time.perf_counter() - t)
        with lock:
            samples.extend(mine)
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - started
    samples.sort()
    pct = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000
    print(f"{label}: p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {samples[-1]*1000:.1f} ms "
          f"({len(samples)} requests, {len(samples)/wall:.0f}/s)")
PY
