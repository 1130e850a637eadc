#!/usr/bin/env bash
# gpu-check: judge this machine's NVIDIA GPUs (nvidia-smi facts, the acceptance gate, a
# PyTorch micro-benchmark on every GPU) and print a record. Needs Python 3.10+, nvidia-smi
# and, for the benchmark, PyTorch with CUDA; no Ansible, no virtualenv, nothing installed.
#
#   scripts/gpu-check.sh [--sku h200-sxm] [--expect-gpus 8] [--json record.json] [--no-bench]
#
# GPU_CHECK_PYTHON names the Python that has torch; by default the first python3 on PATH
# that imports torch (PATH may start with a virtualenv without it), else python3.
# Exit status: 0 pass, 1 fail, 2 no NVIDIA GPU here.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${GPU_CHECK_PYTHON:-}" ]]; then
  for candidate in $(type -ap python3); do
    if "$candidate" -c 'import torch' >/dev/null 2>&1; then
      GPU_CHECK_PYTHON="$candidate"
      break
    fi
  done
fi
export GPU_CHECK_PYTHON="${GPU_CHECK_PYTHON:-python3}"
# The checkout's sources, not an installed copy: aidc.gpu needs only the standard library.
export PYTHONPATH="$repo/src${PYTHONPATH:+:$PYTHONPATH}"
exec "$GPU_CHECK_PYTHON" -m aidc.gpu.check "$@"
