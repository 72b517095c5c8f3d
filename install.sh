#!/usr/bin/env bash
# Builds Roster as one static binary and installs it. As root (without DESTDIR) it also creates the
# `roster` system user, the data directory and a hardened systemd unit. Idempotent: re-run to upgrade.
#
#   ./install.sh                       # as root: binary, user, /var/lib/roster, roster.service
#   PREFIX=$HOME/.local ./install.sh   # as a user: the binary only
#   DESTDIR=/tmp/stage ./install.sh    # everything under a staging root (packaging, CI)
set -euo pipefail
cd "$(dirname "$0")"
PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
DATA_DIR="${ROSTER_DATA_DIR:-/var/lib/roster}"
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
fi

# Settings live in an owner-only environment file that upgrades never overwrite.
ENV_FILE="$DESTDIR/etc/roster/roster.env"
if [ ! -e "$ENV_FILE" ]; then
  umask 077
  cat > "$ENV_FILE" <<ENV
# Roster settings (see README.md). Restart the service after changes.
ROSTER_DATABASE=$DATA_DIR/roster.sqlite3
ROSTER_BIND=127.0.0.1:8000
#ROSTER_BASE_URL=https://roster.example.com
#ROSTER_EMAIL_HOST=smtp.example.com
#ROSTER_EMAIL_PORT=587
#ROSTER_EMAIL_USE_TLS=true
#ROSTER_EMAIL_HOST_USER=roster@example.com
#ROSTER_EMAIL_HOST_PASSWORD=
#ROSTER_DEFAULT_FROM_EMAIL=roster@example.com
ENV
  umask 022
fi

install -d -m 0755 "$DESTDIR/etc/systemd/system"
cat > "$DESTDIR/etc/systemd/system/roster.service" <<UNIT
[Unit]
Description=Roster: CSV onboarding into a Django-compatible user store
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=roster
Group=roster
EnvironmentFile=/etc/roster/roster.env
ExecStart=$PREFIX/bin/roster serve
Restart=on-failure
# Room for many clients; each client is held to 64 open connections (see README, Security).
LimitNOFILE=65536
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$DATA_DIR
ProtectHome=yes
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
