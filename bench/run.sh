#!/usr/bin/env bash
# bench/run.sh BENCH_BER - speed of aesim's classical BER loop against the peers in ../shared/peers,
# measured in the same run, interleaved (aesim, IT++, liquid-dsp, aesim, ...), medians of REPS.
# Writes bench-results.csv (case,implementation,threads,value,unit) at the project root and prints
# a table of ratios. Knobs: REPS (default 5), BITS (default 4e7 per aesim run), PEER_BITS (4e6).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${1:-$ROOT/build/bench_ber}
BENCH_OFDM=${2:-$ROOT/build/bench_ofdm}
BENCH_AE=${3:-$ROOT/build/bench_ae}
AE_REPS=${AE_REPS:-3}
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/peers}
WORK=$ROOT/build/peers
REPS=${REPS:-5}
BITS=${BITS:-40000000}
PEER_BITS=${PEER_BITS:-4000000}
OUT=$ROOT/bench-results.csv

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# the peers: built from their sources in a work folder (shared/ is read-only), skipped when a
# library is missing
mkdir -p "$WORK"
have_peers=0
if [ -d "$PEERS_SRC" ]; then
    cp "$PEERS_SRC"/Makefile "$PEERS_SRC"/*.c "$PEERS_SRC"/*.cpp "$WORK"/
    for p in liquid_ber itpp_ber limits; do
        make -s -C "$WORK" "$p" >/dev/null 2>&1 || echo "bench: cannot build peer $p (missing library?); skipped" >&2
    done
    have_peers=1
else
    echo "bench: no peers at $PEERS_SRC; aesim figures only" >&2
fi

declare -A vals
add() { vals[$1]+="$2"$'\n'; }
for r in $(seq "$REPS"); do
    for s in bpsk qpsk qam16; do
        add "aesim,$s,1" "$("$BENCH" "$s" 1 "$BITS" 1 6 | kv bits_per_s)"
        add "aesim,$s,2" "$("$BENCH" "$s" 2 "$BITS" 1 6 | kv bits_per_s)"
        if [ -x "$WORK/itpp_ber" ]; then add "itpp,$s,1" "$("$WORK/itpp_ber" "$s" 6 "$PEER_BITS" $((100 + r)) | kv bits_per_s)"; fi
        if [ -x "$WORK/liquid_ber" ]; then add "liquid,$s,1" "$("$WORK/liquid_ber" "$s" 6 "$PEER_BITS" $((100 + r)) | kv bits_per_s)"; fi
    done
    if [ -x "$BENCH_OFDM" ]; then
        line=$("$BENCH_OFDM" 100000 1)
        add "ofdm,aesim" "$(printf '%s' "$line" | kv aesim_symbols_per_s)"
        add "ofdm,floor" "$(printf '%s' "$line" | kv floor_symbols_per_s)"
    fi
    if [ -x "$WORK/limits" ]; then
        # the fused GSL BPSK loop: the best "+ ziggurat" row (one Gaussian per bit)
        add "gsl_ceiling,bpsk,1" "$("$WORK/limits" -r 1 -t 0.04 | awk -F'|' '/\+ ziggurat \|/ {gsub(/ /,"",$3); if ($3+0 > m) m = $3+0} END {print m}')"
    fi
done

# the autoencoder against PyTorch (../shared/peers/torch_ae.py on Debian's python3-torch, run with
# /usr/bin/python3), same network, recipe, batch and threads, interleaved
AE_CSV=$ROOT/build/bench-ae.csv
: > "$AE_CSV"
have_torch=0
if [ -f "$PEERS_SRC/torch_ae.py" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
    have_torch=1
else
    echo "bench: PyTorch peer skipped (install python3-torch to compare)" >&2
fi
if [ -x "$BENCH_AE" ]; then
    for r in $(seq "$AE_REPS"); do
        for th in 1 2; do
            for b in 256 1000 4096; do
                "$BENCH_AE" 7 4 "$b" "$th" 3000 200 2000000 2>/dev/null >> "$AE_CSV" || echo "bench: aesim AE b$b t$th failed its check" >&2
                if [ "$have_torch" = 1 ]; then
                    /usr/bin/python3 "$PEERS_SRC/torch_ae.py" --n 7 --k 4 --batch "$b" --threads "$th" --steps 3000 \
                        --csv 2>/dev/null | grep ',pytorch,' >> "$AE_CSV"
                fi
            done
            "$BENCH_AE" 8 8 1000 "$th" 300 50 500000 2>/dev/null | grep '_eval,' >> "$AE_CSV"
            if [ "$have_torch" = 1 ]; then
                /usr/bin/python3 "$PEERS_SRC/torch_ae.py" --n 8 --k 8 --batch 1000 --threads "$th" --steps 300 \
                    --warmup 50 --eval-blocks 500000 --csv 2>/dev/null | grep '_eval,pytorch,' >> "$AE_CSV"
            fi
        done
    done
fi

med() { printf '%s' "${vals[$1]:-}" | grep -v '^$' | median; }
{
    echo "case,implementation,threads,value,unit"
    for s in bpsk qpsk qam16; do
        for key in "aesim,$s,1" "aesim,$s,2" "itpp,$s,1" "liquid,$s,1"; do
            [ -n "${vals[$key]:-}" ] || continue
            IFS=, read -r impl _ th <<< "$key"
            echo "ber_${s}_awgn,$impl,$th,$(med "$key"),bit/s"
        done
        if [ -n "${vals[gsl_ceiling,bpsk,1]:-}" ]; then
            # one Gaussian per real dimension: QPSK carries 1 bit per Gaussian like BPSK, 16-QAM 2
            c=$(med "gsl_ceiling,bpsk,1")
            f=1; [ "$s" = qam16 ] && f=2
            echo "ber_${s}_awgn,gsl_ceiling,1,$(awk -v c="$c" -v f="$f" 'BEGIN {printf "%.0f", c * f}'),bit/s"
        fi
    done
    # autoencoder cases: the median of the repetitions of each (case, implementation, threads); the
    # evaluation case is measured with every training batch, so it has 3x the repetitions
    if [ -s "$AE_CSV" ]; then
        awk -F, '{k = $1","$2","$3; v[k] = v[k] " " $4; u[k] = $5} END {for (k in v) print k "|" u[k] "|" v[k]}' "$AE_CSV" |
            sort | while IFS='|' read -r key unit list; do
                echo "$key,$(printf '%s\n' $list | median),$unit"
            done
    fi
    if [ -n "${vals[ofdm,aesim]:-}" ]; then
        echo "ofdm_qpsk_n64_cp16,aesim,1,$(med ofdm,aesim),symbols/s"
        echo "ofdm_qpsk_n64_cp16,floor,1,$(med ofdm,floor),symbols/s"
    fi
} > "$OUT"

echo "bench-results.csv (medians of $REPS, interleaved; Mbit/s):"
awk -F, 'NR > 1 && $1 ~ /^ber_/ {v[$1","$2","$3] = $4; cases[$1] = 1}
END {
    printf "%-16s %10s %10s %10s %10s %10s %12s %12s %10s\n", "case", "aesim", "aesim x2", "itpp", "liquid",
           "ceiling", "aesim/best", "aesim/ceil", "2T scale"
    for (c in cases) {
        a = v[c",aesim,1"]; a2 = v[c",aesim,2"]; i = v[c",itpp,1"]; l = v[c",liquid,1"]; g = v[c",gsl_ceiling,1"]
        best = (i > l ? i : l)
        rb = (best > 0) ? sprintf("%.2fx", a / best) : "n/a"
        rc = (g > 0) ? sprintf("%.0f%%", 100 * a / g) : "n/a"
        sc = (a > 0) ? a2 / a : 0
        printf "%-16s %10.1f %10.1f %10.1f %10.1f %10.1f %12s %12s %10.2f\n", c, a / 1e6, a2 / 1e6, i / 1e6, l / 1e6, g / 1e6, rb, rc, sc
    }
}' "$OUT" | sort
awk -F, '$1 == "ofdm_qpsk_n64_cp16" {v[$2] = $4}
END { if (v["aesim"] > 0) printf "ofdm_qpsk_n64_cp16: aesim %.0f OFDM symbols/s, floor %.0f (two FFTs and the noise alone): floor/aesim = %.2f\n", v["aesim"], v["floor"], v["floor"] / v["aesim"] }' "$OUT"
awk -F, '$2 == "aesim" || $2 == "pytorch" || $2 == "gsl_gaussians" {v[$1","$2","$3] = $4; if ($2 == "aesim") c[$1","$3] = 1}
END {
    for (k in c) { split(k, a, ","); p = v[a[1]",pytorch,"a[2]]; s = v[a[1]",aesim,"a[2]]; g = v[a[1]",gsl_gaussians,"a[2]]
        extra = (g > 0) ? sprintf("  GSL Gaussians alone %12.0f (%.2fx aesim)", g, g / s) : ""
        ps = (p > 0) ? sprintf("%12.0f", p) : "-"; ratio = (p > 0) ? sprintf("%.1fx", s / p) : "n/a"
        if (s > 0) printf("%-22s threads %s: aesim %12.0f  pytorch %12s  ratio %s%s\n", a[1], a[2], s, ps, ratio, extra) }
}' "$OUT" | sort
