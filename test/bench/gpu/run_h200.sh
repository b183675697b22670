#!/usr/bin/env bash
# GPU benchmark of histune-gpu on a machine with an NVIDIA H200 (Vulkan through wgpu), in at
# most 5 minutes: release build (unless prebuilt binaries are given), self-check, benchmark
# (fits/s CPU vs GPU per model and batch size, the measured and planned crossovers, q0 toys of
# the small and medium models on both paths with their p0, and Z0 of candidate-binning batches of
# one structure: the per-trial CPU path vs one lockstep GPU batch, 2 to 1024 candidates), and the
# inference measurements (gpu_infer_bench: 10 000 + 10 000 q̃ toys of the 50-channel × 4-bin,
# 201-parameter model test/bench/gpu/toys_50x4.json and its impact ranking, 800 refits, on the CPU
# and GPU paths).
#
#   test/bench/gpu/run_h200.sh            # from the repository root
#
# Prepared on a build machine (x86-64): `(cd native && cargo build --release -p histune-gpu
# --examples)` (three 7 MB binaries) and the Vulkan loader packages in .gl/ (device README); then on
# the device machine: command `test/bench/gpu/run_h200.sh`, carry `.gl`,
# `native/target/release/examples/gpu_bench`, `native/target/release/examples/gpu_check`,
# `native/target/release/examples/gpu_infer_bench`, timeout_s 330. $OUT (set by the device tool)
# receives the results. nextstat is not run there (no Python packages on that machine): its CPU
# toys for this model are in test/bench/results/gpu_infer_lavapipe.json (gpu_infer_vs_nextstat.py).
#
# Environment:
#   OUT               where the JSON results go (default test/bench/results/gpu)
#   HISTUNE_GPU_BIN   folder holding prebuilt gpu_check, gpu_bench and gpu_infer_bench (x86-64 release builds,
#                     e.g. native/target/release/examples carried to the machine); without it the
#                     script builds them, which needs cargo and the crates offline (~2 min on 16 cores)
#   BENCH_ARGS        extra arguments for gpu_bench (later flags win)
# The Vulkan loader may be missing on the device machine: .gl/*.deb (libvulkan1 etc., downloaded
# beforehand and carried) are unpacked first when present.
set -euo pipefail
start=$(date +%s)
limit=290   # seconds for the whole script, under the 5 minutes it is given
left() { echo $(( limit - ($(date +%s) - start) )); }
cd "$(dirname "$0")/../../.."
root=$(pwd)
out=${OUT:-$root/test/bench/results/gpu}
mkdir -p "$out"
log() { echo "[run_h200 $(( $(date +%s) - start ))s] $*" >&2; }

# 1. Vulkan loader and driver.
if compgen -G ".gl/*.deb" >/dev/null; then
    log "unpacking .gl/*.deb"
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
# (grep without -q: an early exit would SIGPIPE ldconfig and fail the pipeline)
if ! ldconfig -p | grep 'libvulkan.so.1' >/dev/null; then
    log "no Vulkan loader (libvulkan.so.1): carry .gl/ with libvulkan1 (see the device README)"
    exit 2
fi
have_driver=0
for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    if compgen -G "$d/nvidia*.json" >/dev/null; then have_driver=1; fi
done
if [[ $have_driver == 0 && -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
    nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    log "no NVIDIA ICD in the standard places; using $nv"
    export VK_DRIVER_FILES=$nv VK_ICD_FILENAMES=$nv
fi
export WGPU_BACKEND=vulkan
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/nvidia_smi.txt" 2>&1 || true

# 2. Binaries.
bin=${HISTUNE_GPU_BIN:-}
if [[ -z "$bin" && -x native/target/release/examples/gpu_bench && -x native/target/release/examples/gpu_check ]]; then
    bin=native/target/release/examples
fi
if [[ -z "$bin" ]]; then
    if ! command -v cargo >/dev/null; then
        log "no cargo and no prebuilt binaries: set HISTUNE_GPU_BIN to a folder with gpu_check and gpu_bench"
        exit 2
    fi
    log "building release examples"
    (cd native && timeout 170 cargo build --release --offline -p histune-gpu --examples) 2>&1 | tail -5 >&2
    bin=native/target/release/examples
fi
for b in gpu_check gpu_bench; do
    [[ -x "$bin/$b" ]] || { log "missing $bin/$b"; exit 2; }
done

# 3. Self-check (adapter, f64, GPU vs CPU engine); a failure is recorded, the benchmark still runs.
log "gpu_check"
set +e
timeout 45 "$bin/gpu_check" --backend gpu > "$out/gpu_check.json" 2> "$out/gpu_check.log"
echo "gpu_check exit $?" >&2
set -e

# 4. Toys (10 000 per hypothesis; the GPU path extrapolates, marked, past 20 s per precision) and
#    the impact ranking of the 201-parameter model, CPU and GPU paths, in at most 80 s.
if [[ -x "$bin/gpu_infer_bench" ]]; then
    log "gpu_infer_bench"
    set +e
    timeout 80 "$bin/gpu_infer_bench" --toys-workspace test/bench/gpu/toys_50x4.json --toys 10000 --gpu-budget-s 20 \
        --ranking-workspaces test/bench/gpu/toys_50x4.json --deadline-s 60 \
        > "$out/gpu_infer_bench.json" 2> "$out/gpu_infer_bench.log"
    echo "gpu_infer_bench exit $?" >&2
    set -e
else
    log "no $bin/gpu_infer_bench: toys and ranking skipped"
fi

# 5. Benchmark within what is left (the program stops starting cells at its deadline and still
#    prints its JSON; the outer timeout is the backstop).
remaining=$(left)
deadline=$(( remaining - 25 ))
if (( deadline < 20 )); then log "no time left for the benchmark"; exit 1; fi
log "gpu_bench, deadline ${deadline}s"
timeout $(( remaining - 5 )) "$bin/gpu_bench" --models small,medium,large --batches 1,10,100,1000,10000 \
    --precisions f64,f32 --budget-s 40 --deadline-s "$deadline" \
    --candidates 2,8,32,128,1024 --candidate-models small,medium ${BENCH_ARGS:-} \
    > "$out/gpu_bench.json" 2> "$out/gpu_bench.log"
log "done: $out/gpu_check.json $out/gpu_infer_bench.json $out/gpu_bench.json"
