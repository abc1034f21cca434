#!/usr/bin/env bash
# The system packages dbtools needs, checked (and installed when it can) before a command runs.
#
#   scripts/system-packages.sh test|start|ci [--check]
#
# test, ci: PostgreSQL (server and client), Chromium, nginx, pebble, openssl, OpenSSH's server
#           and rsync are required.
# start:    PostgreSQL is required (the embedded cluster); nginx (the hosting servers' front
#           ends), pebble (the demo's ACME CA and DNS), and OpenSSH's server and rsync (the
#           upgrade platform's transfers) are optional: the platform starts without them and says
#           what it lacks (without the last two, its upgrade platform does not start).
# As root (test, ci), the upgrade platform's SSH server needs a system user of its own,
# dbtools-upgrade: made when missing (never root: the transfers run as that user).
# Quiet when everything is there. As root with apt-get (and without --check) it installs what is
# missing, optional packages included, and says so (one `apt-get update` first, only then);
# otherwise it prints exactly what to install and exits non-zero only when something the command
# requires is missing.
# DBTOOLS_SYSTEM_ROOT prefixes every path looked at (the tests point it at a folder of their own).
set -euo pipefail

command=${1:-}
mode=${2:-}
case "$command" in test | start | ci) ;; *)
  echo "usage: $0 test|start|ci [--check]" >&2
  exit 2
  ;;
esac
root=${DBTOOLS_SYSTEM_ROOT:-}
if [ "$command" = ci ]; then label="the CI run"; else label="\`npm $command\`"; fi

# package name, then whether the command needs it, then the test that says it is there.
have_postgresql() {
  local bin
  for bin in "$root"/usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/pg_dump" ] && [ -x "$bin/pg_restore" ] && [ -x "$bin/psql" ] && return 0
  done
  return 1
}
have_chromium() { [ -x "$root/usr/bin/chromium" ]; }
have_nginx() { [ -x "$root/usr/sbin/nginx" ]; }
have_pebble() { [ -x "$root/usr/bin/pebble" ] && [ -x "$root/usr/bin/pebble-challtestsrv" ]; }
have_openssl() { [ -x "$root/usr/bin/openssl" ]; }
have_openssh_server() { [ -x "$root/usr/sbin/sshd" ] && [ -x "$root/usr/bin/ssh" ] && [ -x "$root/usr/bin/ssh-keygen" ]; }
have_rsync() { [ -x "$root/usr/bin/rsync" ] && [ -x "$root/usr/bin/rrsync" ]; }

# What each package is for, said when it is missing.
declare -A why=(
  [postgresql]="PostgreSQL server and client (the embedded cluster, dumps and restores)"
  [chromium]="Chromium (the end-to-end tests' browser, /usr/bin/chromium)"
  [nginx-light]="nginx (each hosting server's front end, /usr/sbin/nginx)"
  [pebble]="pebble and pebble-challtestsrv (the demo's ACME CA and DNS)"
  [openssl]="openssl (certificates in the tests)"
  [openssh-server]="OpenSSH's server and client (the upgrade platform's transfers, /usr/sbin/sshd)"
  [rsync]="rsync and rrsync (the upgrade platform's transfers)"
)
declare -A check=([postgresql]=have_postgresql [chromium]=have_chromium [nginx-light]=have_nginx [pebble]=have_pebble [openssl]=have_openssl
  [openssh-server]=have_openssh_server [rsync]=have_rsync)

case "$command" in
  start) required=(postgresql) optional=(nginx-light pebble openssh-server rsync) ;;
  *) required=(postgresql chromium nginx-light pebble openssl openssh-server rsync) optional=() ;;
esac

missing_of() {
  local p
  for p in "$@"; do "${check[$p]}" || echo "$p"; done
}

mapfile -t missing_required < <(missing_of "${required[@]}")
mapfile -t missing_optional < <(missing_of "${optional[@]+"${optional[@]}"}")

# Root with apt installs what is missing: what the command requires, and for `start` what the
# embedded default uses too (nginx, pebble), as `npm test` does; a failed optional install only warns.
to_install=("${missing_required[@]+"${missing_required[@]}"}" "${missing_optional[@]+"${missing_optional[@]}"}")
if [ ${#to_install[@]} -gt 0 ] && [ "$mode" != "--check" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "dbtools: installing the system packages $label uses:"
  for p in "${to_install[@]}"; do echo "  - $p: ${why[$p]}"; done
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${to_install[@]}" >/dev/null; then
    echo "dbtools: installed ${to_install[*]}"
  else
    echo "dbtools: apt-get could not install ${to_install[*]} (above)" >&2
  fi
  mapfile -t missing_required < <(missing_of "${required[@]}")
  mapfile -t missing_optional < <(missing_of "${optional[@]+"${optional[@]}"}")
fi

status=0
if [ ${#missing_required[@]} -gt 0 ]; then
  echo "dbtools: $label needs these system packages:" >&2
  for p in "${missing_required[@]}"; do echo "  - $p: ${why[$p]}" >&2; done
  echo "Install them with: sudo apt-get install -y ${missing_required[*]}" >&2
  status=1
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
  echo "dbtools: optional system packages are missing; it runs without them:" >&2
  for p in "${missing_optional[@]}"; do echo "  - $p: ${why[$p]}" >&2; done
  echo "Install them with: sudo apt-get install -y ${missing_optional[*]}" >&2
fi
# Real Odoo (../shared/odoo, or DBTOOLS_ODOO_SOURCES) for the real-Odoo tests: its own script
# installs the Debian python3 packages Odoo needs (quiet and quick when they are there).
odoo_sources=${DBTOOLS_ODOO_SOURCES:-$(cd "$(dirname "$0")/.." && pwd)/../shared/odoo}
# A clone made elsewhere (CI's clean clone) finds the shared folder at the workplace's fixed place.
[ -z "${DBTOOLS_ODOO_SOURCES:-}" ] && [ ! -d "$odoo_sources" ] && [ -d /work/shared/odoo ] && odoo_sources=/work/shared/odoo
if [ "$command" != start ] && [ -z "$root" ] && [ "$mode" != "--check" ] && [ -x "$odoo_sources/install-deps.sh" ]; then
  if ! "$odoo_sources/install-deps.sh" >&2; then
    echo "dbtools: the real-Odoo tests need Odoo's python3 packages (above)" >&2
    [ "$command" = ci ] && status=1
  fi
fi
# The upgrade platform's SSH server never runs as root: as root, it runs as a system user of its own.
if [ "$command" != start ] && [ "$mode" != "--check" ] && [ "$(id -u)" = 0 ] && [ -z "$root" ] && ! id dbtools-upgrade >/dev/null 2>&1; then
  echo "dbtools: making the system user dbtools-upgrade (the upgrade platform's transfers)"
  useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh dbtools-upgrade
fi
# PostgreSQL refuses to run as root: as root, the clusters run as the postgres user its package creates.
if [ $status = 0 ] && [ "$(id -u)" = 0 ] && [ -z "$root" ] && ! id postgres >/dev/null 2>&1; then
  echo "dbtools: there is no postgres system user (the postgresql package creates it); the clusters cannot run as root" >&2
  status=1
fi
exit $status
