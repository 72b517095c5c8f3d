#!/usr/bin/env bash
# Roster's benchmarks, all on this machine in one run; numbers go to the README by hand.
#   1. PBKDF2-SHA256 ns/iteration: OpenSSL (Python hashlib), RustCrypto, ring, Roster's engine (1, group, all cores)
#   2. `roster import` of 1,000 rows with passwords: wall time vs ideal (rows x one hash in an engine group / cores)
#   3. `roster import` of 100,000 rows without passwords: rows/s and peak RSS
#   4. p99 latency of an admin page while a 2,000-password import runs in the server
# Needs: cargo, python3, curl, GNU time (/usr/bin/time). Data sets are generated here, not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cargo build --release --locked -q
BIN="$PWD/target/release/roster"
CORES=$(nproc)

echo "== 1. PBKDF2-SHA256, ns/iteration per password (lower is better)"
cargo bench --locked -q --bench pbkdf2 2>/dev/null | grep -v '^$' | tee "$WORK/pbkdf2.txt"
python3 - "$WORK/pbkdf2.txt" <<'PY'
import hashlib, sys, time, statistics
# The same RFC 7914 vector the engine's tests check, so OpenSSL is timed on a correct hash.
assert hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 4096).hex().startswith("c5e478d59288c841")
n = 300_000
runs = []
for _ in range(7):
    t = time.perf_counter(); hashlib.pbkdf2_hmac("sha256", b"pw0", b"abcdefghijklmnopqrstuv", n); runs.append(time.perf_counter() - t)
openssl = statistics.median(runs) * 1e9 / n
print(f"openssl (python hashlib), 1 password: {openssl:.1f}")
for line in open(sys.argv[1]):
    name, sep, value = line.rpartition(": ")
    if sep and value.strip().replace(".", "", 1).isdigit():
        print(f"  {name}: {openssl / float(value):.1f}x openssl")
PY
GROUP_NS=$(awk -F': ' '/passwords in one thread/ {print $2}' "$WORK/pbkdf2.txt")

gen() { # gen FILE COUNT WITH_PASSWORD
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, count, with_pw = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
with open(path, "w") as f:
    f.write("first_name;last_name;email;username;organizational_unit;job_title;password\n")
    for i in range(count):
        pw = f"pw-{i}-Xq7" if with_pw else ""
        f.write(f"First{i};Last{i};user{i}@example.com;user{i};;Engineer;{pw}\n")
PY
}

echo "== 2. import of 1,000 rows with passwords"
gen "$WORK/pw1000.csv" 1000 1
START=$(date +%s.%N)
"$BIN" --database "$WORK/pw.sqlite3" import "$WORK/pw1000.csv" >/dev/null
END=$(date +%s.%N)
python3 -c "
wall=$END-$START; one=$GROUP_NS*1.5e6/1e9; ideal=1000*one/$CORES
print(f'wall {wall:.1f} s; ideal {ideal:.1f} s (1000 x {one:.3f} s per hash in an engine group / $CORES cores); {100*(wall/ideal-1):+.1f}% over ideal')"

echo "== 3. import of 100,000 rows without passwords"
gen "$WORK/nopw.csv" 100000 0
/usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BIN" --database "$WORK/big.sqlite3" --max-rows 100000 import "$WORK/nopw.csv" --allow-without-mail >/dev/null
read -r SECS KB < "$WORK/time.txt"
python3 -c "print(f'{100000/$SECS:,.0f} rows/s ({$SECS} s), peak RSS {$KB/1024:.0f} MB')"

echo "== 4. admin page latency while a 2,000-password import runs"
gen "$WORK/pw2000.csv" 2000 1
DB="$WORK/serve.sqlite3"
ROSTER_SUPERUSER_PASSWORD=bench-admin-pw "$BIN" --database "$DB" createsuperuser --username admin --email admin@example.com --noinput >/dev/null
"$BIN" --database "$DB" serve --bind 127.0.0.1:8799 2>/dev/null &
sleep 1
JAR="$WORK/jar"
T=$(curl -s -c "$JAR" -b "$JAR" http://127.0.0.1:8799/login | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -o /dev/null -c "$JAR" -b "$JAR" -d "csrf_token=$T&username=admin&password=bench-admin-pw" http://127.0.0.1:8799/login
T=$(curl -s -c "$JAR" -b "$JAR" http://127.0.0.1:8799/users/import | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
PREVIEW=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$JAR" -b "$JAR" -F "csrf_token=$T" -F "file=@$WORK/pw2000.csv;type=text/csv" http://127.0.0.1:8799/users/import)
RESULT=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$JAR" -b "$JAR" -d "csrf_token=$T" "$PREVIEW/commit")
: > "$WORK/lat.txt"
while curl -s -b "$JAR" "$RESULT/progress.json" | grep -q '"running"'; do
  curl -s -o /dev/null -w '%{time_total}\n' -b "$JAR" http://127.0.0.1:8799/users >> "$WORK/lat.txt"
  sleep 0.05
done
python3 - "$WORK/lat.txt" <<'PY'
import sys
v = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
if not v: print("import finished before any request"); sys.exit()
p = lambda q: v[min(len(v) - 1, int(q * len(v)))] * 1000
print(f"{len(v)} requests to /users during the import: median {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {v[-1]*1000:.1f} ms")
PY
