"""Random, valid pyhf workspaces that exercise every modifier type, shared parameters across samples,
channels and types (histosys + normsys), staterror masking, invalid shapesys bins, lumi configs and
non-integer data. Deterministic for a given seed.

    python test/parity/generate_workspaces.py --seed 3 --count 2   # print workspaces as JSON lines
"""

import argparse
import json

import numpy as np

CHANNELS = ["SR_hi", "CR_tt", "SR_lo", "CR_w"]
SAMPLES = ["ttbar", "signal", "wjets", "fakes"]
NORMSYS = ["jes", "xsec_tt", "eff_lep"]
HISTOSYS = ["jes", "shape_mod", "jer"]


def _r(rng, lo, hi, decimals=3):
    return float(round(rng.uniform(lo, hi), decimals))


def random_workspace(seed, large=False, huge=False):
    """A random workspace; `large` gives 4–8 channels of 8–20 bins (hundreds of parameters), `huge`
    ~1000 bins and ~200 parameters (see huge_workspace)."""
    if huge:
        return huge_workspace(seed)
    rng = np.random.default_rng(seed)
    names = CHANNELS if not large else [f"{c}_{k}" for k in range(2) for c in CHANNELS]
    n_channels = int(rng.integers(1, 4)) if not large else int(rng.integers(4, 9))
    channel_names = list(rng.permutation(names)[:n_channels])
    use_lumi = bool(rng.random() < 0.5)
    channels, observations = [], []
    for ci, cname in enumerate(channel_names):
        n_bins = int(rng.integers(1, 5)) if not large else int(rng.integers(8, 21))
        n_samples = int(rng.integers(1, 4))
        sample_names = list(rng.permutation(SAMPLES[1:])[: n_samples])
        if ci == 0 and "signal" not in sample_names:
            sample_names.append("signal")
        samples = []
        total = np.zeros(n_bins)
        for sname in sample_names:
            scale = 5.0 if sname == "signal" else 40.0
            data = [_r(rng, 0.2, 1.0) * scale for _ in range(n_bins)]
            # Empty bins, but never in the first background, so that every bin keeps some background
            # (a bin with only signal has ν = 0 < n at μ = 0, an infinite NLL).
            has_background = any(sm["name"] != "signal" for sm in samples)
            if n_bins > 1 and rng.random() < 0.15 and (sname == "signal" or has_background):
                data[int(rng.integers(n_bins))] = 0.0
            nominal = np.array(data)
            total += nominal
            modifiers = []
            if sname == "signal":
                modifiers.append({"name": "mu", "type": "normfactor", "data": None})
            elif rng.random() < 0.3:
                modifiers.append({"name": "mu_bkg", "type": "normfactor", "data": None})
            if use_lumi and rng.random() < 0.7:
                modifiers.append({"name": "lumi", "type": "lumi", "data": None})
            for name in NORMSYS:
                if rng.random() < 0.35:
                    lo, hi = _r(rng, 0.7, 0.98), _r(rng, 1.02, 1.3)
                    if rng.random() < 0.2:  # one-sided
                        lo = _r(rng, 1.01, 1.1)
                    modifiers.append({"name": name, "type": "normsys", "data": {"lo": lo, "hi": hi}})
            for name in HISTOSYS:
                if rng.random() < 0.3:
                    lo = [round(v * _r(rng, 0.87, 0.99), 6) for v in data]
                    hi = [round(v * _r(rng, 1.01, 1.13), 6) for v in data]
                    modifiers.append({"name": name, "type": "histosys", "data": {"lo_data": lo, "hi_data": hi}})
            if rng.random() < 0.4:
                unc = [round(v * _r(rng, 0.02, 0.3), 6) for v in data]
                if n_bins > 1 and rng.random() < 0.3:
                    unc[int(rng.integers(n_bins))] = 0.0
                modifiers.append({"name": f"stat_{cname}", "type": "staterror", "data": unc})
            if sname != "signal" and rng.random() < 0.25:
                unc = [round(v * _r(rng, 0.05, 0.4), 6) for v in data]
                modifiers.append({"name": f"shapesys_{cname}_{sname}", "type": "shapesys", "data": unc})
            if sname == "fakes" and rng.random() < 0.5:
                # shared by bin index across channels of equal width only
                modifiers.append({"name": f"sf_{n_bins}", "type": "shapefactor", "data": None})
            samples.append({"name": sname, "data": data, "modifiers": modifiers})
        if not any(sm["name"] != "signal" for sm in samples):
            data = [_r(rng, 0.2, 1.0) * 40.0 for _ in range(n_bins)]
            samples.append({"name": "wjets", "data": data, "modifiers": []})
            total += np.array(data)
        channels.append({"name": cname, "samples": samples})
        counts = [round(max(0.0, t * _r(rng, 0.8, 1.25)), 2) for t in total]
        if rng.random() < 0.3:
            counts = [float(np.floor(c)) for c in counts]
        observations.append({"name": cname, "data": counts})
    parameters = []
    if use_lumi:
        sigma = _r(rng, 0.01, 0.05)
        parameters.append({"name": "lumi", "auxdata": [1.0], "inits": [1.0], "sigmas": [sigma], "bounds": [[1 - 5 * sigma, 1 + 5 * sigma]]})
    if rng.random() < 0.3:
        parameters.append({"name": "mu", "bounds": [[0.0, 20.0]]})
    if rng.random() < 0.2:
        parameters.append({"name": "xsec_tt", "fixed": True})
    if rng.random() < 0.2:
        parameters.append({"name": "not_in_the_model", "inits": [2.0]})
    used = {(m["name"], m["type"]) for c in channels for s in c["samples"] for m in s["modifiers"]}
    parameters = [
        p for p in parameters
        if p["name"] in {n for n, _ in used} or p["name"] == "not_in_the_model"
    ]
    return {
        "channels": channels,
        "observations": list(rng.permutation(observations).tolist()),
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": parameters}}],
        "version": "1.0.0",
    }


def huge_workspace(seed):
    """Three wide channels of 250–340 bins with a signal and three backgrounds carrying normsys and
    histosys drawn from 90 and 70 shared names (no per-bin parameters there), plus a 20-bin control
    region with staterror, shapesys and a shapefactor: ~1000 bins, ~150–200 parameters, lumi,
    empty bins and zero counts."""
    rng = np.random.default_rng(seed)
    normsys = [f"norm_{k}" for k in range(90)]
    histosys = [f"shape_{k}" for k in range(70)]
    channels, observations = [], []
    for cname, n_bins in [("SR_a", int(rng.integers(250, 341))), ("SR_b", int(rng.integers(250, 341))), ("SR_c", int(rng.integers(250, 341))), ("CR", 20)]:
        samples, total = [], np.zeros(n_bins)
        for sname, scale in [("signal", 3.0), ("ttbar", 60.0), ("wjets", 30.0), ("fakes", 10.0)]:
            shape = np.exp(-np.arange(n_bins) / n_bins) * rng.uniform(0.3, 1.0, n_bins)
            data = np.round(scale * shape, 4).tolist()
            if sname in ("signal", "fakes"):
                for b in rng.integers(0, n_bins, 3):
                    data[int(b)] = 0.0
            total += np.array(data)
            modifiers = [{"name": "lumi", "type": "lumi", "data": None}]
            if sname == "signal":
                modifiers.append({"name": "mu", "type": "normfactor", "data": None})
            for name in rng.choice(normsys, int(rng.integers(20, 45)), replace=False):
                modifiers.append({"name": str(name), "type": "normsys", "data": {"lo": _r(rng, 0.85, 0.98), "hi": _r(rng, 1.02, 1.15)}})
            nominal = np.array(data)
            for name in rng.choice(histosys, int(rng.integers(10, 25)), replace=False):
                lo = np.round(nominal * rng.uniform(0.9, 0.99, n_bins), 6).tolist()
                hi = np.round(nominal * rng.uniform(1.01, 1.1, n_bins), 6).tolist()
                modifiers.append({"name": str(name), "type": "histosys", "data": {"lo_data": lo, "hi_data": hi}})
            if cname == "CR":
                modifiers.append({"name": "stat_CR", "type": "staterror", "data": np.round(nominal * 0.05 + 0.01, 6).tolist()})
                if sname == "ttbar":
                    modifiers.append({"name": "shapesys_CR", "type": "shapesys", "data": np.round(nominal * 0.1, 6).tolist()})
                if sname == "fakes":
                    modifiers.append({"name": "sf_CR", "type": "shapefactor", "data": None})
            samples.append({"name": sname, "data": data, "modifiers": modifiers})
        channels.append({"name": cname, "samples": samples})
        counts = np.floor(total * rng.uniform(0.8, 1.25, n_bins)).tolist()
        for b in rng.integers(0, n_bins, 2):
            counts[int(b)] = 0.0
        observations.append({"name": cname, "data": counts})
    parameters = [{"name": "lumi", "auxdata": [1.0], "inits": [1.0], "sigmas": [0.02], "bounds": [[0.9, 1.1]]}]
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": parameters}}],
        "version": "1.0.0",
    }


def random_codes(seed):
    rng = np.random.default_rng(10_000 + seed)
    return str(rng.choice(["code1", "code4"])), str(rng.choice(["code0", "code2", "code4p"]))


def random_points(model, rng, count):
    """Parameter points inside the bounds, nuisance parameters on both sides of ±1."""
    init = np.array(model.config.suggested_init(), dtype=float)
    bounds = np.array(model.config.suggested_bounds(), dtype=float)
    points = []
    for _ in range(count):
        x = init.copy()
        for i, (lo, hi) in enumerate(bounds):
            if lo < 0 and init[i] == 0.0:
                x[i] = rng.uniform(-1.6, 1.6)
            else:
                x[i] = np.clip(init[i] * rng.uniform(0.6, 1.4), lo, hi)
        points.append(x)
    return points


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=1)
    args = parser.parse_args()
    for k in range(args.count):
        print(json.dumps(random_workspace(args.seed + k)))
