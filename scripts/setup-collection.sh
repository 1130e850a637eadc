#!/usr/bin/env bash
# Build the aidc.cluster collection (galaxy.yml) and optionally install it.
#
#   scripts/setup-collection.sh BUILD_DIR [COLLECTIONS_DIR]
#
# Stages the collection's content (galaxy.yml, README.md, meta/, roles/, plugins/,
# playbooks/) in BUILD_DIR/stage, adds the node code it shares with the aidc package, builds
# BUILD_DIR/aidc-cluster-<version>.tar.gz with ansible-galaxy, installs it into
# COLLECTIONS_DIR when given, and prints the tarball's path.
#
# The shared files have one source, in the aidc package, because gpu-check runs them there
# without Ansible: src/aidc/gpu/nvidia_smi.py becomes plugins/module_utils/nvidia_smi.py (the
# parser the nvidia_gpu_facts module imports), src/aidc/gpu/microbench.py becomes
# roles/gpu_validate/files/microbench.py (the script the gpu_validate role runs on nodes),
# and aidc.gpu's gate with what it imports becomes roles/slurm/files/aidc/ (the health check).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [COLLECTIONS_DIR]" >&2
  exit 2
fi
build="$(mkdir -p "$1" && cd "$1" && pwd)"
stage="$build/stage"

# Built from the aidc package: a copy kept in the tree would be a second source.
shared=(
  "src/aidc/gpu/nvidia_smi.py:plugins/module_utils/nvidia_smi.py"
  "src/aidc/gpu/microbench.py:roles/gpu_validate/files/microbench.py"
)
# The GPU acceptance gate as the slurm role's health check runs on every compute node.
for f in __init__.py gpu/__init__.py gpu/bench.py gpu/check.py gpu/gate.py gpu/nvidia_smi.py \
  gpu/specs.py cli/__init__.py cli/table.py catalog/data/gpus.yaml catalog/data/gpu_stack.yaml; do
  shared+=("src/aidc/$f:roles/slurm/files/aidc/$f")
done
for pair in "${shared[@]}"; do
  if [[ -e "$repo/${pair#*:}" || -L "$repo/${pair#*:}" ]]; then
    echo "$0: ${pair#*:} is built from ${pair%%:*}; remove it and edit that file" >&2
    exit 1
  fi
done

rm -rf "$stage"
mkdir -p "$stage"
(cd "$repo" && cp -R galaxy.yml README.md meta roles plugins playbooks "$stage/")
for pair in "${shared[@]}"; do
  install -D -m 0644 "$repo/${pair%%:*}" "$stage/${pair#*:}"
done

version="$(sed -n 's/^version: *//p' "$repo/galaxy.yml")"
tarball="$build/aidc-cluster-$version.tar.gz"
ansible-galaxy collection build "$stage" --output-path "$build" --force >/dev/null
rm -rf "$stage"
if [[ $# -eq 2 ]]; then
  # The dependencies (ansible.posix, community.general) come with the ansible package.
  ANSIBLE_COLLECTIONS_PATH="$2" \
    ansible-galaxy collection install "$tarball" --collections-path "$2" --force --no-deps \
    >/dev/null
fi
echo "$tarball"
