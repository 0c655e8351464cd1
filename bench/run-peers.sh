#!/usr/bin/env bash
# run-peers.sh — live RTMP servers side by side, same stream, same load client, same run.
#
# For each round, for each peer (order reversed every other round): start the peer, the tap
# (RTMP peers) and a publisher (ffmpeg -re -stream_loop -1 -c copy of a pre-encoded 720p30
# ~2.6 Mbit/s H.264+AAC FLV), wait until one player gets media, then run rtmp-load.mjs for each
# N (server CPU/RSS of the peer's process tree, time to first frame, late joiners, probe latency,
# stalls, disconnects), then stop exactly the processes it started. All traffic is on 127.0.0.1.
# Every wait is bounded, every load run has a --max-time, and the whole run has --max-total.
#
# A peer is one line in the table below: NAME PORT KIND COMMAND, KIND rtmp (played at
# rtmp://127.0.0.1:PORT/live/bench, published through the tap on PORT+10), httpflv (published the
# same way, played at http://127.0.0.1:PORT+20/live/bench.flv: {HTTPPORT}) or raw (a byte-copy
# floor: ffmpeg sends FLV over TCP to PORT+10, players read raw bytes from PORT). COMMAND runs
# under `bash -c` in its own process group; {PORT} {PUBPORT} {RUN} {BENCH_DIR} are filled in
# ({RUN}: a fresh temp directory for that peer instance). An optional prep_NAME function runs
# before each start (install, build, render a config). Add a peer from the command line with
# --add-peer NAME:PORT:COMMAND (an rtmp peer). streamgate itself is a builtin peer: the esbuild
# bundle of this checkout (scripts/build.mjs, built once per run) with STREAMGATE_AUTH=off.
# Usually started through `npm run bench` (bench/run.mjs), which passes its arguments here.
#
# usage: bench/run-peers.sh [--quick] [--peers a,b,...] [--ns 1,50,200,500] [--rounds R]
#          [--warmup S] [--duration S] [--late K] [--probes K] [--add-peer NAME:PORT:CMD]...
#          [--max-total S] [--out DIR] [--label TEXT] [--keep] [--pin] [--ramp R] [--cpu-prof]
#          [--node-flags "FLAGS"] [--stop-reading PCT] [--connect-probes K] [--scenario NAME]
# --base DIR: also run the ingest bundle of another checkout DIR (with node_modules) as peers
#   `base` (RTMP) and `base-flv` (HTTP-FLV): before/after figures of a change in one run.
# --scenario rtmp (default): RTMP play from one stream (peers streamgate,nginx,nms,floor-node,floor-c).
# --scenario httpflv: HTTP-FLV play (sg-flv, nms-flv) beside RTMP play of the same servers
#   (streamgate, nms) in the same run; nginx-rtmp has no HTTP-FLV and nginx-http-flv-module is not
#   packaged in Debian.
# --scenario rtsp: RTSP play over TCP (interleaved) from streamgate (sg-rtsp) beside its RTMP play
#   (streamgate) in the same run, same publisher; rtmp-load.mjs plays rtsp://127.0.0.1:PORT+20/live/bench.
#   No RTSP peer: MediaMTX is not packaged in Debian or npm, live555 (livemedia-utils) is not in
#   Debian main, and gst-rtsp-server ships no server binary.
# --scenario hls: N clients polling the playlist and fetching each new segment once, like hls.js
#   (bench/hls-poll.mjs: worker threads of kept-alive clients, its own CPU and loop delay reported): streamgate's HLS from memory (sg-hls) beside nginx serving
#   nginx-rtmp's HLS files with sendfile (nginx-hls) and without (nginx-hls-copy: every byte copied
#   from user space into the socket, as Node, which has no sendfile, must); default N 200,1000. CPU of the server's process
#   group per GB served, playlist and segment response p50/p99. Results DATE-peers-hls*.md/json.
# --scenario many-streams: --ns takes shapes MxK (default 100x5,200x1): M streams published by one
#   in-process publisher (rtmp-load.mjs --mode publish), K RTMP players each (peers streamgate, nginx,
#   floor-node-rtmp: peers/floor/rtmp-relay.mjs, the least a Node RTMP fan-out does per message).
# --connect-probes K: connects from a separate idle process during each window (default 10).
# --node-flags: extra Node/V8 flags for streamgate (e.g. --max-semi-space-size=2).
# --stop-reading PCT: that share of the players stop reading when the window starts (rtmp-load.mjs).
# --label TEXT: also names the result files (DATE-peers-TEXT.json) so runs of one day do not clash.
# --loop-probe (hls scenario): a Node peer runs with bench/server-loop-delay.mjs and reports its loop
#   delay, GC pauses and stalls per window; off by default: its two 10 ms timers cost an idle process
#   2.5-3.2 % of a core, which would land in the CPU per GB.
set -uo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
# streamgate runs with the container's NODE_OPTIONS (ingest/Dockerfile): the bench measures what deploys.
SG_NODE_OPTIONS=$(sed -n 's/.*NODE_OPTIONS="\([^"]*\)".*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
# and its glibc malloc arena cap (0 = glibc's default, when the Dockerfile sets none).
SG_ARENAS=$(sed -n 's/.*MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
SG_ARENAS=${SG_ARENAS:-0}
# and its fixed mmap threshold (none: glibc's dynamic one).
SG_MMAP=$(sed -n 's/.*MALLOC_MMAP_THRESHOLD_=\([0-9]*\).*/\1/p' "$REPO_DIR/ingest/Dockerfile" | head -1)
SG_MALLOC="MALLOC_ARENA_MAX=$SG_ARENAS${SG_MMAP:+ MALLOC_MMAP_THRESHOLD_=$SG_MMAP}"
LOAD="$BENCH_DIR/rtmp-load.mjs"

# ---------------------------------------------------------------------------------------------
# peers: NAME PORT KIND COMMAND  (builtin; --add-peer appends rtmp peers)
PEER_TABLE=(
  "nginx      19350 rtmp exec nginx -p {RUN} -e {RUN}/error.log -c {RUN}/nginx.conf"
  "nms        19351 rtmp exec node {BENCH_DIR}/peers/nms/start.cjs --port {PORT} --data {RUN}"
  "floor-node 19352 raw  exec node {BENCH_DIR}/peers/floor/relay.mjs --listen 127.0.0.1:{PORT} --pub 127.0.0.1:{PUBPORT}"
  "floor-c    19353 raw  exec {BUILD}/relay-c {PORT} {PUBPORT} 3600"
  "floor-node-rtmp 19365 rtmp exec node {BENCH_DIR}/peers/floor/rtmp-relay.mjs --listen 127.0.0.1:{PORT}"
  "streamgate 19354 rtmp exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/ingest/main.mjs"
  "sg-flv     19355 httpflv exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT={HTTPPORT} STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/ingest/main.mjs"
  "base       19357 rtmp exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/base/ingest/main.mjs"
  "base-flv   19358 httpflv exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT={HTTPPORT} STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/base/ingest/main.mjs"
  "sg-rtsp    19359 rtsp exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS={HTTPPORT} STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/ingest/main.mjs"
  "base-rtsp  19360 rtsp exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT=0 STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS={HTTPPORT} STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/base/ingest/main.mjs"
  "sg-hls     19361 hls exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT={HTTPPORT} STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/ingest/main.mjs"
  "nginx-hls  19362 hls exec nginx -p {RUN} -e {RUN}/error.log -c {RUN}/nginx-hls.conf"
  "nginx-hls-copy 19364 hls exec nginx -p {RUN} -e {RUN}/error.log -c {RUN}/nginx-hls.conf"
  "base-hls   19363 hls exec env STREAMGATE_AUTH=off STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS=100000 STREAMGATE_HOST=127.0.0.1 STREAMGATE_RTMP_PORT={PORT} STREAMGATE_HTTP_PORT={HTTPPORT} STREAMGATE_FLV_PORT=0 STREAMGATE_RELAY_FLV_PORT=0 STREAMGATE_TS_PORT=0 STREAMGATE_SRT_PORT=0 STREAMGATE_RTSP_PORTS=0 STREAMGATE_ADMIN_PORT=0 STREAMGATE_FUNCTIONS_PORT=0 STREAMGATE_DATA_DIR={RUN}/data NODE_OPTIONS='{SGNODEOPTIONS}' {SGMALLOC} node {NODEFLAGS} {BUILD}/base/ingest/main.mjs"
  "nms-flv    19356 httpflv exec node {BENCH_DIR}/peers/nms/start.cjs --port {PORT} --http-port {HTTPPORT} --data {RUN}"
)

prep_nginx() { # render the config for this instance
  local run=$1 port=$2 module
  command -v nginx >/dev/null || { echo "nginx not installed (apt-get install -y nginx libnginx-mod-rtmp)"; return 1; }
  module=$(dpkg -L libnginx-mod-rtmp 2>/dev/null | grep -m1 'ngx_rtmp_module\.so$')
  [ -n "$module" ] || { echo "libnginx-mod-rtmp not installed"; return 1; }
  sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|g" -e "s|@MODULE@|$module|g" \
    "$BENCH_DIR/peers/nginx/nginx.conf.in" > "$run/nginx.conf"
}
prep_nms() {
  [ -d "$BENCH_DIR/peers/nms/node_modules/node-media-server" ] && return 0
  echo "installing Node-Media-Server (pinned) into peers/nms"
  (cd "$BENCH_DIR/peers/nms" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >&2
}
prep_sg-flv() { prep_streamgate; }
prep_sg-rtsp() { prep_streamgate; }
prep_sg-hls() { prep_streamgate; }
prep_base-hls() { prep_base; }
prep_nginx-hls() { # nginx-rtmp writes the HLS files, nginx serves them (sendfile)
  local run=$1 port=$2 module
  command -v nginx >/dev/null || { echo "nginx not installed (apt-get install -y nginx libnginx-mod-rtmp)"; return 1; }
  module=$(dpkg -L libnginx-mod-rtmp 2>/dev/null | grep -m1 'ngx_rtmp_module\.so$')
  [ -n "$module" ] || { echo "libnginx-mod-rtmp not installed"; return 1; }
  mkdir -p "$run/hls"
  # the worker (nginx's default user, not root) writes and reads the files: the temp dirs are 0700
  chmod 755 "$WORK" "$run" && chmod 777 "$run/hls"
  sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|g" -e "s|@HTTPPORT@|$(( port + 20 ))|g" -e "s|@MODULE@|$module|g" \
    "$BENCH_DIR/peers/nginx/nginx-hls.conf.in" > "$run/nginx-hls.conf"
}
prep_nginx-hls-copy() { # the same with sendfile off: nginx copies each response from user space, as a Node server must
  prep_nginx-hls "$@" && sed -i 's/sendfile on;/sendfile off;/' "$1/nginx-hls.conf"
}
prep_base-rtsp() { prep_base; }
prep_base() { # --base DIR: another checkout's bundle (e.g. main before a change), same run
  [ -n "$BASE_DIR" ] || { echo "base peers need --base DIR"; return 1; }
  [ -s "$BUILD/base/ingest/main.mjs" ] && return 0
  (cd "$BASE_DIR" && timeout 120 node scripts/build.mjs --only ingest --outdir "$BUILD/base") >&2
}
prep_base-flv() { prep_base; }
prep_nms-flv() { prep_nms; }
prep_streamgate() { # the production bundle of this checkout, built once per run
  [ -s "$BUILD/ingest/main.mjs" ] && return 0
  (cd "$REPO_DIR" && timeout 120 node scripts/build.mjs --only ingest --outdir "$BUILD") >&2
}
prep_floor-c() {
  [ -x "$BUILD/relay-c" ] && return 0
  command -v cc >/dev/null || { echo "no C compiler"; return 1; }
  cc -O2 -o "$BUILD/relay-c" "$BENCH_DIR/peers/floor/relay.c"
}

# ---------------------------------------------------------------------------------------------
# options
QUICK=0; PEERS=""; ADDED=""; NS=""; ROUNDS=""; WARMUP=""; DURATION=""; LATE=""; PROBES=4; MAX_TOTAL=""
OUT_DIR="$BENCH_DIR/results"; LABEL=""; KEEP=0; RAMP=200; PIN=0; STOP_READING=0; CONNECT_PROBES=10; SCENARIO=rtmp; BASE_DIR=""; LOOP_PROBE=0
# --cpu-prof: streamgate writes V8 CPU profiles into {RUN}/prof (kept with --keep)
SG_NODE_FLAGS=""
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --peers) PEERS=$2; shift ;;
    --ns) NS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --late) LATE=$2; shift ;;
    --probes) PROBES=$2; shift ;;
    --ramp) RAMP=$2; shift ;;
    --add-peer)
      IFS=: read -r _n _p _c <<<"$2"
      [[ "$_n" =~ ^[a-z0-9-]+$ && "$_p" =~ ^[0-9]+$ && -n "$_c" ]] || { echo "bad --add-peer $2 (NAME:PORT:COMMAND)"; exit 2; }
      PEER_TABLE+=("$_n $_p rtmp $_c"); ADDED="${ADDED:+$ADDED,}$_n"; shift ;;
    --max-total) MAX_TOTAL=$2; shift ;;
    --out) OUT_DIR=$2; shift ;;
    --label) LABEL=$2; shift ;;
    --keep) KEEP=1 ;;
    --pin) PIN=1 ;;
    --loop-probe) LOOP_PROBE=1 ;;
    --cpu-prof) SG_NODE_FLAGS="$SG_NODE_FLAGS --cpu-prof --cpu-prof-dir={RUN}/prof"; KEEP=1 ;;
    --node-flags) SG_NODE_FLAGS="$SG_NODE_FLAGS $2"; shift ;;
    --stop-reading) STOP_READING=$2; shift ;;
    --connect-probes) CONNECT_PROBES=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --base) BASE_DIR=$(cd "$2" && pwd) || exit 2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1"; usage; exit 2 ;;
  esac
  shift
done
[ "$SCENARIO" = many-streams ] && : "${NS:=100x5,200x1}"
[ "$SCENARIO" = hls ] && : "${NS:=200,1000}"
if [ $QUICK = 1 ]; then
  : "${NS:=1,50,200}" "${ROUNDS:=2}" "${WARMUP:=1}" "${DURATION:=3}" "${LATE:=2}" "${MAX_TOTAL:=170}"
else
  : "${NS:=1,50,200,500}" "${ROUNDS:=3}" "${WARMUP:=3}" "${DURATION:=15}" "${LATE:=4}" "${MAX_TOTAL:=2400}"
fi
ALL_NAMES=$(for l in "${PEER_TABLE[@]}"; do echo "${l%% *}"; done | paste -sd,)
case "$SCENARIO" in
  rtmp) SCENARIO_PEERS="streamgate,nginx,nms,floor-node,floor-c${BASE_DIR:+,base}${ADDED:+,$ADDED}" ;;
  many-streams) SCENARIO_PEERS="streamgate,nginx,floor-node-rtmp${BASE_DIR:+,base}${ADDED:+,$ADDED}" ;;
  httpflv) SCENARIO_PEERS="streamgate,sg-flv,nms,nms-flv${BASE_DIR:+,base-flv}${ADDED:+,$ADDED}" ;;
  rtsp) SCENARIO_PEERS="streamgate,sg-rtsp${BASE_DIR:+,base-rtsp}${ADDED:+,$ADDED}" ;;
  hls) SCENARIO_PEERS="sg-hls,nginx-hls,nginx-hls-copy${BASE_DIR:+,base-hls}" ;;
  *) echo "unknown --scenario $SCENARIO (rtmp, httpflv, rtsp, hls, many-streams)"; exit 2 ;;
esac
# default: the scenario's peers (builtin + added); --peers picks, added peers always come along
if [ -z "$PEERS" ]; then PEERS=$SCENARIO_PEERS
else for a in ${ADDED//,/ }; do [[ ",$PEERS," == *",$a,"* ]] || PEERS="$PEERS,$a"; done; fi
IFS=, read -r -a PEER_LIST <<<"$PEERS"
IFS=, read -r -a N_LIST <<<"$NS"

for t in node ffmpeg ss setsid timeout; do command -v $t >/dev/null || { echo "missing $t"; exit 2; }; done

# --pin: the server on the last CPU, the load client, tap and publisher on the others
SRV_PIN=(); CLI_PIN=()
if [ $PIN = 1 ]; then
  command -v taskset >/dev/null || { echo "--pin needs taskset"; exit 2; }
  LASTCPU=$(( $(nproc) - 1 )); [ $LASTCPU -ge 1 ] || { echo "--pin needs 2+ CPUs"; exit 2; }
  SRV_PIN=(taskset -c $LASTCPU); CLI_PIN=(taskset -c 0-$(( LASTCPU - 1 )))
fi

T_START=$(date +%s)
DEADLINE=$((T_START + MAX_TOTAL))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtmp-peers.XXXXXX")
BUILD="$WORK/build"; mkdir -p "$BUILD" "$WORK/raw"
STARTED=()   # every PID this script started (server process-group leaders included)
log() { printf '[run-peers %3ds] %s\n' $(( $(date +%s) - T_START )) "$*" >&2; }

stop_pid() { # TERM, wait up to 5 s, then KILL; only for PIDs we started
  local pid=$1 group=${2:-0} i
  kill -0 "$pid" 2>/dev/null || return 0
  if [ "$group" = 1 ]; then kill -TERM -- "-$pid" 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; fi
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$group" = 1 ]; then kill -KILL -- "-$pid" 2>/dev/null; else kill -KILL "$pid" 2>/dev/null; fi
  fi
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  local p
  for p in "${STARTED[@]}"; do
    case "$p" in g:*) stop_pid "${p#g:}" 1 ;; *) stop_pid "$p" ;; esac
  done
  STARTED=()
  if [ $KEEP = 0 ]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
wait_port() { # PORT SECONDS PID: until listening, the process died, or the time is up
  local i
  for i in $(seq $(( $2 * 10 ))); do
    port_busy "$1" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# the source: encoded once, cached (bench/.cache is git-ignored)
SRC="$BENCH_DIR/.cache/testsrc2-720p30-2500k-aac128k-30s.flv"
if [ ! -s "$SRC" ]; then
  mkdir -p "$BENCH_DIR/.cache"
  log "encoding the test source (30 s, once)"
  timeout 300 ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 30 \
    -c:v libx264 -preset veryfast -tune zerolatency -profile:v high -pix_fmt yuv420p \
    -b:v 2500k -maxrate 2500k -bufsize 2500k -g 60 -keyint_min 60 -sc_threshold 0 \
    -c:a aac -b:a 128k -ar 48000 -ac 2 -f flv "$SRC.tmp" && mv "$SRC.tmp" "$SRC" || { echo "encoding failed"; exit 1; }
fi

# ---------------------------------------------------------------------------------------------
declare -A P_PORT P_KIND P_CMD P_PREPPED
for l in "${PEER_TABLE[@]}"; do
  read -r n p k c <<<"$l"; P_PORT[$n]=$p; P_KIND[$n]=$k; P_CMD[$n]=$c
done
for n in "${PEER_LIST[@]}"; do [ -n "${P_PORT[$n]:-}" ] || { echo "unknown peer $n (known: $ALL_NAMES)"; exit 2; }; done

# one peer instance: start, publish, run every N, stop
run_peer() {
  local name=$1 round=$2 port=${P_PORT[$1]} kind=${P_KIND[$1]} pubport=$(( ${P_PORT[$1]} + 10 )) httpport=$(( ${P_PORT[$1]} + 20 ))
  local run="$WORK/$name-r$round" spid tpid="" ppid url cmd n json ok p i out
  mkdir -p "$run"
  for p in $port $pubport $([ "$kind" = httpflv ] || [ "$kind" = rtsp ] && echo $httpport); do
    if port_busy $p; then log "$name: port $p already in use by something else; skipped"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"port $p busy\"}" > "$WORK/raw/$name-r$round-skip.json"; return; fi
  done
  if declare -F "prep_$name" >/dev/null; then
    if ! out=$("prep_$name" "$run" "$port" 2>&1); then
      log "$name: prep failed: $out"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"prep failed\"}" > "$WORK/raw/$name-r$round-skip.json"; return
    fi
  fi
  cmd=${P_CMD[$name]}; cmd=${cmd//\{NODEFLAGS\}/$SG_NODE_FLAGS}; cmd=${cmd//\{SGNODEOPTIONS\}/$SG_NODE_OPTIONS}; cmd=${cmd//\{SGMALLOC\}/$SG_MALLOC}
  cmd=${cmd//\{PORT\}/$port}; cmd=${cmd//\{PUBPORT\}/$pubport}; cmd=${cmd//\{HTTPPORT\}/$httpport}; cmd=${cmd//\{RUN\}/$run}
  cmd=${cmd//\{BENCH_DIR\}/$BENCH_DIR}; cmd=${cmd//\{BUILD\}/$BUILD}
  setsid "${SRV_PIN[@]}" bash -c "$cmd" > "$run/server.log" 2>&1 < /dev/null &
  spid=$!; STARTED+=("g:$spid")
  if ! wait_port "$port" 15 "$spid"; then
    log "$name: did not listen on $port; log tail:"; tail -5 "$run/server.log" >&2
    echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"did not start\"}" > "$WORK/raw/$name-r$round-skip.json"
    stop_pid "$spid" 1; return
  fi
  if { [ "$kind" = httpflv ] || [ "$kind" = rtsp ]; } && ! wait_port "$httpport" 10 "$spid"; then
    log "$name: no $kind listener on $httpport"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"no http listener\"}" > "$WORK/raw/$name-r$round-skip.json"
    stop_pid "$spid" 1; return
  fi
  if [ "$kind" = rtmp ] || [ "$kind" = httpflv ] || [ "$kind" = rtsp ]; then
    "${CLI_PIN[@]}" node "$LOAD" --mode tap --listen 127.0.0.1:$pubport --upstream 127.0.0.1:$port --tap-log "$run/tap.log" \
      --max-time $MAX_TOTAL --quiet > "$run/tap.out" 2>&1 &
    tpid=$!; STARTED+=("$tpid")
    wait_port $pubport 10 $tpid || log "$name: tap not listening"
    "${CLI_PIN[@]}" ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy \
      -f flv "rtmp://127.0.0.1:$pubport/live/bench" > "$run/publisher.log" 2>&1 &
    ppid=$!; url="rtmp://127.0.0.1:$port/live/bench"
    [ "$kind" = httpflv ] && url="http://127.0.0.1:$httpport/live/bench.flv"
    [ "$kind" = rtsp ] && url="rtsp://127.0.0.1:$httpport/live/bench"
  else
    "${CLI_PIN[@]}" ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy \
      -f flv "tcp://127.0.0.1:$pubport" > "$run/publisher.log" 2>&1 &
    ppid=$!; url="tcp://127.0.0.1:$port"
  fi
  STARTED+=("$ppid")
  # live? one player must get media (bounded: 2 tries)
  ok=0
  for i in 1 2; do
    sleep 0.5
    timeout 20 node "$LOAD" --url "$url" --n 1 --warmup 0 --duration 1 --connect-timeout 8 --ramp-timeout 8 \
      --quiet --json "$run/ready.json" >/dev/null 2>&1
    grep -q '"receivingMedia": 1' "$run/ready.json" 2>/dev/null && { ok=1; break; }
  done
  if [ $ok = 0 ]; then
    log "$name: stream never became playable; skipped"
    echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"stream not playable\"}" > "$WORK/raw/$name-r$round-skip.json"
  else
    for n in "${N_LIST[@]}"; do
      local est=$(( n / RAMP + WARMUP + DURATION + 12 ))
      if [ $(( $(date +%s) + est )) -gt $DEADLINE ]; then
        log "$name N=$n: skipped, --max-total ${MAX_TOTAL}s would be exceeded"
        echo "{\"peer\":\"$name\",\"round\":$round,\"n\":$n,\"skipped\":\"time budget\"}" > "$WORK/raw/$name-n$n-r$round-skip.json"
        continue
      fi
      json="$WORK/raw/$name-n$n-r$round.json"
      local probes=$(( n < PROBES ? n : PROBES )) extra=()
      [ "$kind" = rtmp ] && extra=(--probes $probes --connect-probes "$CONNECT_PROBES" --tap-log "$run/tap.log" --watch-aux "publisher:$ppid,tap:$tpid")
      { [ "$kind" = httpflv ] || [ "$kind" = rtsp ]; } && extra=(--probes $probes --tap-log "$run/tap.log" --watch-aux "publisher:$ppid,tap:$tpid")
      [ "$kind" = raw ] && extra=(--watch-aux "publisher:$ppid")
      timeout $(( est + 30 )) "${CLI_PIN[@]}" node "$LOAD" --url "$url" --n "$n" --ramp "$RAMP" --warmup "$WARMUP" \
        --duration "$DURATION" --late "$LATE" --stop-reading "$STOP_READING" --watch-pids "$spid" "${extra[@]}" --json "$json.tmp" --quiet \
        > /dev/null 2> "$run/load-n$n.err"
      if [ -s "$json.tmp" ]; then # tag the run, print one line
        node -e 'const fs=require("fs"),[f,peer,kind,round]=process.argv.slice(1);
          const d=Object.assign(JSON.parse(fs.readFileSync(f+".tmp")),{peer,kind,round:+round});
          fs.writeFileSync(f,JSON.stringify(d)); fs.unlinkSync(f+".tmp");
          const s=d.server||{},p=d.players,l=d.latencyMs,j=d.lateJoiners,raw=kind==="raw";
          console.error(`  ${peer} N=${d.n} r${round}: media ${p.receivingMedia}/${d.n} stalls ${p.stalls} disc ${p.disconnected}`+
            ` | cpu ${s.cpuPctOfOneCore}% ${s.cpuSecPerGB} s/GB (user ${s.userSecPerGB}) rss ${s.rssMaxMB} MB`+
            (raw?"":` | ttfk p50 ${p.ttfkMs.p50} ms, late ${j?j.ttfkMs.p50:"-"} ms | lat p50 ${l?l.p50:"-"} ms`+
              ` | connect p50 ${p.connectAnswerMs.p50} ms, probe ${p.connectProbeMs?p.connectProbeMs.p50:"-"} ms`)+
            ` | client ${d.client&&d.client.cpuPctOfOneCore}% busy ${d.machine&&d.machine.busyPct}%`)' "$json" "$name" "$kind" "$round"
      else
        log "$name N=$n: load run gave no result: $(tail -2 "$run/load-n$n.err" | tr '\n' ' ')"
        echo "{\"peer\":\"$name\",\"round\":$round,\"n\":$n,\"skipped\":\"load run failed\"}" > "$WORK/raw/$name-n$n-r$round-skip.json"
      fi
      sleep 0.3
    done
  fi
  # stop what this instance started, publisher first
  stop_pid "$ppid"; [ -n "$tpid" ] && stop_pid "$tpid"; stop_pid "$spid" 1
  local keep=(); for p in "${STARTED[@]}"; do [[ "$p" == "$ppid" || "$p" == "$tpid" || "$p" == "g:$spid" ]] || keep+=("$p"); done
  STARTED=("${keep[@]}")
  grep -qi 'error\|fatal' "$run/publisher.log" 2>/dev/null && log "$name: publisher said: $(head -2 "$run/publisher.log" | tr '\n' ' ')"
}

# many streams, each with its own players: one in-process publisher per shape (rtmp-load.mjs --mode
# publish: M publishers of the same looped source, staggered), then M*K players, player k on stream
# k % M; latency matched per stream against the publisher's own log
run_many_streams_peer() {
  local name=$1 round=$2 port=${P_PORT[$1]} kind=${P_KIND[$1]}
  local run="$WORK/$name-r$round" spid cmd shape m k n json p out pubpid i
  [ "$kind" = rtmp ] || { log "$name: many-streams plays RTMP only; skipped"; return; }
  mkdir -p "$run"
  if port_busy $port; then log "$name: port $port busy; skipped"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"port $port busy\"}" > "$WORK/raw/$name-r$round-skip.json"; return; fi
  if declare -F "prep_$name" >/dev/null; then
    if ! out=$("prep_$name" "$run" "$port" 2>&1); then
      log "$name: prep failed: $out"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"prep failed\"}" > "$WORK/raw/$name-r$round-skip.json"; return
    fi
  fi
  cmd=${P_CMD[$name]}; cmd=${cmd//\{NODEFLAGS\}/$SG_NODE_FLAGS}; cmd=${cmd//\{SGNODEOPTIONS\}/$SG_NODE_OPTIONS}; cmd=${cmd//\{SGMALLOC\}/$SG_MALLOC}
  cmd=${cmd//\{PORT\}/$port}; cmd=${cmd//\{PUBPORT\}/$(( port + 10 ))}; cmd=${cmd//\{HTTPPORT\}/0}; cmd=${cmd//\{RUN\}/$run}
  cmd=${cmd//\{BENCH_DIR\}/$BENCH_DIR}; cmd=${cmd//\{BUILD\}/$BUILD}
  setsid "${SRV_PIN[@]}" bash -c "$cmd" > "$run/server.log" 2>&1 < /dev/null &
  spid=$!; STARTED+=("g:$spid")
  if ! wait_port "$port" 15 "$spid"; then
    log "$name: did not listen on $port"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"did not start\"}" > "$WORK/raw/$name-r$round-skip.json"
    stop_pid "$spid" 1; return
  fi
  for shape in "${N_LIST[@]}"; do
    m=${shape%x*}; k=${shape#*x}; n=$(( m * k ))
    local est=$(( n / RAMP + WARMUP + DURATION + 25 ))
    if [ $(( $(date +%s) + est )) -gt $DEADLINE ]; then
      log "$name $shape: skipped, --max-total ${MAX_TOTAL}s would be exceeded"; continue
    fi
    "${CLI_PIN[@]}" node "$LOAD" --mode publish --url "rtmp://127.0.0.1:$port/live/bench{i}" --streams "$m" --source "$SRC" \
      --tap-log "$run/pub-$shape.log" --max-time $(( est + 60 )) > "$run/pub-$shape.out" 2> "$run/pub-$shape.err" &
    pubpid=$!; STARTED+=("$pubpid")
    for i in $(seq 150); do grep -q '^ready' "$run/pub-$shape.out" 2>/dev/null && break; kill -0 $pubpid 2>/dev/null || break; sleep 0.1; done
    log "$name $shape: publisher $(head -1 "$run/pub-$shape.out" 2>/dev/null) of $m"
    sleep 1
    json="$WORK/raw/$name-n$n-r$round.json"
    timeout $(( est + 30 )) "${CLI_PIN[@]}" node "$LOAD" --url "rtmp://127.0.0.1:$port/live/bench{i}" --streams "$m" --n "$n" --ramp "$RAMP" \
      --warmup "$WARMUP" --duration "$DURATION" --late "$LATE" --probes "$PROBES" --connect-probes 0 --tap-log "$run/pub-$shape.log" \
      --watch-pids "$spid" --watch-aux "publisher:$pubpid" --json "$json.tmp" --quiet > /dev/null 2> "$run/load-$shape.err"
    if [ -s "$json.tmp" ]; then
      node -e 'const fs=require("fs"),[f,peer,kind,round,shape]=process.argv.slice(1);
        const d=Object.assign(JSON.parse(fs.readFileSync(f+".tmp")),{peer,kind,round:+round,shape});
        fs.writeFileSync(f,JSON.stringify(d)); fs.unlinkSync(f+".tmp");
        const s=d.server||{},p=d.players,l=d.latencyMs;
        console.error(`  ${peer} ${shape} r${round}: media ${p.receivingMedia}/${d.n} stalls ${p.stalls} disc ${p.disconnected}`+
          ` | cpu ${s.cpuPctOfOneCore}% ${s.cpuSecPerGB} s/GB (user ${s.userSecPerGB}) rss ${s.rssMaxMB} MB | lat p50 ${l?l.p50:"-"} p95 ${l?l.p95:"-"} ms`+
          ` | publisher ${(d.aux||[])[0]?.cpuPct}% client ${d.client&&d.client.cpuPctOfOneCore}% busy ${d.machine&&d.machine.busyPct}%`)' "$json" "$name" "$kind" "$round" "$shape"
    else
      log "$name $shape: load run gave no result: $(tail -2 "$run/load-$shape.err" | tr '\n' ' ')"
    fi
    stop_pid "$pubpid"
    local keep=(); for p in "${STARTED[@]}"; do [[ "$p" == "$pubpid" ]] || keep+=("$p"); done; STARTED=("${keep[@]}")
    sleep 0.5
  done
  stop_pid "$spid" 1
  local keep=(); for p in "${STARTED[@]}"; do [[ "$p" == "g:$spid" ]] || keep+=("$p"); done; STARTED=("${keep[@]}")
}

# HLS: the publisher straight to the server's RTMP port, then hls-poll.mjs for each N against the
# playlist once it lists 3 segments; CPU of the server's whole process group
run_hls_peer() {
  local name=$1 round=$2 port=${P_PORT[$1]} kind=${P_KIND[$1]} httpport=$(( ${P_PORT[$1]} + 20 ))
  local run="$WORK/$name-r$round" spid ppid cmd n json out url pids i ok=0
  [ "$kind" = hls ] || { log "$name: the hls scenario plays HLS peers only; skipped"; return; }
  mkdir -p "$run"
  for p in $port $httpport; do
    if port_busy $p; then log "$name: port $p busy; skipped"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"port $p busy\"}" > "$WORK/raw/$name-r$round-skip.json"; return; fi
  done
  if declare -F "prep_$name" >/dev/null; then
    if ! out=$("prep_$name" "$run" "$port" 2>&1); then
      log "$name: prep failed: $out"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"prep failed\"}" > "$WORK/raw/$name-r$round-skip.json"; return
    fi
  fi
  # --loop-probe: a Node peer reports its own loop delay, loop busy share, GC pauses and stalls in each window
  local probeflags=""; [ $LOOP_PROBE = 1 ] && probeflags=" --import $BENCH_DIR/server-loop-delay.mjs"
  cmd=${P_CMD[$name]}; cmd=${cmd//\{NODEFLAGS\}/$SG_NODE_FLAGS$probeflags}; cmd=${cmd//\{SGNODEOPTIONS\}/$SG_NODE_OPTIONS}; cmd=${cmd//\{SGMALLOC\}/$SG_MALLOC}
  cmd=${cmd//\{PORT\}/$port}; cmd=${cmd//\{PUBPORT\}/$(( port + 10 ))}; cmd=${cmd//\{HTTPPORT\}/$httpport}; cmd=${cmd//\{RUN\}/$run}
  cmd=${cmd//\{BENCH_DIR\}/$BENCH_DIR}; cmd=${cmd//\{BUILD\}/$BUILD}
  setsid "${SRV_PIN[@]}" bash -c "$cmd" > "$run/server.log" 2>&1 < /dev/null &
  spid=$!; STARTED+=("g:$spid")
  if ! wait_port "$port" 15 "$spid" || ! wait_port "$httpport" 10 "$spid"; then
    log "$name: did not listen"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"did not start\"}" > "$WORK/raw/$name-r$round-skip.json"
    stop_pid "$spid" 1; return
  fi
  "${CLI_PIN[@]}" ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$SRC" -c copy \
    -f flv "rtmp://127.0.0.1:$port/live/bench" > "$run/publisher.log" 2>&1 &
  ppid=$!; STARTED+=("$ppid")
  url="http://127.0.0.1:$httpport/live/bench/index.m3u8"
  [[ "$name" == nginx-hls* ]] && url="http://127.0.0.1:$httpport/hls/bench.m3u8"
  # ready: the playlist lists 3 segments (streamgate starts its segmenter on the first request)
  for i in $(seq 60); do
    out=$(timeout 12 node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status === 200 ? (await r.text()).split("\n").filter((l) => /^[^#].*\.ts/.test(l)).length : 0)).catch(() => console.log(0))' "$url" 2>/dev/null)
    [ "${out:-0}" -ge 3 ] && { ok=1; break; }
    sleep 0.5
  done
  if [ $ok = 0 ]; then
    log "$name: playlist never listed 3 segments; skipped"; echo "{\"peer\":\"$name\",\"round\":$round,\"skipped\":\"no playlist\"}" > "$WORK/raw/$name-r$round-skip.json"
  else
    for n in "${N_LIST[@]}"; do
      local est=$(( WARMUP + DURATION + 15 ))
      if [ $(( $(date +%s) + est )) -gt $DEADLINE ]; then log "$name N=$n: skipped, --max-total ${MAX_TOTAL}s would be exceeded"; continue; fi
      pids=$(pgrep -g "$spid" | paste -sd,)
      local nodepid=""; [ $LOOP_PROBE = 1 ] && nodepid=$(pgrep -g "$spid" -x node | head -1)
      json="$WORK/raw/hls-$name-n$n-r$round.json"
      timeout $(( est + 30 )) "${CLI_PIN[@]}" node "$BENCH_DIR/hls-poll.mjs" --url "$url" --n "$n" --warmup "$WARMUP" --duration "$DURATION" \
        --watch-pid "$pids" ${nodepid:+--loop-pid "$nodepid"} > "$json.tmp" 2> "$run/poll-n$n.err"
      if [ -s "$json.tmp" ]; then
        node -e 'const fs=require("fs"),[f,peer,round]=process.argv.slice(1);
          const d=Object.assign(JSON.parse(fs.readFileSync(f+".tmp")),{peer,round:+round,loadavg:require("os").loadavg()[0]});
          fs.writeFileSync(f,JSON.stringify(d)); fs.unlinkSync(f+".tmp");
          console.error(`  ${peer} N=${d.n} r${round}: cpu ${d.serverCpuPct}% ${d.serverCpuSecPerGB} s/GB | ${d.mbit} Mbit/s | playlist p50/p99 ${d.playlistMs.p50}/${d.playlistMs.p99} ms (probe ${d.probePlaylistMs?.p50}/${d.probePlaylistMs?.p99}; in bursts ${d.playlistMs.inBurst?.p99}, quiet ${d.playlistMs.quiet?.p99})${d.serverLoop ? ` | server loop p99/max ${d.serverLoop.loopDelayMs.p99}/${d.serverLoop.loopDelayMs.max} ms busy ${d.serverLoop.loopBusyPct}% gc max ${d.serverLoop.gc.maxMs} ms, stalls ${d.serverLoop.stalls?.count}: ${d.serverLoop.stalls?.lateMs} ms = cpu ${d.serverLoop.stalls?.runMs} + wait ${d.serverLoop.stalls?.waitMs}` : ""} | segment ${d.segmentMs.p50}/${d.segmentMs.p99} ms | errors ${d.errors} | client ${d.clientCpuPct}% loop p99 ${d.clientLoopDelayMs?.p99} ms | load ${d.loadavg.toFixed(2)}`)' "$json" "$name" "$round"
      else
        log "$name N=$n: poll gave no result: $(tail -2 "$run/poll-n$n.err" | tr '\n' ' ')"
      fi
      sleep 0.3
    done
  fi
  stop_pid "$ppid"; stop_pid "$spid" 1
  local keep=(); for p in "${STARTED[@]}"; do [[ "$p" == "$ppid" || "$p" == "g:$spid" ]] || keep+=("$p"); done; STARTED=("${keep[@]}")
}

log "scenario $SCENARIO; peers: ${PEER_LIST[*]}; N: ${N_LIST[*]}; rounds: $ROUNDS; warmup ${WARMUP}s window ${DURATION}s; late joiners $LATE; max ${MAX_TOTAL}s"
for r in $(seq "$ROUNDS"); do
  order=("${PEER_LIST[@]}")
  if [ $(( r % 2 )) = 0 ]; then order=(); for (( i=${#PEER_LIST[@]}-1; i>=0; i-- )); do order+=("${PEER_LIST[$i]}"); done; fi
  for name in "${order[@]}"; do
    [ "$(date +%s)" -ge $DEADLINE ] && break 2
    log "round $r: $name"
    case "$SCENARIO" in
      many-streams) run_many_streams_peer "$name" "$r" ;;
      hls) run_hls_peer "$name" "$r" ;;
      *) run_peer "$name" "$r" ;;
    esac
  done
done

# ---------------------------------------------------------------------------------------------
DATE=$(date -u +%Y-%m-%d)
BASE="$OUT_DIR/$DATE-peers$([ "$SCENARIO" = rtmp ] || echo "-$SCENARIO")$([ $QUICK = 1 ] && echo -quick)${LABEL:+-${LABEL//[^A-Za-z0-9._-]/-}}"
mkdir -p "$OUT_DIR"
if [ "$SCENARIO" = hls ]; then
  node "$BENCH_DIR/summarize-hls.mjs" --raw "$WORK/raw" --json "$BASE.json" --md "$BASE.md" --meta "$(printf '{"rounds":%s,"ns":"%s","warmupSec":%s,"durationSec":%s,"label":"%s","streamgateNodeOptions":"%s","wallSec":%s}' "$ROUNDS" "$NS" "$WARMUP" "$DURATION" "$LABEL" "$SG_NODE_OPTIONS" $(( $(date +%s) - T_START )))"
  log "done in $(( $(date +%s) - T_START ))s: ${BASE#"$BENCH_DIR"/}.md and .json"
  exit 0
fi
node "$BENCH_DIR/summarize-peers.mjs" --raw "$WORK/raw" --json "$BASE.json" --md "$BASE.md" \
  --meta "$(printf '{"quick":%s,"rounds":%s,"ns":"%s","warmupSec":%s,"durationSec":%s,"late":%s,"probes":%s,"ramp":%s,"scenario":"%s","label":"%s","streamgateNodeOptions":"%s","streamgateNodeFlags":"%s","stopReadingPct":%s,"wallSec":%s}' \
    $([ $QUICK = 1 ] && echo true || echo false) "$ROUNDS" "$NS" "$WARMUP" "$DURATION" "$LATE" "$PROBES" "$RAMP" "$SCENARIO" "$LABEL" "$SG_NODE_OPTIONS" "${SG_NODE_FLAGS# }" "$STOP_READING" $(( $(date +%s) - T_START )))"
log "done in $(( $(date +%s) - T_START ))s: ${BASE#"$BENCH_DIR"/}.md and .json"
