#!/usr/bin/env bash
# Builds Roster as one static binary and installs it. As root (without DESTDIR) it also creates the
# `roster` system user, the data directory and a hardened systemd unit. Idempotent: re-run to upgrade.
#
#   ./install.sh                       # as root: binary, user, /var/lib/roster, roster.service
#   PREFIX=$HOME/.local ./install.sh   # as a user: the binary only
#   DESTDIR=/tmp/stage ./install.sh    # everything under a staging root (packaging, CI)
#
# Sharing a Django project's database (the service writes only its data directory otherwise):
#   ./install.sh --django-db /srv/shop/db.sqlite3 [--django-group www-data]
# makes `roster` a member of the group (default: the file's group), gives that group write access
# to the file, its -wal/-shm files and its directory (setgid, so new files keep the group), adds the
# directory to the unit's ReadWritePaths and points ROSTER_DATABASE at the file.
#   ./install.sh --dry-run [--django-db ...]   # print what would be done and the unit; change nothing
set -euo pipefail
cd "$(dirname "$0")"
PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
DATA_DIR="${ROSTER_DATA_DIR:-/var/lib/roster}"
DJANGO_DB=""
DJANGO_GROUP=""
DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --django-db) DJANGO_DB="${2:?--django-db needs the path of the Django database file}"; shift 2 ;;
    --django-group) DJANGO_GROUP="${2:?--django-group needs a group name, e.g. www-data}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) echo "install.sh: unknown option $1 (see the comment at the top of install.sh)" >&2; exit 2 ;;
  esac
done
if [ -n "$DJANGO_GROUP" ] && [ -z "$DJANGO_DB" ]; then
  echo "install.sh: --django-group goes with --django-db PATH" >&2; exit 2
fi
DJANGO_DIR=""
if [ -n "$DJANGO_DB" ]; then
  if [ ! -f "$DJANGO_DB" ]; then
    echo "install.sh: --django-db $DJANGO_DB is not a file; give the project's existing database (after manage.py migrate)" >&2
    exit 2
  fi
  DJANGO_DB="$(realpath "$DJANGO_DB")"
  case "$DJANGO_DB" in *[[:space:]]*)
    echo "install.sh: --django-db $DJANGO_DB: a path with spaces cannot go into ReadWritePaths here; move or link the project" >&2
    exit 2 ;;
  esac
  DJANGO_DIR="$(dirname "$DJANGO_DB")"
  DJANGO_GROUP="${DJANGO_GROUP:-$(stat -c %G "$DJANGO_DB")}"
  if ! getent group "$DJANGO_GROUP" >/dev/null 2>&1; then
    echo "install.sh: --django-group $DJANGO_GROUP is no group on this machine" >&2; exit 2
  fi
fi

# The unit file; with --django-db the project's directory is writable and its group supplementary.
render_unit() {
  local read_write="$DATA_DIR" protect_home=yes extra_groups=""
  if [ -n "$DJANGO_DIR" ]; then
    read_write="$DATA_DIR $DJANGO_DIR"
    extra_groups="SupplementaryGroups=$DJANGO_GROUP"
    case "$DJANGO_DIR/" in /home/*|/root/*|/run/user/*) protect_home=read-only ;; esac
  fi
  cat <<UNIT
[Unit]
Description=Roster: CSV onboarding into a Django-compatible user store
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=roster
Group=roster
${extra_groups:+$extra_groups
}EnvironmentFile=/etc/roster/roster.env
ExecStart=$PREFIX/bin/roster serve
Restart=on-failure
# Room for many clients; each client is held to 64 open connections (see README, Security).
LimitNOFILE=65536
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$read_write
ProtectHome=$protect_home
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
CapabilityBoundingSet=
SystemCallArchitectures=native
SystemCallFilter=@system-service

[Install]
WantedBy=multi-user.target
UNIT
}

# What sharing the project's database changes, one command a line (run, or printed by --dry-run).
share_commands() {
  [ -n "$DJANGO_DB" ] || return 0
  echo "usermod -a -G $DJANGO_GROUP roster"
  echo "chgrp $DJANGO_GROUP $DJANGO_DIR $DJANGO_DB"
  echo "chmod g+rwxs $DJANGO_DIR"
  echo "chmod g+rw $DJANGO_DB"
  for f in "$DJANGO_DB-wal" "$DJANGO_DB-shm" "$DJANGO_DB-journal"; do
    if [ -e "$f" ]; then echo "chgrp $DJANGO_GROUP $f"; echo "chmod g+rw $f"; fi
  done
}

if [ "$DRY_RUN" = 1 ]; then
  echo "# dry run: nothing is built, installed or changed"
  if [ -n "$DJANGO_DB" ]; then
    echo "# sharing $DJANGO_DB with group $DJANGO_GROUP:"
    share_commands
    echo "# /etc/roster/roster.env (new installs): ROSTER_DATABASE=$DJANGO_DB"
  fi
  echo "# $DESTDIR/etc/systemd/system/roster.service:"
  render_unit
  exit 0
fi
HOST="$(rustc -vV | sed -n 's/^host: //p')"

echo "Building a static binary for $HOST (first build takes a few minutes)"
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --target "$HOST" --target-dir target/static
BIN="target/static/$HOST/release/roster"
if command -v ldd >/dev/null 2>&1; then
  if ldd "$BIN" 2>&1 | grep -Eq 'statically linked|not a dynamic executable'; then
    echo "Static binary: $(ldd "$BIN" 2>&1 | head -1 | sed 's/^[[:space:]]*//')"
  else
    echo "warning: $BIN is not statically linked:" >&2
    ldd "$BIN" >&2 || true
  fi
fi

install -d "$DESTDIR$PREFIX/bin"
install -m 0755 "$BIN" "$DESTDIR$PREFIX/bin/roster"
echo "Installed $("$DESTDIR$PREFIX/bin/roster" --version) to $DESTDIR$PREFIX/bin/roster"

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
  echo "Not root: skipped the system user and service. Run: roster --database PATH serve"
  exit 0
fi

# The service account owns the data directory; nobody else can read it (password hashes).
if [ -z "$DESTDIR" ] && ! getent passwd roster >/dev/null 2>&1; then
  useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin roster
fi
install -d -m 0700 "$DESTDIR$DATA_DIR"
install -d -m 0755 "$DESTDIR/etc/roster"
if [ -z "$DESTDIR" ]; then
  chown roster:roster "$DATA_DIR"
  # Sharing a Django project's database: group write on the file, its journals and its directory.
  share_commands | while read -r cmd; do echo "+ $cmd"; $cmd; done
elif [ -n "$DJANGO_DB" ]; then
  echo "DESTDIR is set: not changing $DJANGO_DB; on the target machine run:"
  share_commands
fi

# Settings live in an owner-only environment file that upgrades never overwrite.
ENV_FILE="$DESTDIR/etc/roster/roster.env"
if [ ! -e "$ENV_FILE" ]; then
  umask 077
  cat > "$ENV_FILE" <<ENV
# Roster settings (see README.md). Restart the service after changes.
ROSTER_DATABASE=${DJANGO_DB:-$DATA_DIR/roster.sqlite3}
${DJANGO_DB:+# Set AUTH_USER_MODEL and SECRET_KEY as in the Django settings (reset links then work both ways):
#ROSTER_USER_MODEL=auth.User
#ROSTER_SECRET_KEY=
#ROSTER_SECRET_KEY_FILE=$DATA_DIR/secret-key
}ROSTER_BIND=127.0.0.1:8000
#ROSTER_BASE_URL=https://roster.example.com
#ROSTER_EMAIL_HOST=smtp.example.com
#ROSTER_EMAIL_PORT=587
#ROSTER_EMAIL_USE_TLS=true
#ROSTER_EMAIL_HOST_USER=roster@example.com
#ROSTER_EMAIL_HOST_PASSWORD=
#ROSTER_DEFAULT_FROM_EMAIL=roster@example.com
ENV
  umask 022
elif [ -n "$DJANGO_DB" ] && ! grep -q "^ROSTER_DATABASE=$DJANGO_DB\$" "$ENV_FILE"; then
  echo "Kept $ENV_FILE: set ROSTER_DATABASE=$DJANGO_DB (and ROSTER_USER_MODEL, ROSTER_SECRET_KEY) there"
fi

install -d -m 0755 "$DESTDIR/etc/systemd/system"
render_unit > "$DESTDIR/etc/systemd/system/roster.service"
echo "Wrote $DESTDIR/etc/systemd/system/roster.service and $ENV_FILE"

if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable roster.service >/dev/null
  if systemctl is-active --quiet roster.service; then
    systemctl restart roster.service
    echo "Restarted roster.service with the new binary"
  else
    echo "Enabled roster.service; start it with: systemctl start roster"
    echo "On first start it prints a one-time setup link: journalctl -u roster"
  fi
else
  echo "systemd not used here; run: sudo -u roster $PREFIX/bin/roster --database $DATA_DIR/roster.sqlite3 serve"
fi
