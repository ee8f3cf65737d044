#!/usr/bin/env bash
# Install a single-node-capable SLURM (controller, node daemon, clients) and
# MUNGE from the Debian archive, non-interactively.
#
# Idempotent: when every binary the SLURM integration test needs is already on
# PATH this is a fast no-op (no apt-get call at all).
#
# The packages' maintainer scripts would try to start the system services
# (munge.service, slurmd.service, slurmctld.service). The tests start their own
# daemons with their own configuration in a temporary directory
# (tests/slurm_cluster.py), so service start-up is suppressed during the
# install with a temporary policy-rc.d; on a machine without systemd that
# start-up would fail anyway.
#
# Usage: bash .ci/install-slurm.sh        (as root, or with sudo available)
set -euo pipefail

PACKAGES=(slurm-wlm slurmctld slurmd slurm-client munge)
NEEDED_BINARIES=(slurmctld slurmd sbatch squeue scancel sinfo scontrol srun munged mungekey)

have_all() {
    local b
    for b in "${NEEDED_BINARIES[@]}"; do
        command -v "$b" >/dev/null 2>&1 || return 1
    done
    return 0
}

# sbin directories are not always on a non-root PATH
export PATH="$PATH:/usr/sbin:/sbin"

if have_all; then
    echo "install-slurm: SLURM and MUNGE already installed ($(slurmctld -V 2>/dev/null || true)); nothing to do."
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-slurm: need root (or sudo) to install ${PACKAGES[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive

# Keep the maintainer scripts from starting services (restored on exit).
POLICY=/usr/sbin/policy-rc.d
POLICY_CREATED=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    POLICY_CREATED=1
fi
cleanup() {
    if [ "$POLICY_CREATED" = 1 ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

echo "install-slurm: installing ${PACKAGES[*]}"
# apt-get update only when the package lists do not know the packages yet
# (a fresh container image usually ships without lists).
if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
install() {
    $SUDO apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${PACKAGES[@]}"
}
# stale package lists (a version no longer on the mirror): refresh them and try once more
install || { $SUDO apt-get update -qq && install; }

if ! have_all; then
    echo "install-slurm: installation finished but some binaries are missing:" >&2
    for b in "${NEEDED_BINARIES[@]}"; do
        command -v "$b" >/dev/null 2>&1 || echo "  missing: $b" >&2
    done
    exit 1
fi
echo "install-slurm: done ($(slurmctld -V))"
