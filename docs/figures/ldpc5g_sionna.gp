# docs/figures/ldpc5g_sionna.gp - aesim's 64-QAM + 5G LDPC (750, 1500) BLER beside the published baseline
# of Sionna's autoencoder tutorial. Run from the project root after
#   ./aesim run experiments/ldpc5g_qam.cfg --threads 2 --out results/ldpc5g_qam
# gnuplot -e "results='results/ldpc5g_qam/results.csv'" docs/figures/ldpc5g_sionna.gp
if (!exists('results')) results = 'results/ldpc5g_qam/results.csv'
if (!exists('outfile')) outfile = 'docs/figures/ldpc5g_sionna_bler.png'
set terminal pngcairo size 800,560 font ',11'
set output outfile
set datafile separator ','
set logscale y
set format y '10^{%L}'
set yrange [1e-4:1.5]
set xrange [4.5:7.5]
set grid
set key bottom left
set xlabel 'E_b/N_0 (dB)'
set ylabel 'BLER'
set title '64-QAM, 5G NR LDPC k = 750, n = 1500, exact demapping, 20 sum-product iterations, AWGN'
plot results using (strcol(1) eq 'qam64_ldpc' ? $3 : NaN):7:8:9 with yerrorlines lw 2 pt 7 title 'aesim (95% Wilson intervals)', \
     'experiments/reference/sionna_autoencoder_baseline.csv' using 1:7 with linespoints lw 2 pt 6 dt 2 title "Sionna tutorial baseline (published)"
