#!/usr/bin/env bash
# tests/mpi_check.sh AESIM_MPI_BINARY - `mpirun -np 2` must give the counts of one process (same seed):
# a learned and a classical system on AWGN and an OFDM link, with an error-count stop rule so that the
# chunk-ordered prefix matters. Prints "N passed, N failed".
set -u
BIN=$1
DIR=$(mktemp -d /tmp/aesim-mpi-XXXXXX)
cat > "$DIR/m.cfg" <<'CFG'
eval = { ebno_db = [0.0, 3.0, 6.0]; target_block_errors = 700; max_blocks = 3000000; chunk_blocks = 10000; };
systems = (
  { name = "ae_7_4"; type = "autoencoder"; n = 7; k = 4; train = { steps = 600; batch = 500; }; },
  { name = "hamming_7_4_ml"; type = "hamming_7_4"; decoder = "ml"; },
  { name = "qpsk_ofdm"; type = "modem"; scheme = "qpsk";
    channel = { type = "ofdm"; nfft = 64; cp = 16; pdp = "exp:8:3"; pilots = "comb:4"; csi = "ls"; }; } );
CFG
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pass=0; fail=0
"$BIN" run "$DIR/m.cfg" --out "$DIR/one" --threads 1 --quiet || fail=$((fail + 1))
mpirun --oversubscribe -np 2 "$BIN" run "$DIR/m.cfg" --out "$DIR/two" --threads 1 --quiet || fail=$((fail + 1))
# every column but seconds (17)
if diff <(cut -d, -f1-16,18- "$DIR/one/results.csv") <(cut -d, -f1-16,18- "$DIR/two/results.csv"); then
    pass=$((pass + 1))
else
    echo "mpi_check: 2 ranks and one process disagree" >&2; fail=$((fail + 1))
fi
if grep -q '"ranks": 2' "$DIR/two/metadata.json"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
echo "mpi: $pass passed, $fail failed"
rm -rf "$DIR"
[ "$fail" -eq 0 ]
