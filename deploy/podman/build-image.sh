#!/usr/bin/env bash
# Builds the evalbridge image with podman where no container registry is reachable, then proves it.
#   deploy/podman/build-image.sh
#
# 1. base rootfs: a Debian 12 (bookworm) minbase made by debootstrap from the Debian mirror apt
#    already uses here, kept as a tarball in the cache folder (later runs reuse it);
# 2. base image: `podman import` of that tarball as localhost/debian-base:12 (skipped when the image
#    already holds this very tarball: a label records its sha256);
# 3. image: `podman build --isolation=chroot` of deploy/docker/Dockerfile with BASE_IMAGE and
#    RUNTIME_IMAGE set to the base (podman's layer cache makes an unchanged rebuild quick);
# 4. proof: `podman run` fails on setrlimit in this kind of VM, so the image is mounted read-only
#    (`podman image mount`) and its binaries run from it by chroot as the image's own user
#    (uid 10001), with the image's environment, in a private mount namespace with tmpfs on /tmp and
#    /var/lib/evalbridge (a read-only root, as in Kubernetes): `id`, `evalbridge --version`,
#    `evalbridge-sim --help`, a PostgreSQL ledger.url (the module and libpq load), and the image's
#    entrypoint with `demo` (the bridge against the bundled simulators on 127.0.0.1: three cycles,
#    exactly-once, rescore, resolution pulled back).
#
# Settings (environment):
#   EVALBRIDGE_IMAGE        the image to build (default localhost/evalbridge:dev)
#   EVALBRIDGE_BASE_IMAGE   the imported base (default localhost/debian-base:12)
#   EVALBRIDGE_IMAGE_CACHE  folder for the rootfs tarball and the logs (default /var/cache/evalbridge-image)
#   EVALBRIDGE_IMAGE_JOBS   compile jobs inside the build (default: nproc)
# Needs root (debootstrap, podman's root storage, mounts, chroot): runs itself with sudo otherwise.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=EVALBRIDGE_IMAGE,EVALBRIDGE_BASE_IMAGE,EVALBRIDGE_IMAGE_CACHE,EVALBRIDGE_IMAGE_JOBS \
    "$0" "$@"
fi
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
image="${EVALBRIDGE_IMAGE:-localhost/evalbridge:dev}"
base="${EVALBRIDGE_BASE_IMAGE:-localhost/debian-base:12}"
cache_dir="${EVALBRIDGE_IMAGE_CACHE:-/var/cache/evalbridge-image}"
jobs="${EVALBRIDGE_IMAGE_JOBS:-$(nproc 2>/dev/null || echo 2)}"
suite=bookworm
arch="$(dpkg --print-architecture)"
# The recipe's version is in the name: a change to make_rootfs must bump it.
tarball="$cache_dir/debian-12-$suite-minbase-$arch-r2.tar"
label=org.evalbridge.rootfs.sha256
mkdir -p "$cache_dir/logs"

timings=()
started=$EPOCHREALTIME
current="" current_started=""
rootfs_work=""   # a debootstrap tree being made (removed on exit)
mounted=""       # the image while it is mounted (unmounted on exit)
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# step NAME COMMAND...: runs one step and records how long it took.
step() {
  current=$1 current_started=$EPOCHREALTIME
  shift
  echo "--- $current"
  "$@"
  local took
  took=$(seconds_since "$current_started")
  timings+=("$(printf '%8s s  %s' "$took" "$current")")
  echo "    ($took s)"
  current=""
}
# On any exit: undo what a step left (mounts, a half-made tree), then the timings, a failed step last.
on_exit() {
  local code=$?
  if [ -n "$mounted" ]; then podman image unmount "$mounted" >/dev/null || true; fi
  if [ -n "$rootfs_work" ]; then
    # debootstrap mounts /proc and /sys inside the tree: never delete across a leftover mount.
    umount -R "$rootfs_work/rootfs/proc" "$rootfs_work/rootfs/sys" 2>/dev/null || true
    rm -rf --one-file-system "$rootfs_work"
  fi
  echo "=== timings"
  [ ${#timings[@]} -eq 0 ] || printf '%s\n' "${timings[@]}"
  if [ -n "$current" ]; then printf '%8s s  %s: FAILED\n' "$(seconds_since "$current_started")" "$current"; fi
  printf '%8s s  total\n' "$(seconds_since "$started")"
  exit "$code"
}
trap on_exit EXIT
# quiet LOG COMMAND...: runs a long, chatty command with its output in LOG; on failure shows the end.
quiet() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "failed: $*" >&2
    tail -n 60 "$log" >&2
    echo "(whole log: $log)" >&2
    return 1
  fi
}

# apt_mirror SUITE: the first http(s) URI that apt is configured to use for SUITE (deb822 .sources
# first, then the one-line format).
apt_mirror() {
  local want=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v want="$want" '
      BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; enabled = 1
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^[ \t]*#/ || !match($i, /^[A-Za-z-]+:/)) continue
          key = tolower(substr($i, 1, RLENGTH - 1)); val = substr($i, RLENGTH + 1)
          gsub(/[ \t]+/, " ", val)
          if (key == "types") types = val; else if (key == "uris") uris = val
          else if (key == "suites") suites = val
          else if (key == "enabled" && val ~ /[Nn]o/) enabled = 0
        }
        if (!enabled || (types " ") !~ / deb / || (suites " ") !~ (" " want " ")) next
        n = split(uris, u, " ")
        for (j = 1; j <= n; j++) if (u[j] ~ /^https?:\/\//) { print u[j]; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v want="$want" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
        if ($(i + 1) == want && $i ~ /^https?:\/\//) { print $i; exit }
      }' "$f"
  done
}

install_packages() {
  "$root_dir/scripts/install-packages.sh" podman debootstrap
  podman --version
}

make_rootfs() {
  if [ -s "$tarball" ]; then
    echo "    cached: $tarball ($(du -h "$tarball" | cut -f1))"
    return
  fi
  local mirror security updates work
  mirror="$(apt_mirror "$suite" | head -n 1)"
  updates="$(apt_mirror "$suite-updates" | head -n 1)"
  security="$(apt_mirror "$suite-security" | head -n 1)"
  if [ -z "$mirror" ]; then
    mirror=http://deb.debian.org/debian
    echo "    no $suite entry in apt's sources here; using $mirror"
  fi
  mirror="${mirror%/}"
  echo "    debootstrap --variant=minbase $suite from $mirror"
  work="$(mktemp -d "$cache_dir/rootfs.XXXXXX")"
  rootfs_work=$work
  local include=()
  [[ "$mirror" == https://* ]] && include=(--include=ca-certificates)
  quiet "$cache_dir/logs/debootstrap.log" \
    debootstrap --variant=minbase --arch="$arch" "${include[@]}" "$suite" "$work/rootfs" "$mirror"
  {
    echo "deb $mirror $suite main"
    [ -z "$updates" ] || echo "deb ${updates%/} $suite-updates main"
    [ -z "$security" ] || echo "deb ${security%/} $suite-security main"
  } >"$work/rootfs/etc/apt/sources.list"
  # As Debian's own container images: apt keeps no downloaded packages nor its caches, and (as
  # debian:12-slim) dpkg installs no documentation, manual pages or translations, here and in the
  # images built on this base.
  cat >"$work/rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
DPKG
  find "$work/rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  rm -rf "$work/rootfs/usr/share/man/"* "$work/rootfs/usr/share/info/"* "$work/rootfs/usr/share/locale/"* \
    "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/cache/apt/"*.bin \
    "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/etc/resolv.conf" "$work/rootfs/etc/hostname"
  tar --numeric-owner --xattrs -C "$work/rootfs" -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball"
  find "$cache_dir" -maxdepth 1 -name 'debian-12-*.tar' ! -path "$tarball" -delete  # older recipes
  rm -rf --one-file-system "$work"
  rootfs_work=""
  echo "    $tarball ($(du -h "$tarball" | cut -f1))"
}

import_base() {
  local sha have
  sha="$(sha256sum "$tarball" | cut -d' ' -f1)"
  have="$(podman image inspect --format "{{ index .Labels \"$label\" }}" "$base" 2>/dev/null || true)"
  if [ "$have" = "$sha" ]; then
    echo "    $base already holds this rootfs ($sha)"
    return
  fi
  podman import --quiet --change "LABEL $label=$sha" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$tarball" "$base" >/dev/null
  echo "    imported $base ($sha)"
}

build_image() {
  echo "    podman build --isolation=chroot, BASE_IMAGE=RUNTIME_IMAGE=$base, BUILD_JOBS=$jobs"
  quiet "$cache_dir/logs/build.log" \
    podman build --isolation=chroot --pull=never --layers \
      --build-arg BASE_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base" --build-arg BUILD_JOBS="$jobs" \
      -f "$root_dir/deploy/docker/Dockerfile" -t "$image" "$root_dir"
  grep -E '^(\[[0-9]+/[0-9]+\] )?STEP|^--> Using cache' "$cache_dir/logs/build.log" | cut -c1-100 |
    sed 's/^/    /' || true
  podman image inspect --format '    {{.Id}}  {{.Size}} bytes  user {{.Config.User}}  entrypoint {{.Config.Entrypoint}}' "$image"
}

# verify_image: runs the image's binaries from its read-only mount, as the image's user.
verify_image() {
  local mnt user env entrypoint
  user="$(podman image inspect --format '{{.Config.User}}' "$image")"
  [ -n "$user" ] || { echo "the image has no USER: it would run as root" >&2; return 1; }
  mapfile -t env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d')
  mapfile -t entrypoint < <(podman image inspect --format '{{range .Config.Entrypoint}}{{println .}}{{end}}' "$image" | sed '/^$/d')
  mnt="$(podman image mount "$image")"
  mounted=$image
  echo "    read-only mount: $mnt; user $user; entrypoint ${entrypoint[*]}"
  # One private mount namespace: its mounts vanish with it, whatever happens.
  # shellcheck disable=SC2016 # the script is expanded by the inner bash
  unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1 user=$2 workdir=$3
    shift 3
    uid=${user%%:*} gid=${user#*:}
    [ "$gid" != "$user" ] || gid=$uid
    mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
    mount -t tmpfs -o "mode=0700,uid=$uid,gid=$gid,size=256m" tmpfs "$root$workdir"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    env=() entrypoint=()
    while [ "$1" != -- ]; do env+=("$1"); shift; done
    shift
    entrypoint=("$@")
    run() {
      chroot --userspec="$uid:$gid" --groups="$gid" "$root" \
        /usr/bin/env -i "${env[@]}" HOME="$workdir" /bin/sh -c "cd \"$workdir\" && exec \"\$@\"" sh "$@"
    }
    failed=0
    # check COMMAND...: one command of the proof, its output, and ok or FAILED with its time.
    check() {
      local t0=$EPOCHREALTIME code=0
      echo "    \$ $*"
      run "$@" || code=$?
      local took
      took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" "BEGIN { printf \"%.1f\", b - a }")
      if [ "$code" -eq 0 ]; then echo "    ok ($took s)"; else echo "    FAILED: exit $code ($took s)"; failed=1; fi
    }
    check /usr/bin/id
    check /usr/local/bin/evalbridge --version
    check /usr/local/bin/evalbridge-sim --help
    # The PostgreSQL module and libpq load in the image: the error comes from libpq (nothing listens
    # on port 1), not from the loader ("needs the module").
    check /bin/sh -c "/usr/local/bin/evalbridge ledger stats --ledger postgresql://evalbridge@127.0.0.1:1/evalbridge 2>&1 | grep \"cannot open ledger\""
    check "${entrypoint[@]}" demo
    exit $failed
  ' verify "$mnt" "$user" /var/lib/evalbridge "${env[@]}" -- "${entrypoint[@]}"
  podman image unmount "$image" >/dev/null
  mounted=""
}

step "packages (podman, debootstrap)" install_packages
step "base rootfs (debootstrap $suite minbase)" make_rootfs
step "base image (podman import $base)" import_base
step "image (podman build --isolation=chroot $image)" build_image
step "proof (read-only image mount, chroot as the image's user)" verify_image
