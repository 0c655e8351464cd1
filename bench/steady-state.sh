#!/usr/bin/env bash
# Steady-state CPU and RSS of the streamgate ingest bundle under N RTMP players, from /proc, over a
# window long after the ramp (the runner's 8 s windows are noisy for small differences):
#
#   bench/steady-state.sh [--n 500] [--settle 15] [--window 20] [--port 19400] [-- NODE FLAGS...]
#
# Builds the bundle (scripts/build.mjs --only ingest) into a temp dir, runs it with the container's
# NODE_OPTIONS (ingest/Dockerfile) plus any NODE FLAGS, publishes the bench stream with ffmpeg
# -c copy, starts bench/rtmp-load.mjs with N players, waits --settle seconds, then reads the
# server's utime/stime (clock ticks) and VmRSS before and after --window seconds. Prints one line:
#   n=500 userS=1.12 sysS=3.01 cpuPct=20.6 rssMB=85.0 flags=...
# Compare variants by running it several times each, interleaved.
set -uo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
N=500; SETTLE=15; WINDOW=20; PORT=19400; FLAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --n) N=$2; shift ;; --settle) SETTLE=$2; shift ;; --window) WINDOW=$2; shift ;; --port) PORT=$2; shift ;;
    --) shift; FLAGS=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac; shift
done
SRC="$BENCH_DIR/.cache/testsrc2-720p30-2500k-aac128k-30s.flv"
[ -s "$SRC" ] || { echo "no $SRC: run npm run bench -- --quick once (it encodes the stream)" >&2; exit 2; }
WORK=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
(cd "$REPO_DIR" && timeout 120 node scripts/build.mjs --only ingest --outdir "$WORK/build" >/dev/null) || exit 1
NODE_OPTS=$(sed -n 's/.*NODE_OPTIONS="\([^"]*\)".*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
ARENAS=$(sed -n 's/.*MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
[ -n "$ARENAS" ] && [ -z "${MALLOC_ARENA_MAX:-}" ] && export MALLOC_ARENA_MAX=$ARENAS
MMAP=$(sed -n 's/.*MALLOC_MMAP_THRESHOLD_=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
[ -n "$MMAP" ] && [ -z "${MALLOC_MMAP_THRESHOLD_:-}" ] && export MALLOC_MMAP_THRESHOLD_=$MMAP
env NODE_OPTIONS="$NODE_OPTS" STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT=$PORT \
  STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 \
  STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR="$WORK/data" STREAMGATE_LOG_LEVEL=warn \
  node "${FLAGS[@]}" "$WORK/build/ingest/main.mjs" > "$WORK/server.log" 2>&1 &
SP=$!; PIDS+=($SP)
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy -f flv "rtmp://127.0.0.1:$PORT/live/s" \
  > "$WORK/ffmpeg.log" 2>&1 &
PIDS+=($!)
sleep 1
node "$BENCH_DIR/rtmp-load.mjs" --url "rtmp://127.0.0.1:$PORT/live/s" --n "$N" --warmup 1 \
  --duration $((SETTLE + WINDOW + 10)) --quiet > "$WORK/load.log" 2>&1 &
PIDS+=($!)
sleep "$SETTLE"
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$SP/stat")
sleep "$WINDOW"
read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$SP/stat")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SP/status")
hz=$(getconf CLK_TCK)
awk -v n="$N" -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v hz="$hz" -v w="$WINDOW" -v rss="$rss" -v f="$NODE_OPTS ${FLAGS[*]}" \
  'BEGIN { printf "n=%d userS=%.2f sysS=%.2f cpuPct=%.1f rssMB=%.1f flags=%s\n", n, u/hz, s/hz, 100*(u+s)/hz/w, rss/1024, f }'
