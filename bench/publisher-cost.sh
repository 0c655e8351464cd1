#!/usr/bin/env bash
# publisher-cost.sh — what one publisher of a given protocol costs the ingest, with one and with a
# few RTMP players, this checkout beside another one (--base DIR) in the same run.
#
# For each round, for each build (cur = this checkout, base = --base DIR; order reversed every
# other round): start the ingest bundle (scripts/build.mjs --only ingest, started as
# bench/run-peers.sh starts streamgate: the container's NODE_OPTIONS and malloc settings, auth off),
# publish bench's 720p30 2.5 Mbit/s source with ffmpeg (-re -stream_loop -1 -c copy) over the
# protocol --publish names, then for each K of --players: K RTMP players (rtmp-load.mjs), --warmup
# seconds, the server's CPU ticks (utime + stime of /proc/PID/stat, 100 = 1 s of a core) over
# --window seconds, then `strace -c -f` of the server for --strace seconds (syscalls per second).
# Only the listener of --publish (and RTMP) is on. Each line of the result carries `uptime`. Everything runs on 127.0.0.1, every process started
# is stopped by its pid. Run it under the bench lock:
#
#   flock /tmp/bench.lock bench/publisher-cost.sh --publish srt --base ../before [--players 1,5]
#     [--rounds 2] [--warmup 15] [--window 10] [--strace 5] [--label TEXT] [--keep]
#
# --publish: srt (ffmpeg -f mpegts srt://…?streamid=publish:live/bench), rtsp (ffmpeg -f rtsp
#   -rtsp_transport tcp), ts (ffmpeg -f mpegts tcp://… -metadata service_name=bench), flv (raw FLV
#   over TCP), rtmp (for reference).
# Result: bench/results/<date>-publisher-cost-<publish>[-label].txt (one line per measurement).
set -uo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
SG_NODE_OPTIONS=$(sed -n 's/.*NODE_OPTIONS="\([^"]*\)".*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
SG_ARENAS=$(sed -n 's/.*MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
SG_MMAP=$(sed -n 's/.*MALLOC_MMAP_THRESHOLD_=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
LOAD="$BENCH_DIR/rtmp-load.mjs"
SRC="$BENCH_DIR/.cache/testsrc2-720p30-2500k-aac128k-30s.flv"

PUBLISH=""; BASE_DIR=""; PLAYERS="1,5"; ROUNDS=1; WARMUP=15; WINDOW=10; STRACE=5; LABEL=""; KEEP=0
OUT_DIR="$BENCH_DIR/results"
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --publish) PUBLISH=$2; shift ;;
    --base) BASE_DIR=$(cd "$2" && pwd) || exit 2; shift ;;
    --players) PLAYERS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --strace) STRACE=$2; shift ;;
    --label) LABEL=$2; shift ;;
    --out) OUT_DIR=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1"; usage; exit 2 ;;
  esac
  shift
done
case "$PUBLISH" in srt|rtsp|ts|flv|rtmp) ;; *) echo "--publish srt|rtsp|ts|flv|rtmp"; exit 2 ;; esac
for t in node ffmpeg setsid timeout; do command -v $t >/dev/null || { echo "missing $t"; exit 2; }; done
[ -s "$SRC" ] || { echo "no source $SRC: run npm run bench -- --quick once (it encodes it)"; exit 2; }

WORK=$(mktemp -d /tmp/sg-publisher-cost.XXXXXX)
STARTED=()
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${STARTED[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ $KEEP = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/$(date -u +%F)-publisher-cost-$PUBLISH${LABEL:+-$LABEL}.txt"
log() { echo "$*" | tee -a "$OUT" >&2; }

build() { # DIR OUTDIR
  (cd "$1" && timeout 180 node scripts/build.mjs --only ingest --outdir "$2") >&2 || { echo "build of $1 failed"; exit 1; }
}
build "$REPO_DIR" "$WORK/cur"
BUILDS=(cur)
if [ -n "$BASE_DIR" ]; then build "$BASE_DIR" "$WORK/base"; BUILDS=(cur base); fi

ticks() { awk '{print $14 + $15, $14, $15}' "/proc/$1/stat"; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { local i; for i in $(seq 1 $(( $2 * 10 ))); do port_free "$1" || return 0; sleep 0.1; done; return 1; }

RTMP=19470; RTSP=19471; TS=19472; FLV=19473; SRT=19474
for p in $RTMP $RTSP $TS $FLV; do port_free $p || { echo "port $p busy"; exit 2; }; done

log "# publisher-cost --publish $PUBLISH --players $PLAYERS --rounds $ROUNDS --warmup $WARMUP --window $WINDOW --strace $STRACE; cur=$(cd "$REPO_DIR" && git rev-parse --short HEAD)${BASE_DIR:+ base=$(cd "$BASE_DIR" && git rev-parse --short HEAD 2>/dev/null || echo "$BASE_DIR")}"
log "# columns: build K ticks/window(total user sys) load; then syscalls per second under strace (epoll_pwait read/recvmsg/recvmmsg write/writev/sendmsg/sendto)"

# Only the publish protocol's listener (and RTMP for the players) is on: the SRT listener's 10 ms
# tick alone wakes an idle ingest 100 times a second.
on() { [ "$PUBLISH" = "$1" ] && echo "$2" || echo 0; }

run_build() { # BUILD ROUND
  local b=$1 r=$2 run="$WORK/$1-r$2" spid ppid lpid k t0 t1 url
  mkdir -p "$run/data"
  setsid env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 \
    STREAMGATE_RTMP_PORT=$RTMP STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=$(on flv $FLV) STREAMGATE_RELAY_FLV_PORT=0 \
    STREAMGATE_TS_PORT=$(on ts $TS) STREAMGATE_SRT_PORT=$(on srt $SRT) STREAMGATE_RTSP_PORTS=$(on rtsp $RTSP) STREAMGATE_ADMIN_PORT=0 \
    STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_RAW_DEFAULT_STREAM=bench STREAMGATE_DATA_DIR="$run/data" \
    NODE_OPTIONS="$SG_NODE_OPTIONS" MALLOC_ARENA_MAX=${SG_ARENAS:-0} ${SG_MMAP:+MALLOC_MMAP_THRESHOLD_=$SG_MMAP} \
    node "$WORK/$b/ingest/main.mjs" > "$run/server.log" 2>&1 < /dev/null &
  spid=$!; STARTED+=("$spid")
  wait_port $RTMP 15 || { log "$b: server did not listen"; tail -5 "$run/server.log" >&2; return; }
  case "$PUBLISH" in
    srt) url="srt://127.0.0.1:$SRT?streamid=publish:live/bench&pkt_size=1316"; fmt=(-f mpegts) ;;
    rtsp) url="rtsp://127.0.0.1:$RTSP/live/bench"; fmt=(-f rtsp -rtsp_transport tcp) ;;
    ts) url="tcp://127.0.0.1:$TS"; fmt=(-f mpegts -metadata service_name=bench) ;;
    flv) url="tcp://127.0.0.1:$FLV"; fmt=(-f flv) ;;
    rtmp) url="rtmp://127.0.0.1:$RTMP/live/bench"; fmt=(-f flv) ;;
  esac
  ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy "${fmt[@]}" "$url" > "$run/publisher.log" 2>&1 &
  ppid=$!; STARTED+=("$ppid")
  # live? one player must get media (bounded)
  local ok=0 i
  for i in 1 2 3; do
    sleep 1
    timeout 20 node "$LOAD" --url "rtmp://127.0.0.1:$RTMP/live/bench" --n 1 --warmup 0 --duration 1 --connect-timeout 8 --ramp-timeout 8 \
      --quiet --json "$run/ready.json" >/dev/null 2>&1
    grep -q '"receivingMedia": 1' "$run/ready.json" 2>/dev/null && { ok=1; break; }
  done
  [ $ok = 1 ] || { log "$b r$r: stream never became playable"; tail -3 "$run/publisher.log" "$run/server.log" >&2; kill "$ppid" "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; return; }
  for k in ${PLAYERS//,/ }; do
    node "$LOAD" --url "rtmp://127.0.0.1:$RTMP/live/bench" --n "$k" --warmup 0 --duration 3600 --max-time 600 \
      --connect-timeout 20 --ramp-timeout 20 --quiet > "$run/players-$k.log" 2>&1 &
    lpid=$!; STARTED+=("$lpid")
    sleep "$WARMUP"
    t0=$(ticks $spid); sleep "$WINDOW"; t1=$(ticks $spid)
    read -r a0 u0 s0 <<<"$t0"; read -r a1 u1 s1 <<<"$t1"
    log "$b r$r K=$k ticks/${WINDOW}s $(( a1 - a0 )) $(( u1 - u0 )) $(( s1 - s0 )) | $(uptime | sed 's/.*load/load/')"
    if command -v strace >/dev/null && [ "$STRACE" -gt 0 ]; then
      timeout -s INT "$STRACE" strace -c -f -q -o "$run/strace-$k.txt" -p "$spid" >/dev/null 2>&1
      awk -v s="$STRACE" -v tag="$b r$r K=$k" '
        $NF ~ /^(epoll_pwait|epoll_wait|read|recvmsg|recvmmsg|recvfrom|write|writev|sendmsg|sendmmsg|sendto)$/ { n[$NF] = $4 }
        END { line = tag " syscalls/s:"; for (c in n) line = line " " c "=" int(n[c] / s + 0.5); print line }' "$run/strace-$k.txt" | tee -a "$OUT" >&2
    fi
    kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
  done
  kill "$ppid" 2>/dev/null; wait "$ppid" 2>/dev/null
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
}

for r in $(seq 1 "$ROUNDS"); do
  if [ $(( r % 2 )) = 1 ]; then order=("${BUILDS[@]}"); else order=(); for (( i=${#BUILDS[@]}-1; i>=0; i-- )); do order+=("${BUILDS[$i]}"); done; fi
  for b in "${order[@]}"; do run_build "$b" "$r"; done
done
log "# done $(date -u +%T) | $(uptime | sed 's/.*load/load/')"
echo "$OUT"
