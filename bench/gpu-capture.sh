#!/usr/bin/env bash
# Run on a real GPU box: records what the GPU tools nexus-top runs print, byte for byte, into
# fixtures/gpu/captured/<host>-<date>/ so they can join the parser tests (src/gpu/parsers.test.ts).
# Nothing is sent anywhere; read the files before committing them (process names can say a lot).
set -u
cd "$(dirname "$0")/.."
out="fixtures/gpu/captured/$(hostname -s)-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
run() { # name, command...
  local name=$1; shift
  if ! command -v "$1" >/dev/null 2>&1; then echo "$1: not installed" >"$out/$name.missing"; return; fi
  timeout 10 "$@" >"$out/$name" 2>"$out/$name.stderr"
  echo "$?" >"$out/$name.exit"
}
# The queries of src/gpu/nvidia.ts (NVIDIA_GPU_ARGS, NVIDIA_APPS_ARGS) and src/gpu/amd.ts.
run nvidia-smi_query-gpu.csv nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit --format=csv,noheader,nounits
run nvidia-smi_compute-apps.csv nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory,process_name --format=csv,noheader,nounits
run nvidia-smi_query-gpu_units.csv nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit --format=csv
run rocm-smi_json.json rocm-smi --showuse --showmeminfo vram --showtemp --showpower --showproductname --json
run amd-smi_metric.json amd-smi metric --json
{ echo "captured $(date -u +%FT%TZ) on $(uname -srm)"; command -v nvidia-smi >/dev/null && nvidia-smi --version 2>/dev/null | head -3; } >"$out/ABOUT"
echo "written: $out"; ls -l "$out"
