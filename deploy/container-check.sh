#!/usr/bin/env bash
# Build the image and run it on a machine without a Docker engine: buildah (vfs storage,
# chroot isolation) on a Debian bookworm + python3 base made with debootstrap (cached),
# then start it on the host network against a running emulator and check /healthz, the
# login page, a real login, the non-root user and that the build secret left no trace;
# `propdesk db current` answers in the image, and with a read-only root filesystem the app
# starts with its journal (SQLite) in the data volume.
set -euo pipefail
cd "$(dirname "$0")/.."

B=(buildah --storage-driver vfs)
CACHE="${PROPDESK_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/propdesk-container}"
BASE_IMAGE=localhost/propdesk-base:bookworm
IMAGE=localhost/propdesk:check
PY="${PYTHON:-.venv/bin/python}"
WORK="$(mktemp -d)"
pids=()
containers=()
mounts=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount "${mounts[$i]}" 2>/dev/null || true; done
  for c in "${containers[@]}"; do
    "${B[@]}" umount "$c" >/dev/null 2>&1 || true
    "${B[@]}" rm "$c" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

mirror() {  # the Debian mirror this machine's apt uses (never hard-coded here)
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
  fi
  echo "$uri"
}

echo "== base image ($BASE_IMAGE)"
if ! "${B[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  if [ ! -x "$CACHE/rootfs/usr/bin/python3" ]; then
    mkdir -p "$CACHE"
    rm -rf "$CACHE/rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      bookworm "$CACHE/rootfs" "$(mirror)" > "$CACHE/debootstrap.log"
  fi
  ctr=$("${B[@]}" from scratch)
  containers+=("$ctr")
  "${B[@]}" copy "$ctr" "$CACHE/rootfs/" / >/dev/null
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 "$ctr"
  "${B[@]}" commit --quiet "$ctr" "$BASE_IMAGE" >/dev/null
fi

echo "== build ($IMAGE)"
secret=()
ca="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
[ -s "$ca" ] && secret=(--secret "id=pip_ca,src=$ca")
"${B[@]}" bud --format docker --isolation chroot --build-arg "BASE=$BASE_IMAGE" "${secret[@]}" \
  --quiet -t "$IMAGE" . >/dev/null

user=$("${B[@]}" inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
[ "$user" = "10001:10001" ] || { echo "image user is '$user', not 10001:10001"; exit 1; }
cmd=$("${B[@]}" inspect --type image --format '{{.OCIv1.Config.Cmd}}' "$IMAGE")
echo "   user $user, CMD $cmd"

echo "== run against the emulator"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EPORT=$(free_port)
DPORT=$(free_port)
"$PY" -m app.cli emulator --port "$EPORT" --db "$WORK/emulator.sqlite3" --seed demo \
  > "$WORK/emulator.log" 2>&1 &
pids+=($!)
ctr=$("${B[@]}" from --quiet "$IMAGE")
containers+=("$ctr")
secret_state=$("${B[@]}" run --isolation chroot "$ctr" -- \
  sh -c 'if test -e /run/secrets/pip_ca; then echo PRESENT; else echo ABSENT; fi')
[ "$secret_state" = "ABSENT" ] || { echo "the pip CA secret is in the image"; exit 1; }
health=$("${B[@]}" inspect --type image --format '{{.Docker.Config.Healthcheck}}' "$IMAGE")
case "$health" in *healthz*) ;; *) echo "no HEALTHCHECK in the image: $health"; exit 1;; esac
echo "   no build secret left in the image; HEALTHCHECK kept"
db_state=$("${B[@]}" run --isolation chroot "$ctr" -- propdesk db current)
case "$db_state" in *"revision none"*) ;; *) echo "propdesk db current: $db_state"; exit 1;; esac
echo "   propdesk db current before the first start: $db_state"
"${B[@]}" run --isolation chroot --network host \
  -e PROPDESK_CD_URL="http://127.0.0.1:$EPORT" \
  -e PROPDESK_SECRET_KEY="container-check-secret-key-0123456789" \
  -e PROPDESK_BIND="127.0.0.1:$DPORT" \
  -e PROPDESK_COOKIE_SECURE=0 \
  "$ctr" -- python3 -m gunicorn -c deploy/gunicorn.conf.py 'app:create_app()' \
  > "$WORK/container.log" 2>&1 &
pids+=($!)

"$PY" deploy/login_check.py "$DPORT" "container"
db_state=$("${B[@]}" run --isolation chroot "$ctr" -- propdesk db current)
case "$db_state" in *"(head)"*) ;; *) echo "propdesk db current: $db_state"; exit 1;; esac
echo "   the app migrated its journal at start: $db_state"
echo "== run with a read-only root filesystem (writable: the data volume, /tmp)"
RO="$WORK/rootfs-ro"
mkdir -p "$RO"
ro_ctr=$("${B[@]}" from --quiet "$IMAGE")
containers+=("$ro_ctr")
mnt=$("${B[@]}" mount "$ro_ctr")
mount --bind "$mnt" "$RO" && mounts+=("$RO")
mount -o remount,ro,bind "$RO"
mount -t tmpfs -o mode=1777 tmpfs "$RO/tmp" && mounts+=("$RO/tmp")
mount -t tmpfs -o mode=0700,uid=10001,gid=10001 tmpfs "$RO/var/lib/propdesk" \
  && mounts+=("$RO/var/lib/propdesk")
if touch "$RO/probe" 2>/dev/null; then echo "the root filesystem is writable"; exit 1; fi
RPORT=$(free_port)
chroot --userspec=10001:10001 "$RO" /usr/bin/env -i \
  PATH=/opt/venv/bin:/usr/bin:/bin PYTHONPATH=/srv/propdesk PYTHONUNBUFFERED=1 \
  PROPDESK_CD_URL="http://127.0.0.1:$EPORT" \
  PROPDESK_SECRET_KEY="container-check-secret-key-0123456789" \
  PROPDESK_BIND="127.0.0.1:$RPORT" PROPDESK_COOKIE_SECURE=0 \
  PROPDESK_SESSION_DIR=/var/lib/propdesk/sessions PROPDESK_DATA_DIR=/var/lib/propdesk \
  PROMETHEUS_MULTIPROC_DIR=/tmp/propdesk-metrics \
  /bin/sh -c 'cd /srv/propdesk && exec python3 -m gunicorn -c deploy/gunicorn.conf.py "app:create_app()"' \
  > "$WORK/readonly.log" 2>&1 &
pids+=($!)
"$PY" deploy/login_check.py "$RPORT" "read-only root" || { tail -20 "$WORK/readonly.log"; exit 1; }
[ -s "$RO/var/lib/propdesk/propdesk.sqlite3" ] || { echo "no journal in the data volume"; exit 1; }
ro_db=$(chroot --userspec=10001:10001 "$RO" /usr/bin/env -i PATH=/opt/venv/bin:/usr/bin:/bin \
  PROPDESK_DATA_DIR=/var/lib/propdesk propdesk db current)
case "$ro_db" in *"(head)"*) ;; *) echo "read-only propdesk db current: $ro_db"; exit 1;; esac
echo "   journal in the data volume, read-only root: $ro_db"
echo "== container check passed"
