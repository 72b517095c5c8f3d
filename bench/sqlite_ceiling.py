"""SQLite's own speed for Roster's write set: copies the users an import made (auth_user, the group
links, profiles and import rows, the search triggers firing) from SOURCE into EMPTY, a freshly
migrated Roster database, 2,048 users per transaction as the import commits them, with Roster's
pragmas. No parsing, checking or planning: the rate Roster's passwordless import cannot beat here.

    python3 bench/sqlite_ceiling.py SOURCE.sqlite3 EMPTY.sqlite3    (prints users/s and CPU s)
"""
import sqlite3
import sys
import time

BATCH = 2048
source, empty = sys.argv[1], sys.argv[2]
db = sqlite3.connect(empty, isolation_level=None)
for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL",
               "temp_store = MEMORY", "cache_size = -16384"):
    db.execute(f"PRAGMA {pragma}")
db.execute("ATTACH ? AS src", (source,))
for table in ("auth_group", "roster_organizational_unit", "roster_import"):
    db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
first, last = db.execute("SELECT MIN(id), MAX(id) FROM src.auth_user").fetchone()
wall, cpu = time.perf_counter(), time.process_time()
for low in range(first, last + 1, BATCH):
    high = low + BATCH - 1
    db.execute("BEGIN IMMEDIATE")
    for table, column in (("auth_user", "id"), ("auth_user_groups", "user_id"),
                          ("roster_user_profile", "user_id"), ("roster_import_row", "user_id")):
        db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table} "
                   f"WHERE {column} BETWEEN ? AND ?", (low, high))
    db.execute("COMMIT")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
users = db.execute("SELECT COUNT(*) FROM main.auth_user").fetchone()[0]
print(f"{users / wall:.0f} {cpu:.2f} {users}")
