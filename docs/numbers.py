#!/usr/bin/env python3
"""Recompute the figures that README.md and experiments/*.cfg quote, from results folders.

usage: python3 docs/numbers.py ROOT [EXPERIMENT ...]

ROOT holds one results folder per experiment, named as the config without .cfg
(`./aesim run experiments/oshea_7_4.cfg --out ROOT/oshea_7_4`), plus ROOT/oshea_7_4_paper for the
paper's training recipe (see docs/reported_runs.md for the commands). Only the Python standard
library is used. For every claim it prints a markdown table of the counts it rests on (blocks,
block errors, bits, bit errors, BLER, BER) and the derived figure:

- ratio A/B at one Eb/N0: the two rates divided (A and B see the same messages and noise on the
  chunks both ran when they have the same block shape);
- Eb/N0 at a target rate: log10(rate) interpolated linearly in Eb/N0 (dB) between the two grid
  points that bracket the target (the first crossing from above); "-" when none do.
  Between grid points 1 to 5 dB apart this is an approximation: where a closed form exists, its
  crossing on theory.csv's 0.1 dB grid is printed beside it as a check;
- offset of A from B at a point: the Eb/N0 at which B (interpolated as above) reaches A's rate,
  minus A's Eb/N0; positive when A needs less Eb/N0 than B for the same rate;
- "in the interval": whether the closed form lies within the point's 95% interval
  (bler_lo..bler_hi, ber_lo..ber_hi of results.csv).
"""

import csv
import math
import os
import sys


def load(root, exp):
    """results.csv of ROOT/exp as {system: [row, ...]} in grid order (numbers as float/int)."""
    out = {}
    with open(os.path.join(root, exp, "results.csv"), newline="") as f:
        for r in csv.DictReader(f):
            row = {"system": r["system"], "channel": r["channel"]}
            for key in ("ebno_db", "bler", "bler_lo", "bler_hi", "ber", "ber_lo", "ber_hi",
                        "theory_bler", "theory_ber", "bmi"):
                row[key] = float(r[key]) if r[key] != "" else None
            for key in ("blocks", "block_errors", "bits", "bit_errors"):
                row[key] = int(r[key])
            out.setdefault(r["system"], []).append(row)
    return out


def load_theory(root, exp):
    """theory.csv of ROOT/exp as {system: [(ebno_db, bler, ber), ...]} (empty cells as None)."""
    out = {}
    path = os.path.join(root, exp, "theory.csv")
    if not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            def num(key):
                return float(r[key]) if r[key] != "" else None
            out.setdefault(r["system"], []).append((num("ebno_db"), num("theory_bler"), num("theory_ber")))
    return out


def crossing(points, target):
    """Eb/N0 (dB) where log10(rate) first falls through log10(target), interpolated linearly between
    the bracketing points; points are (ebno_db, rate) in increasing Eb/N0. None if not bracketed."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if y0 is None or y1 is None or y0 <= 0 or y1 <= 0:
            continue
        if y0 >= target > y1:
            l0, l1, lt = math.log10(y0), math.log10(y1), math.log10(target)
            return x0 + (lt - l0) * (x1 - x0) / (l1 - l0)
    return None


def series(rows, key):
    """(ebno_db, rows' key) pairs, for crossing()."""
    return [(r["ebno_db"], r[key]) for r in rows]


def at(rows, ebno):
    """The row of one system at an Eb/N0 (dB), or None."""
    for r in rows:
        if abs(r["ebno_db"] - ebno) < 1e-6:
            return r
    return None


def fmt(x, digits=4):
    """A table cell: integers as they are, rates and ratios to `digits` significant digits."""
    if x is None:
        return "-"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}g}"


def ratio(a, b):
    """a / b, None when either is missing or b is 0."""
    return a / b if a is not None and b not in (None, 0) else None


def table(header, rows):
    """A markdown table, numbers right-aligned."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in r) + " |")
    print()


def offset(row, ref_rows, key):
    """Eb/N0 at which ref reaches row's rate, minus row's Eb/N0 (dB; > 0: row needs less)."""
    x = crossing(series(ref_rows, key), row[key]) if row[key] else None
    return None if x is None else x - row["ebno_db"]


def compare(res, a, b):
    """Per-point counts of systems a and b and the ratios a/b (BLER, BER) and the offset of a from b."""
    ra, rb = res[a], res[b]
    rows = []
    for r in ra:
        s = at(rb, r["ebno_db"])
        if s is None:
            continue
        off = offset(r, rb, "bler")
        rows.append([f"{r['ebno_db']:g}", r["blocks"], r["block_errors"], s["blocks"], s["block_errors"],
                     r["bler"], s["bler"], ratio(r["bler"], s["bler"]),
                     f"{off:+.3f}" if off is not None else "-",
                     r["bit_errors"], s["bit_errors"], r["ber"], s["ber"], ratio(r["ber"], s["ber"])])
    print(f"{a} (A) against {b} (B):\n")
    table(["Eb/N0 dB", "A blocks", "A block err.", "B blocks", "B block err.", "A BLER", "B BLER",
           "BLER A/B", "offset dB", "A bit err.", "B bit err.", "A BER", "B BER", "BER A/B"], rows)


def gain_at(res, theory, systems, key, target):
    """Eb/N0 where each system's rate crosses target (simulated, and on the closed form if any)."""
    rows = []
    for s in systems:
        x = crossing(series(res[s], key), target)
        late = crossing(series(res[s], key + "_hi"), target)  # the upper bounds cross at higher Eb/N0
        early = crossing(series(res[s], key + "_lo"), target)
        th = None
        if s in theory:
            idx = 1 if key == "bler" else 2
            th = crossing([(t[0], t[idx]) for t in theory[s]], target)
        rows.append([s, x, late, early, th])
    print(f"Eb/N0 (dB) where {key.upper()} = {target:g}, interpolated through the points, through their 95% "
          "upper bounds and through their lower bounds; the closed form's on its 0.1 dB grid:\n")
    table(["system", "Eb/N0 at target", "from upper bounds", "from lower bounds", "closed form"],
          [[r[0]] + [f"{v:.3f}" if v is not None else "-" for v in r[1:]] for r in rows])
    return {r[0]: r for r in rows}


def against_theory(res, systems, key):
    """Each point's rate beside its closed form and whether the closed form lies in its interval."""
    rows, inside, total = [], 0, 0
    for s in systems:
        for r in res[s]:
            th = r["theory_" + key]
            if th is None or r[key + "_lo"] is None:
                continue
            errs = r["block_errors"] if key == "bler" else r["bit_errors"]
            ok = r[key + "_lo"] <= th <= r[key + "_hi"]
            inside += ok
            total += 1
            rows.append([s, f"{r['ebno_db']:g}", r["blocks"] if key == "bler" else r["bits"], errs, r[key],
                         r[key + "_lo"], r[key + "_hi"], th, ratio(r[key], th), "yes" if ok else "**no**"])
    table(["system", "Eb/N0 dB", "blocks" if key == "bler" else "bits",
           "block err." if key == "bler" else "bit err.", key.upper(), "95% lo", "95% hi", "closed form",
           "sim/closed", "in the interval"], rows)
    print(f"{inside} of {total} points hold the closed form of {key.upper()} within their 95% interval.\n")


def counts(res, systems, cols=("blocks", "block_errors", "bler", "bits", "bit_errors", "ber")):
    rows = []
    for s in systems:
        for r in res[s]:
            rows.append([s, f"{r['ebno_db']:g}"] + [r[c] for c in cols])
    table(["system", "Eb/N0 dB"] + [c.replace("_", " ") for c in cols], rows)


def oshea_7_4(root, exp="oshea_7_4", classical=True):
    res, th = load(root, exp), load_theory(root, exp)
    compare(res, "ae_7_4", "hamming_7_4_ml")
    g = gain_at(res, th, ["ae_7_4", "hamming_7_4_ml", "hamming_7_4_hard", "uncoded_bpsk_4_4"], "bler", 1e-4)
    ae, hard, ml, unc = g["ae_7_4"][1], g["hamming_7_4_hard"][1], g["hamming_7_4_ml"][1], g["uncoded_bpsk_4_4"][1]
    print(f"Gain at BLER 1e-4: ae_7_4 over hard {hard - ae:.2f} dB, over uncoded BPSK (4,4) {unc - ae:.2f} dB; "
          f"ML over hard {hard - ml:.2f} dB.\n")
    if not classical:
        return
    print("Hard-decision Hamming and uncoded BPSK against their closed forms:\n")
    against_theory(res, ["hamming_7_4_hard", "uncoded_bpsk_4_4"], "bler")
    hard_below = all(r["bler"] < at(res["hamming_7_4_hard"], r["ebno_db"])["bler"]
                     for r in res["ae_7_4"] if r["block_errors"] > 0)
    print(f"ae_7_4's BLER below hard-decision Hamming's at every point: {hard_below}.\n")


def oshea_7_4_paper(root):
    oshea_7_4(root, "oshea_7_4_paper", classical=False)


def oshea_2_2(root):
    res = load(root, "oshea_2_2")
    compare(res, "ae_2_2", "uncoded_bpsk_2_2")
    print("ae_2_2 against the closed form of uncoded BPSK (2,2) (the closed form of its points):\n")
    rows, inside = [], 0
    for r in res["ae_2_2"]:
        th = at(res["uncoded_bpsk_2_2"], r["ebno_db"])["theory_bler"]
        ok = r["bler_lo"] <= th <= r["bler_hi"]
        inside += ok
        rows.append([f"{r['ebno_db']:g}", r["blocks"], r["block_errors"], r["bler"], r["bler_lo"], r["bler_hi"], th,
                     ratio(r["bler"], th), "yes" if ok else "**no**"])
    table(["Eb/N0 dB", "blocks", "block err.", "BLER", "95% lo", "95% hi", "BPSK closed form", "sim/closed",
           "in the interval"], rows)
    print(f"{inside} of {len(rows)} points of ae_2_2 hold BPSK's closed form within their 95% interval.\n")
    print("uncoded_bpsk_2_2 against its closed form:\n")
    against_theory(res, ["uncoded_bpsk_2_2"], "bler")


def oshea_8_8(root):
    res, th = load(root, "oshea_8_8"), load_theory(root, "oshea_8_8")
    compare(res, "ae_8_8", "uncoded_bpsk_8_8")
    g = gain_at(res, th, ["ae_8_8", "uncoded_bpsk_8_8"], "bler", 1e-4)
    if g["ae_8_8"][1] is not None and g["uncoded_bpsk_8_8"][1] is not None:
        print(f"Gain at BLER 1e-4: {g['uncoded_bpsk_8_8'][1] - g['ae_8_8'][1]:.2f} dB.\n")
    g = gain_at(res, th, ["ae_8_8", "uncoded_bpsk_8_8"], "bler", 1e-3)
    if g["ae_8_8"][1] is not None and g["uncoded_bpsk_8_8"][1] is not None:
        print(f"Gain at BLER 1e-3: {g['uncoded_bpsk_8_8'][1] - g['ae_8_8'][1]:.2f} dB.\n")


def modems_awgn(root, exp="modems_awgn"):
    res, th = load(root, exp), load_theory(root, exp)
    systems = ["qpsk", "qam16", "qam64"]
    print("Symbol error rate (BLER, one symbol per block) against the closed form:\n")
    against_theory(res, systems, "bler")
    print("BER against the closed form:\n")
    against_theory(res, systems, "ber")
    g = gain_at(res, th, systems, "ber", 1e-5)
    for a, b in (("qam16", "qpsk"), ("qam64", "qam16")):
        sim = g[a][1] - g[b][1] if g[a][1] is not None and g[b][1] is not None else None
        cf = g[a][4] - g[b][4] if g[a][4] is not None and g[b][4] is not None else None
        print(f"{a} needs {sim:.2f} dB (simulated) / {cf:.2f} dB (closed forms) more than {b} at BER 1e-5.\n")
    print("bmi (bits per bit) per point:\n")
    counts(res, systems, ("bit_errors", "ber", "bmi"))


def modems_awgn_exact(root):
    resm, rese = load(root, "modems_awgn"), load(root, "modems_awgn_exact")
    rows = []
    for s in ("qpsk", "qam16", "qam64"):
        for r in resm[s]:
            e = at(rese[s], r["ebno_db"])
            rows.append([s, f"{r['ebno_db']:g}", r["bmi"], e["bmi"],
                         e["bmi"] - r["bmi"] if e["bmi"] is not None and r["bmi"] is not None else None,
                         r["bit_errors"], e["bit_errors"], r["bits"], e["bits"]])
    print("bmi with the max-log demapper and with the exact one (same seed; the same noise):\n")
    table(["system", "Eb/N0 dB", "bmi max-log", "bmi exact", "exact - max-log", "bit err. max-log",
           "bit err. exact", "bits max-log", "bits exact"], rows)


def fading_bpsk_qpsk(root):
    res, th = load(root, "fading_bpsk_qpsk"), load_theory(root, "fading_bpsk_qpsk")
    systems = ["bpsk_awgn", "bpsk_rayleigh", "qpsk_rayleigh", "bpsk_rician_k3", "qpsk_rician_k3"]
    print("BER against the closed form:\n")
    against_theory(res, systems, "ber")
    g = gain_at(res, th, systems, "ber", 1e-4)
    aw = g["bpsk_awgn"]
    for s in ("bpsk_rayleigh", "bpsk_rician_k3"):
        sim = g[s][1] - aw[1] if g[s][1] is not None and aw[1] is not None else None
        cf = g[s][4] - aw[4] if g[s][4] is not None and aw[4] is not None else None
        print(f"{s} needs {fmt(sim)} dB (simulated, interpolated) / {fmt(cf)} dB (closed forms) more than "
              "bpsk_awgn at BER 1e-4.\n")
    r = res["bpsk_rayleigh"]
    a, b = at(r, 20.0), at(r, 40.0)
    print(f"bpsk_rayleigh slope 20 -> 40 dB: {math.log10(b['ber'] / a['ber']) / 2:.3f} decades per 10 dB "
          f"({a['bit_errors']} of {a['bits']} and {b['bit_errors']} of {b['bits']} bits in error).\n")
    print("QPSK against BPSK, the same channel, per point:\n")
    rows = []
    for q, bp in (("qpsk_rayleigh", "bpsk_rayleigh"), ("qpsk_rician_k3", "bpsk_rician_k3")):
        for r in res[q]:
            s = at(res[bp], r["ebno_db"])
            rows.append([q, f"{r['ebno_db']:g}", r["bit_errors"], r["bits"], s["bit_errors"], s["bits"], r["ber"],
                         s["ber"], ratio(r["ber"], s["ber"])])
    table(["QPSK system", "Eb/N0 dB", "QPSK bit err.", "QPSK bits", "BPSK bit err.", "BPSK bits", "QPSK BER",
           "BPSK BER", "QPSK/BPSK"], rows)


def ofdm_qam(root):
    res, th = load(root, "ofdm_qam"), load_theory(root, "ofdm_qam")
    print("Perfect CSI against the flat-Rayleigh closed forms (BER):\n")
    against_theory(res, ["qpsk_perfect", "qam16_perfect"], "ber")
    print("Perfect CSI against the flat-Rayleigh closed forms (BLER = SER):\n")
    against_theory(res, ["qpsk_perfect", "qam16_perfect"], "bler")
    print("LS estimation: the Eb/N0 the perfect-CSI closed form needs for the BER that LS reaches at each point "
          "(cost = point - that):\n")
    rows = []
    for ls, pf in (("qpsk_ls", "qpsk_perfect"), ("qam16_ls", "qam16_perfect")):
        curve = [(t[0], t[2]) for t in th[pf]]
        for r in res[ls]:
            x = crossing(curve, r["ber"])
            rows.append([ls, f"{r['ebno_db']:g}", r["bit_errors"], r["bits"], r["ber"],
                         f"{r['ebno_db'] - x:.2f}" if x is not None else "beyond the grid"])
    table(["system", "Eb/N0 dB", "bit err.", "bits", "BER", "cost dB"], rows)
    print("Floors (every point):\n")
    counts(res, ["qpsk_ls", "qam16_ls", "qpsk_isi"])


def ae_rayleigh(root):
    res = load(root, "ae_rayleigh")
    compare(res, "ae_2_2_csi", "qpsk")
    print("ae_2_2_csi against QPSK's closed form (BLER):\n")
    rows, inside = [], 0
    for r in res["ae_2_2_csi"]:
        t = at(res["qpsk"], r["ebno_db"])["theory_bler"]
        ok = r["bler_lo"] <= t <= r["bler_hi"]
        inside += ok
        rows.append([f"{r['ebno_db']:g}", r["blocks"], r["block_errors"], r["bler"], r["bler_lo"], r["bler_hi"], t,
                     "yes" if ok else "**no**"])
    table(["Eb/N0 dB", "blocks", "block err.", "BLER", "95% lo", "95% hi", "QPSK closed form", "in the interval"],
          rows)
    print(f"{inside} of {len(rows)} points hold QPSK's closed form within their interval.\n")
    compare(res, "ae_8_4_csi", "bpsk_x4")
    compare(res, "ae_8_4_nocsi", "ae_8_4_csi")
    print("Without CSI (floors):\n")
    counts(res, ["ae_2_2_nocsi", "ae_8_4_nocsi"])


def ofdm_autoencoder(root):
    res = load(root, "ofdm_autoencoder")
    compare(res, "ae_2_2", "qpsk")
    compare(res, "ae_4_4", "qpsk")


def pdp_exp(taps, decay_db, nfft):
    """Frequency correlation |R(dk)| of an exponential power delay profile (powers summing to 1)."""
    p = [10 ** (-decay_db * i / 10) for i in range(taps)]
    s = sum(p)
    p = [x / s for x in p]
    mean = sum(i * x for i, x in enumerate(p))
    rms = math.sqrt(sum((i - mean) ** 2 * x for i, x in enumerate(p)))
    corr = []
    for dk in range(nfft // 2 + 1):
        re = sum(x * math.cos(2 * math.pi * i * dk / nfft) for i, x in enumerate(p))
        im = sum(x * math.sin(2 * math.pi * i * dk / nfft) for i, x in enumerate(p))
        corr.append(math.hypot(re, im))
    return mean, rms, corr


def channel_figures():
    mean, rms, corr = pdp_exp(8, 3.0, 64)
    half = next(dk for dk, c in enumerate(corr) if c < 0.5)
    print(f"exp:8:3 over 64 subcarriers: mean delay {mean:.2f} samples, rms delay spread {rms:.2f} samples "
          f"(N / (2 pi rms) = {64 / (2 * math.pi * rms):.1f} subcarriers); correlation |R(dk)| of the frequency "
          f"response between subcarriers dk apart: {', '.join(f'{c:.2f}' for c in corr[:10])} for dk = 0..9, "
          f"first below 0.5 at dk = {half}.\n")
    print(f"Phase turn of the last tap (delay 7) over 4 subcarriers: 2 pi 7 4 / 64 = {2 * math.pi * 7 * 4 / 64:.2f} rad.\n")


SECTIONS = {
    "oshea_7_4": oshea_7_4, "oshea_7_4_paper": oshea_7_4_paper, "oshea_2_2": oshea_2_2, "oshea_8_8": oshea_8_8,
    "modems_awgn": modems_awgn, "modems_awgn_exact": modems_awgn_exact, "fading_bpsk_qpsk": fading_bpsk_qpsk,
    "ofdm_qam": ofdm_qam, "ae_rayleigh": ae_rayleigh, "ofdm_autoencoder": ofdm_autoencoder,
}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stdout if len(argv) >= 2 else sys.stderr)
        return 0 if len(argv) >= 2 else 2
    root, names = argv[1], argv[2:] or list(SECTIONS) + ["channel"]
    unknown = [n for n in names if n not in SECTIONS and n != "channel"]
    if unknown:
        print(f"numbers.py: no section '{unknown[0]}' (known: {', '.join(SECTIONS)}, channel)", file=sys.stderr)
        return 2
    for name in names:
        print(f"### {name}\n")
        if name == "channel":
            channel_figures()
        elif not os.path.exists(os.path.join(root, name, "results.csv")):
            print(f"(no {os.path.join(root, name, 'results.csv')})\n")
        else:
            SECTIONS[name](root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
