#!/usr/bin/env bash
# bench/run.sh BENCH_BER BENCH_OFDM BENCH_AE BENCH_CPU [BENCH_LDPC ITPP_LDPC] - aesim's speed against the
# peers in ../shared/peers (and IT++'s LDPC decoder, bench/itpp_ldpc.cpp), measured in the same run.
#
# How it measures (each point answers a cause of unstable figures):
# - every sample is one process: an untimed warm-up that also sizes the work, then one timed
#   repetition of BENCH_SECONDS (default 0.6 s) - no sample is a cold start or a few milliseconds long;
# - ROUNDS rounds (default 5), each running every case once, interleaved (aesim, IT++, liquid-dsp, ...;
#   the order reversed every other round), so that drift and noise hit aesim and the peers alike;
# - one-thread cases all run pinned to one core (PIN_CPU: a number, `auto` = the faster core in a
#   first measurement, `none`): on a virtual machine the cores' speeds can differ by up to 2x and
#   change over time, and an unpinned process lands on either;
# - each round measures every core's speed (bench_cpu: GSL Gaussians per CPU second) and every sample
#   the CPU used meanwhile by other processes (from /proc/stat), so the machine's part of the spread
#   can be seen;
# - a BER, ceiling or OFDM sample during which other processes used more than QUIET_MAX cores (0.1) is
#   taken again, at most RETRIES (2) more times, keeping the attempt with the least other load;
# - before the rounds, each round and each autoencoder repetition it waits for the machine to be quiet
#   (at most WAIT_IDLE s in all, default 60; 0 skips).
# Writes bench-results.csv at the project root:
#   case,implementation,threads,value,min,median,max,runs,quiet_runs,others,unit
# min, median, max over all the runs; value = the median of the quiet runs (other processes at most
# QUIET_MAX cores during the sample), or of all runs if none was quiet; others = CPU cores used by
# other processes during the case's samples (mean); every sample kept goes to build/bench-samples.csv
# (round,case,implementation,threads,value,unit,others,attempts). Then prints the tables of ratios.
# LDPC decoding (bench_ldpc against itpp_ldpc, same graph and LLRs from bench_ldpc --export): once before
# the rounds a check decodes LDPC_CHECK_FRAMES frames per code on both sides and prints the block errors
# of each (they must agree roughly: the same LLRs on the same graph); in the rounds, samples on the
# first LDPC_FRAMES frames (short code; a sixteenth of them for the long one), info bits per second.
# Knobs: ROUNDS, BENCH_SECONDS, AE_REPS (3), PIN_CPU, WAIT_IDLE, RETRIES, QUIET_MAX, LDPC_FRAMES (128),
# LDPC_CHECK_FRAMES (2000; the long code a tenth of it), LDPC=0 to skip the LDPC cases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${1:-$ROOT/build/bench_ber}
BENCH_OFDM=${2:-$ROOT/build/bench_ofdm}
BENCH_AE=${3:-$ROOT/build/bench_ae}
BENCH_CPU=${4:-$ROOT/build/bench_cpu}
BENCH_LDPC=${5:-$ROOT/build/bench_ldpc}
ITPP_LDPC=${6:-$ROOT/build/itpp_ldpc}
LDPC=${LDPC:-1}
LDPC_FRAMES=${LDPC_FRAMES:-128}
LDPC_CHECK_FRAMES=${LDPC_CHECK_FRAMES:-2000}
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/peers}
WORK=$ROOT/build/peers
ROUNDS=${ROUNDS:-${REPS:-5}}
AE_REPS=${AE_REPS:-3}
SECS=${BENCH_SECONDS:-0.6}
PIN_CPU=${PIN_CPU:-auto}
WAIT_IDLE=${WAIT_IDLE:-60}
RETRIES=${RETRIES:-2}
QUIET_MAX=${QUIET_MAX:-0.1}
OUT=$ROOT/bench-results.csv
SAMPLES=$ROOT/build/bench-samples.csv
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT

kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
NCPU=$(getconf _NPROCESSORS_ONLN)
HZ=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat 2>/dev/null || echo 0; }

# run_sample CMD...: runs CMD once; its stdout in RUN_OUT; OTHERS = CPU cores used by other processes
# while it ran (the machine's busy time from /proc/stat less CMD's own user + system time)
run_sample() {
    local b0 b1 t0 t1 TIMEFORMAT='%3U %3S'
    b0=$(busy_ticks)
    t0=$(date +%s.%N)
    if ! { time "$@" > "$TMPD/out" 2> "$TMPD/err"; } 2> "$TMPD/time"; then
        echo "bench: failed: $*" >&2
        cat "$TMPD/err" >&2
        RUN_OUT=""
        OTHERS=nan
        return 1
    fi
    t1=$(date +%s.%N)
    b1=$(busy_ticks)
    RUN_OUT=$(cat "$TMPD/out")
    OTHERS=$(awk -v b=$((b1 - b0)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" \
        'END {o = (b / hz - ($1 + $2)) / (t1 - t0); printf "%.2f", o < 0 ? 0 : o}' "$TMPD/time")
}

# try_sample CMD...: run_sample, taken again (at most RETRIES more times) while other processes used
# more than QUIET_MAX cores; keeps the attempt with the least other load (TRIES = attempts made)
try_sample() {
    local best_out="" best_oth="" i
    TRIES=0
    for ((i = 0; i <= RETRIES; i++)); do
        run_sample "$@" || return 1
        TRIES=$((TRIES + 1))
        if [ -z "$best_oth" ] || awk -v a="$OTHERS" -v b="$best_oth" 'BEGIN {exit !(a < b)}'; then
            best_out=$RUN_OUT
            best_oth=$OTHERS
        fi
        awk -v a="$OTHERS" -v q="$QUIET_MAX" 'BEGIN {exit !(a > q)}' || break
    done
    RUN_OUT=$best_out
    OTHERS=$best_oth
}

# pinned CMD...: CMD on the chosen core (one-thread cases)
PIN=()
pinned() { "${PIN[@]}" "$@"; }

ROUND=0
# add CASE IMPL THREADS VALUE UNIT: one sample (with the OTHERS of the sample just run)
TRIES=1
add() {
    [ -n "$4" ] || return 0
    echo "$ROUND,$1,$2,$3,$4,$5,$OTHERS,$TRIES" >> "$SAMPLES"
}

# the peers: built from their sources in a work folder (shared/ is read-only), skipped when a
# library is missing
mkdir -p "$WORK"
if [ -d "$PEERS_SRC" ]; then
    cp "$PEERS_SRC"/Makefile "$PEERS_SRC"/*.c "$PEERS_SRC"/*.cpp "$WORK"/
    for p in liquid_ber itpp_ber limits; do
        make -s -C "$WORK" "$p" >/dev/null 2>&1 || echo "bench: cannot build peer $p (missing library?); skipped" >&2
    done
else
    echo "bench: no peers at $PEERS_SRC; aesim figures only" >&2
fi
PEERS=()
for p in itpp liquid; do [ -x "$WORK/${p}_ber" ] && PEERS+=("$p"); done

# wait for the machine to be quiet (other processes below 0.1 cores for 3 s), before the rounds and
# before each round and autoencoder repetition, at most WAIT_IDLE s in all
WAIT_LEFT=$WAIT_IDLE
wait_quiet() {
    local quiet=0 b0 b1
    [ "$WAIT_LEFT" -gt 0 ] || return 0
    while [ "$WAIT_LEFT" -gt 0 ] && [ "$quiet" -lt 3 ]; do
        b0=$(busy_ticks)
        sleep 1
        b1=$(busy_ticks)
        WAIT_LEFT=$((WAIT_LEFT - 1))
        if [ $((b1 - b0)) -le $((HZ / 10)) ]; then quiet=$((quiet + 1)); else quiet=0; fi
    done
    [ "$quiet" -ge 3 ] || echo "bench: the machine did not fall quiet within ${WAIT_IDLE}s in all; measuring anyway" >&2
}
wait_quiet

# the cores' speeds; with PIN_CPU=auto the faster core is chosen for the one-thread cases
cpu_speeds() {
    for c in $(seq 0 $((NCPU - 1))); do
        if [ -x "$BENCH_CPU" ] && command -v taskset >/dev/null &&
            run_sample taskset -c "$c" "$BENCH_CPU" 0.3; then
            add cpu_speed "cpu$c" 1 "$(printf '%s' "$RUN_OUT" | kv gaussians_per_cpu_s)" gaussians/cpu_s
        fi
    done
}
: > "$SAMPLES"
cpu_speeds
if [ "$PIN_CPU" = auto ]; then
    PIN_CPU=$(awk -F, '$2 == "cpu_speed" && $5 > m {m = $5; c = substr($3, 4)} END {print c}' "$SAMPLES")
fi
if [ "$PIN_CPU" != none ] && [ -n "$PIN_CPU" ] && command -v taskset >/dev/null; then
    PIN=(taskset -c "$PIN_CPU")
    echo "bench: one-thread cases pinned to core $PIN_CPU" >&2
fi

# peer sizes: bits for about SECS per run, from untimed runs (which also warm the files and caches)
declare -A PBITS
for p in "${PEERS[@]}"; do
    for s in bpsk qpsk qam16; do
        n=1000000
        for _ in 1 2 3; do
            t=$(pinned "$WORK/${p}_ber" "$s" 6 "$n" 99 | kv seconds)
            n=$(awk -v n="$n" -v t="$t" -v s="$SECS" 'BEGIN {printf "%.0f", n * s / (t > 1e-3 ? t : 1e-3)}')
            awk -v t="$t" -v s="$SECS" 'BEGIN {exit !(t >= s / 4)}' && break
        done
        PBITS[$p,$s]=$n
    done
done

# --- LDPC: the codes (k n), the files of the IT++ peer and the decoding check
LDPC_CODES=("750 1500" "8448 16896")
LDPC_CHECK=$ROOT/build/ldpc-check.csv
have_ldpc=0
have_itpp_ldpc=0
if [ "$LDPC" = 1 ] && [ -x "$BENCH_LDPC" ]; then
    have_ldpc=1
    [ -x "$ITPP_LDPC" ] && have_itpp_ldpc=1 || echo "bench: IT++ LDPC peer missing ($ITPP_LDPC); aesim figures only" >&2
fi
# ldpc_frames K: frames per sample (long codes a sixteenth of them: a frame is 11x the work)
ldpc_frames() { if [ "$1" -ge 4000 ]; then echo $(((LDPC_FRAMES + 15) / 16)); else echo "$LDPC_FRAMES"; fi; }
if [ "$have_ldpc" = 1 ]; then
    echo "code,decoder,implementation,frames,block_errors,bit_errors,bler,ebno_db" > "$LDPC_CHECK"
    for kn in "${LDPC_CODES[@]}"; do
        read -r k n <<< "$kn"
        cf=$LDPC_CHECK_FRAMES
        [ "$k" -ge 4000 ] && cf=$(((cf + 9) / 10))
        "$BENCH_LDPC" --export "$WORK/ldpc_${k}_${n}" "$k" "$n" "$cf" > /dev/null
        for d in "sum_product 20 sp20" "offset_min_sum 10 oms10" "sum_product 10 sp10"; do
            read -r alg it tag <<< "$d"
            if run_sample "$BENCH_LDPC" "$k" "$n" "$alg" "$it" 2 0.05 "$cf"; then
                printf '%s\n' "$RUN_OUT" | awk -v c="${k}_${n}" -v t="$tag" '{for (i = 1; i <= NF; i++) {split($i, a, "="); v[a[1]] = a[2]}
                    printf "%s,%s,aesim,%s,%s,%s,%s,%s\n", c, t, v["pool_frames"], v["block_errors"], v["bit_errors"], v["bler"], v["ebno_db"]}' >> "$LDPC_CHECK"
            fi
            if [ "$have_itpp_ldpc" = 1 ] && [ "$alg" = sum_product ] &&
                run_sample "$ITPP_LDPC" "$WORK/ldpc_${k}_${n}" "$k" "$it" 0.05; then
                printf '%s\n' "$RUN_OUT" | awk -v c="${k}_${n}" -v t="$tag" '{for (i = 1; i <= NF; i++) {split($i, a, "="); v[a[1]] = a[2]}
                    printf "%s,%s,itpp,%s,%s,%s,%s,\n", c, t, v["pool_frames"], v["block_errors"], v["bit_errors"], v["bler"]}' >> "$LDPC_CHECK"
            fi
        done
    done
    echo "bench: LDPC decoding check done after ${SECONDS}s" >&2
fi

# ldpc_round ORDER...: one sample of every LDPC case, implementations in ORDER (aesim1 aesim2 itpp)
ldpc_round() {
    local kn k n fr d alg it tag impl v
    for kn in "${LDPC_CODES[@]}"; do
        read -r k n <<< "$kn"
        fr=$(ldpc_frames "$k")
        for d in "sum_product 20 sp20" "offset_min_sum 10 oms10" "sum_product 10 sp10"; do
            read -r alg it tag <<< "$d"
            for impl in "$@"; do
                case $impl in
                aesim1) [ "$tag" != sp10 ] && try_sample pinned "$BENCH_LDPC" "$k" "$n" "$alg" "$it" 1 "$SECS" "$fr" &&
                    add "ldpc_${k}_${n}_$tag" aesim 1 "$(printf '%s' "$RUN_OUT" | kv info_bits_per_s)" info_bit/s ;;
                aesim2) [ "$tag" != sp10 ] && try_sample "$BENCH_LDPC" "$k" "$n" "$alg" "$it" 2 "$SECS" "$fr" &&
                    add "ldpc_${k}_${n}_$tag" aesim 2 "$(printf '%s' "$RUN_OUT" | kv info_bits_per_s)" info_bit/s ;;
                itpp) [ "$have_itpp_ldpc" = 1 ] && [ "$alg" = sum_product ] &&
                    try_sample pinned "$ITPP_LDPC" "$WORK/ldpc_${k}_${n}" "$k" "$it" "$SECS" "$fr" &&
                    add "ldpc_${k}_${n}_$tag" itpp 1 "$(printf '%s' "$RUN_OUT" | kv info_bits_per_s)" info_bit/s ;;
                esac
            done
        done
    done
    return 0
}

# --- the BER loops, the GSL ceiling, OFDM, LDPC: ROUNDS interleaved rounds
for r in $(seq "$ROUNDS"); do
    ROUND=$r
    TRIES=1
    if [ "$r" -gt 1 ]; then
        wait_quiet
        cpu_speeds
    fi
    order=(aesim1 aesim2 "${PEERS[@]}")
    if [ $((r % 2)) -eq 0 ]; then
        rev=()
        for ((i = ${#order[@]} - 1; i >= 0; i--)); do rev+=("${order[i]}"); done
        order=("${rev[@]}")
    fi
    for s in bpsk qpsk qam16; do
        for impl in "${order[@]}"; do
            case $impl in
            aesim1) try_sample pinned "$BENCH" "$s" 1 "$SECS" 1 6 && add "ber_${s}_awgn" aesim 1 "$(printf '%s' "$RUN_OUT" | kv bits_per_s)" bit/s ;;
            aesim2) try_sample "$BENCH" "$s" 2 "$SECS" 1 6 && add "ber_${s}_awgn" aesim 2 "$(printf '%s' "$RUN_OUT" | kv bits_per_s)" bit/s ;;
            *) try_sample pinned "$WORK/${impl}_ber" "$s" 6 "${PBITS[$impl,$s]}" $((100 + r)) &&
                add "ber_${s}_awgn" "$impl" 1 "$(printf '%s' "$RUN_OUT" | kv bits_per_s)" bit/s ;;
            esac
        done
    done
    if [ -x "$WORK/limits" ] && try_sample pinned "$WORK/limits" -r 1 -t 0.3 bpsk; then
        # the fused GSL BPSK loop: the best "+ ziggurat" row (one Gaussian per bit)
        add gsl_ceiling bpsk 1 "$(printf '%s\n' "$RUN_OUT" | awk -F'|' '/\+ ziggurat \|/ {gsub(/ /, "", $3); if ($3 + 0 > m) m = $3 + 0} END {print m}')" bit/s
    fi
    if [ -x "$BENCH_OFDM" ] && try_sample pinned "$BENCH_OFDM" "$SECS"; then
        add ofdm_qpsk_n64_cp16 aesim 1 "$(printf '%s' "$RUN_OUT" | kv aesim_symbols_per_s)" symbols/s
        add ofdm_qpsk_n64_cp16 floor 1 "$(printf '%s' "$RUN_OUT" | kv floor_symbols_per_s)" symbols/s
    fi
    if [ "$have_ldpc" = 1 ]; then
        if [ $((r % 2)) -eq 0 ]; then ldpc_round itpp aesim2 aesim1; else ldpc_round aesim1 aesim2 itpp; fi
    fi
done

echo "bench: BER, ceiling, OFDM and LDPC rounds done after ${SECONDS}s" >&2

# --- the autoencoder against PyTorch (../shared/peers/torch_ae.py on Debian's python3-torch, run with
# /usr/bin/python3), same network, recipe, batch and threads, interleaved; step counts sized so that
# each timed part lasts about half a second or more on this machine class
have_torch=0
if [ -f "$PEERS_SRC/torch_ae.py" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
    have_torch=1
else
    echo "bench: PyTorch peer skipped (install python3-torch to compare)" >&2
fi
# add_csv: the bench-results lines (case,implementation,threads,value,unit) of RUN_OUT as samples
add_csv() {
    printf '%s\n' "$RUN_OUT" | grep "$1" | while IFS=, read -r c i th v u; do add "$c" "$i" "$th" "$v" "$u"; done
}
declare -A AE_STEPS=([256]=8000 [1000]=3000 [4096]=1000) TORCH_STEPS=([256]=1200 [1000]=800 [4096]=300)
TRIES=1
if [ -x "$BENCH_AE" ]; then
    for r in $(seq "$AE_REPS"); do
        ROUND=$r
        wait_quiet
        for th in 1 2; do
            run=(); [ "$th" = 1 ] && run=("${PIN[@]}")
            for b in 256 1000 4096; do
                if run_sample "${run[@]}" "$BENCH_AE" 7 4 "$b" "$th" "${AE_STEPS[$b]}" 200 1e7; then
                    add_csv ','
                else
                    echo "bench: aesim AE b$b t$th failed its check" >&2
                fi
                if [ "$have_torch" = 1 ] &&
                    run_sample "${run[@]}" /usr/bin/python3 "$PEERS_SRC/torch_ae.py" --n 7 --k 4 --batch "$b" \
                        --threads "$th" --steps "${TORCH_STEPS[$b]}" --eval-blocks 1000000 --csv; then
                    add_csv ',pytorch,'
                fi
            done
            run_sample "${run[@]}" "$BENCH_AE" 8 8 1000 "$th" 300 50 500000 && add_csv '_eval,'
            if [ "$have_torch" = 1 ] &&
                run_sample "${run[@]}" /usr/bin/python3 "$PEERS_SRC/torch_ae.py" --n 8 --k 8 --batch 1000 \
                    --threads "$th" --steps 300 --warmup 50 --eval-blocks 100000 --csv; then
                add_csv '_eval,pytorch,'
            fi
        done
    done
fi

echo "bench: autoencoder cases done after ${SECONDS}s" >&2

# --- bench-results.csv: per (case, implementation, threads) the median, min, max of the samples
{
    echo "case,implementation,threads,value,min,median,max,runs,quiet_runs,others,unit"
    sort -t, -k2,2 -k3,3 -k4,4n -k5,5g "$SAMPLES" | awk -F, -v q="$QUIET_MAX" '
        function f(x) { return (x >= 1e5 || x == int(x)) ? sprintf("%.0f", x) : sprintf("%.6g", x) }
        function median(a, m) { return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
        function flush() {
            if (n == 0) return
            med = median(v, n)
            printf "%s,%s,%s,%s,%s,%d,%d,%.2f,%s\n", key, f(nq ? median(w, nq) : med), f(v[1]), f(med), f(v[n]), n, nq,
                o / n, unit
        }
        { k = $2 "," $3 "," $4; if (k != key) { flush(); key = k; n = 0; nq = 0; o = 0 }
          v[++n] = $5; unit = $6; o += ($7 == "nan" ? 0 : $7); if ($7 != "nan" && $7 <= q) w[++nq] = $5 }
        END { flush() }'
} > "$OUT"

# --- tables
val() { awk -F, -v k="$1" -v c="${2:-4}" '$1 "," $2 "," $3 == k {print $c}' "$OUT"; }
echo "bench-results.csv: $ROUNDS interleaved rounds, each sample ${SECS}s after a warm-up; figures are medians of"
echo "the quiet samples (other processes <= $QUIET_MAX cores), [min-max] over all samples"
awk -F, '$1 == "cpu_speed" {printf "core %s: %.0fM Gaussians per CPU second (%.0f-%.0fM)\n", substr($2, 4), $4 / 1e6, $5 / 1e6, $7 / 1e6}' "$OUT"
awk -F, -v q="$QUIET_MAX" '$2 != "cpu_speed" {n++; o += $7; if ($7 > m) m = $7; if ($7 > q) busy++; if ($8 > 1) again++}
    END {if (n) printf "other processes used %.2f cores on average during the samples (%.2f at most); %d of %d samples with more than %s cores, %d taken again\n", o / n, m, busy, n, q, again}' "$SAMPLES"
printf "\n%-16s %22s %22s %8s %8s %8s %11s %10s %9s\n" "case (Mbit/s)" "aesim [min-max]" "aesim x2 [min-max]" "itpp" "liquid" \
    "ceiling" "aesim/best" "aesim/ceil" "2T scale"
c=$(val gsl_ceiling,bpsk,1)
for s in bpsk qpsk qam16; do
    k=ber_${s}_awgn
    awk -v s="$s" -v a="$(val "$k,aesim,1")" -v alo="$(val "$k,aesim,1" 5)" -v ahi="$(val "$k,aesim,1" 7)" \
        -v b="$(val "$k,aesim,2")" -v blo="$(val "$k,aesim,2" 5)" -v bhi="$(val "$k,aesim,2" 7)" \
        -v i="$(val "$k,itpp,1")" -v l="$(val "$k,liquid,1")" -v c="$c" 'BEGIN {
        # one Gaussian per real dimension: QPSK carries 1 bit per Gaussian like BPSK, 16-QAM 2
        g = c * (s == "qam16" ? 2 : 1); best = (i > l ? i : l)
        printf "%-16s %6.1f [%6.1f-%6.1f] %6.1f [%6.1f-%6.1f] %8.1f %8.1f %8.1f %11s %10s %9.2f\n", s ", AWGN",
            a / 1e6, alo / 1e6, ahi / 1e6, b / 1e6, blo / 1e6, bhi / 1e6, i / 1e6, l / 1e6, g / 1e6,
            (best > 0 ? sprintf("%.2fx", a / best) : "n/a"), (g > 0 ? sprintf("%.0f%%", 100 * a / g) : "n/a"),
            (a > 0 ? b / a : 0) }'
done
# the repeatability of the BER, ceiling and OFDM cases: (max - min) / median over the quiet samples
sort -t, -k2,2 -k3,3 -k4,4n -k5,5g "$SAMPLES" | awk -F, -v q="$QUIET_MAX" '
    function flush() {
        if (n >= 2) {
            sp = (w[n] - w[1]) / ((n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2)
            if (sp > worst) { worst = sp; wk = key }
            if (sp > 0.10) printf "  quiet samples of %s spread over 10%%: %.0f%% (%d samples)\n", key, 100 * sp, n
        }
    }
    $2 ~ /^ber_/ || $2 ~ /^ldpc_/ || $2 == "ofdm_qpsk_n64_cp16" || $2 == "gsl_ceiling" {
        k = $2 " " $3 " " $4 " threads"; if (k != key) { flush(); key = k; n = 0 }
        if ($7 != "nan" && $7 <= q) w[++n] = $5 }
    END { flush(); if (wk != "") printf "largest spread of the quiet samples: %.0f%% (%s)\n", 100 * worst, wk }'
awk -F, '$1 == "ofdm_qpsk_n64_cp16" {v[$2] = $4}
END { if (v["aesim"] > 0) printf "\nofdm_qpsk_n64_cp16: aesim %.0f OFDM symbols/s, floor %.0f (two FFTs and the noise alone): floor/aesim = %.2f\n", v["aesim"], v["floor"], v["floor"] / v["aesim"] }' "$OUT"
awk -F, '$2 == "aesim" || $2 == "pytorch" || $2 == "gsl_gaussians" {v[$1","$2","$3] = $4; lo[$1","$2","$3] = $5; hi[$1","$2","$3] = $7; if ($2 == "aesim" && $1 ~ /^ae_/) c[$1","$3] = 1}
END {
    for (k in c) { split(k, a, ","); p = v[a[1]",pytorch,"a[2]]; s = v[a[1]",aesim,"a[2]]; g = v[a[1]",gsl_gaussians,"a[2]]
        extra = (g > 0) ? sprintf("  GSL Gaussians alone %12.0f (%.2fx aesim)", g, g / s) : ""
        ps = (p > 0) ? sprintf("%12.0f", p) : "-"; ratio = (p > 0) ? sprintf("%.1fx", s / p) : "n/a"
        if (s > 0) printf("%-22s threads %s: aesim %12.0f [%.0f-%.0f]  pytorch %12s  ratio %s%s\n", a[1], a[2], s,
            lo[a[1]",aesim,"a[2]], hi[a[1]",aesim,"a[2]], ps, ratio, extra) }
}' "$OUT" | sort

# --- LDPC decoding: aesim against IT++ at one thread, aesim's scaling to two threads, and the check
if [ "$have_ldpc" = 1 ]; then
    echo
    echo "LDPC decoding, info Mbit/s per core (flooding, early stop off: every codeword runs all iterations;"
    echo "IT++ has no offset min-sum: its sum-product at 10 iterations stands beside aesim's offset min-sum at 10)"
    printf "%-15s %-28s %24s %24s %-22s %9s %9s\n" "code (k, n)" "aesim decoder" "aesim 1T [min-max]" \
        "aesim 2T [min-max]" "IT++ 1T (decoder)" "aesim/IT++" "2T/1T"
    for kn in "${LDPC_CODES[@]}"; do
        read -r k n <<< "$kn"
        for d in "sp20 sp20 sum-product,_20_it. sum-product_20" "oms10 sp10 offset_min-sum,_10_it. sum-product_10"; do
            read -r tag ptag label plabel <<< "$d"
            c=ldpc_${k}_${n}_$tag
            awk -v code="($k, $n)" -v lab="${label//_/ }" -v plab="${plabel//_/ }" \
                -v a="$(val "$c,aesim,1")" -v alo="$(val "$c,aesim,1" 5)" -v ahi="$(val "$c,aesim,1" 7)" \
                -v b="$(val "$c,aesim,2")" -v blo="$(val "$c,aesim,2" 5)" -v bhi="$(val "$c,aesim,2" 7)" \
                -v i="$(val "ldpc_${k}_${n}_$ptag,itpp,1")" 'BEGIN {
                printf "%-15s %-28s %7.3f [%6.3f-%6.3f] %7.3f [%6.3f-%6.3f] %8.3f %-13s %9s %9.2f\n", code, lab,
                    a / 1e6, alo / 1e6, ahi / 1e6, b / 1e6, blo / 1e6, bhi / 1e6, i / 1e6, "(" plab ")",
                    (i > 0 ? sprintf("%.2fx", a / i) : "n/a"), (a > 0 ? b / a : 0) }'
        done
    done
    echo
    echo "LDPC decoding check (same LLRs, same graph; block errors over the check frames):"
    awk -F, 'NR > 1 {key = $1 "," $2; if (!(key in seen)) {seen[key] = 1; order[++m] = key}
        if ($8 != "") eb[$1] = $8; f[key "," $3] = $4; e[key "," $3] = $5; be[key "," $3] = $6}
    END {for (j = 1; j <= m; j++) {split(order[j], a, ","); key = order[j]
        printf "  %-12s %-6s Eb/N0 %s dB, %s frames: aesim %s block errors (%s bit errors), IT++ %s (%s)\n", a[1], a[2],
            eb[a[1]], f[key ",aesim"], e[key ",aesim"], be[key ",aesim"],
            (key ",itpp" in e) ? e[key ",itpp"] : "-", (key ",itpp" in be) ? be[key ",itpp"] : "-"}}' "$LDPC_CHECK"
fi
