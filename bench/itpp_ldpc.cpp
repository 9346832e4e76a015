// itpp_ldpc.cpp - the IT++ peer of bench_ldpc: IT++'s LDPC belief-propagation decoder
// (LDPC_Code::bp_decode, sum-product on quantised LLRs with IT++'s table-based boxplus) on the graph and
// LLRs bench_ldpc --export wrote.
//
// usage: itpp_ldpc PREFIX K ITERATIONS SECONDS [FRAMES]
// Reads PREFIX.alist (the parity-check matrix, LDPC_Parity(file, "alist")), PREFIX.llr (float32 channel
// LLRs, n_vars per frame, in the alist's variable order, L = ln P(0) / P(1)) and PREFIX.bits (the sent
// codeword bits); uses the first FRAMES frames (default all). IT++'s LLRs use the same sign (L > 0 favours
// bit 0; its hard decision is QLLR < 0 -> 1), so the LLRs are converted by LLR_calc_unit::to_qllr alone
// (QLLR = round(2^12 L) with the default unit, bounded by QLLR_MAX).
// Exit conditions: ITERATIONS iterations, no syndrome check at each iteration nor at the start, so every
// frame runs all ITERATIONS (as bench_ldpc with early stop off). One thread. As bench_ldpc: an untimed
// warm-up decodes every frame once and counts errors on the first K (information) bits, then one timed
// repetition of about SECONDS cycling through the frames (the QLLR conversion is done before the clock).
// Prints one line:
//   case=ldpc_K_N implementation=itpp algorithm=sum_product iterations=... threads=1 frames=...
//   seconds=... info_bits_per_s=... info_mbit_per_s=... pool_frames=... block_errors=... bit_errors=...
//   bler=... ber=... valid=...
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <itpp/itcomm.h>

using namespace itpp;

static std::vector<char> read_all(const std::string &path)
{
    std::vector<char> d;
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) {
        std::fprintf(stderr, "itpp_ldpc: cannot read %s\n", path.c_str());
        std::exit(2);
    }
    char buf[1 << 16];
    size_t r;
    while ((r = std::fread(buf, 1, sizeof buf, f)) > 0)
        d.insert(d.end(), buf, buf + r);
    std::fclose(f);
    return d;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "usage: itpp_ldpc PREFIX K ITERATIONS SECONDS [FRAMES]\n");
        return 2;
    }
    std::string prefix = argv[1];
    int k = std::atoi(argv[2]), iters = std::atoi(argv[3]);
    double seconds = std::atof(argv[4]);
    long want = argc > 5 ? std::atol(argv[5]) : 0;

    LDPC_Parity H(prefix + ".alist", "alist");
    LDPC_Code C(&H, 0, false);
    C.set_exit_conditions(iters, false, false);
    const int nv = C.get_nvar();
    if (k < 1 || k > nv - C.get_ncheck() || iters < 1 || !(seconds > 0.0)) {
        std::fprintf(stderr, "itpp_ldpc: bad K (1..%d), ITERATIONS or SECONDS\n", nv - C.get_ncheck());
        return 2;
    }
    std::vector<char> lraw = read_all(prefix + ".llr"), braw = read_all(prefix + ".bits");
    size_t frames = lraw.size() / (sizeof(float) * nv);
    if (frames == 0 || braw.size() != frames * nv || lraw.size() != frames * nv * sizeof(float)) {
        std::fprintf(stderr, "itpp_ldpc: %s.llr / .bits do not hold whole frames of %d variables\n",
                     prefix.c_str(), nv);
        return 2;
    }
    if (want > 0 && (size_t)want < frames)
        frames = (size_t)want;
    const float *llr = reinterpret_cast<const float *>(lraw.data());
    LLR_calc_unit lcu = C.get_llrcalc();
    std::vector<QLLRvec> in(frames);
    for (size_t i = 0; i < frames; i++) {
        vec l(nv);
        for (int j = 0; j < nv; j++)
            l(j) = llr[i * nv + j];
        in[i] = lcu.to_qllr(l);
    }
    QLLRvec out(nv);

    // warm-up with the error count
    size_t block_errors = 0, bit_errors = 0, valid = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < frames; i++) {
        C.bp_decode(in[i], out);
        valid += C.syndrome_check(out);
        size_t e = 0;
        for (int b = 0; b < k; b++)
            e += (out(b) < 0) != (braw[i * nv + b] != 0);
        bit_errors += e;
        block_errors += e > 0;
    }
    double warm = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t total = (size_t)std::ceil((double)frames * seconds / (warm > 1e-6 ? warm : 1e-6));
    if (total < 1)
        total = 1;
    t0 = std::chrono::steady_clock::now();
    int sink = 0;
    for (size_t i = 0; i < total; i++)
        sink += C.bp_decode(in[i % frames], out);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double rate = (double)total * k / dt;
    int n_sent = 0; // from the case name written beside the files: PREFIX ends in _K_N
    size_t us = prefix.rfind('_');
    if (us != std::string::npos)
        n_sent = std::atoi(prefix.c_str() + us + 1);
    std::printf("case=ldpc_%d_%d implementation=itpp algorithm=sum_product iterations=%d threads=1 frames=%zu "
                "seconds=%.4f info_bits_per_s=%.0f info_mbit_per_s=%.4f pool_frames=%zu block_errors=%zu "
                "bit_errors=%zu bler=%.4e ber=%.4e valid=%zu sink=%d\n",
                k, n_sent, iters, total, dt, rate, rate / 1e6, frames, block_errors, bit_errors,
                (double)block_errors / frames, (double)bit_errors / ((double)frames * k), valid, sink);
    return 0;
}
