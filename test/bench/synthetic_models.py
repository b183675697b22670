"""Synthetic analysis-like workspaces of a given size: a signal region of most bins and, from 8
parameters up, a control region whose bins carry staterror; a signal and three backgrounds (ttbar,
wjets, fakes); normsys and histosys shared by the backgrounds (and lumi-free, so the parameter count
is exact). Parameters: mu + staterror (one per control bin) + histosys + normsys = n_params.

    python test/bench/synthetic_models.py 1000 100 > ws.json
"""

import json
import tarfile
import sys

import numpy as np


def synthetic_workspace(n_bins, n_params, seed=0):
    rng = np.random.default_rng(seed)
    n_stat = n_params // 4 if n_params >= 8 else 0
    rest = n_params - 1 - n_stat
    n_histosys = rest // 3
    n_normsys = rest - n_histosys
    regions = [("SR", n_bins - n_stat)] + ([("CR", n_stat)] if n_stat else [])
    channels, observations = [], []
    for region, bins in regions:
        x = np.linspace(0.0, 1.0, bins)
        yields = {
            "signal": 4.0 * np.exp(-0.5 * ((x - 0.6) / 0.1) ** 2) * (region == "SR"),
            "ttbar": 80.0 * np.exp(-2.0 * x) + 2.0,
            "wjets": 30.0 * (1.0 - 0.5 * x) + 1.0,
            "fakes": 10.0 * rng.uniform(0.5, 1.5, bins),
        }
        samples, total = [], np.zeros(bins)
        for name, nominal in yields.items():
            nominal = np.round(nominal, 4)
            total += nominal
            modifiers = []
            if name == "signal":
                modifiers.append({"name": "mu", "type": "normfactor", "data": None})
            else:
                for k in range(n_normsys):
                    if name == "ttbar" or rng.random() < 0.5:
                        lo, hi = rng.uniform(0.9, 0.98), rng.uniform(1.02, 1.1)
                        modifiers.append({"name": f"norm_{k}", "type": "normsys", "data": {"lo": round(lo, 4), "hi": round(hi, 4)}})
                for k in range(n_histosys):
                    if name == "ttbar" or rng.random() < 0.5:
                        tilt = 1.0 + rng.uniform(0.02, 0.08) * (x - 0.5)
                        modifiers.append(
                            {
                                "name": f"shape_{k}",
                                "type": "histosys",
                                "data": {"lo_data": np.round(nominal / tilt, 4).tolist(), "hi_data": np.round(nominal * tilt, 4).tolist()},
                            }
                        )
            if region == "CR":
                modifiers.append({"name": "staterror_CR", "type": "staterror", "data": np.round(0.05 * nominal + 0.1, 4).tolist()})
            samples.append({"name": name, "data": nominal.tolist(), "modifiers": modifiers})
        channels.append({"name": region, "samples": samples})
        observations.append({"name": region, "data": np.floor(total * rng.uniform(0.9, 1.1, bins) + 0.5).tolist()})
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def atlas_workspace():
    """ATLAS sbottom (ins1748602) RegionA, background-only with one signal patch applied."""
    try:
        import jsonpatch
        import skhep_testdata

        path = skhep_testdata.data_path("pyhf-ins1748602-probability-models.tar.gz")
    except Exception as error:  # offline without a cached copy
        print(f"ATLAS likelihood unavailable ({type(error).__name__}: {error}); left out")
        return None
    with tarfile.open(path) as tar:
        background_only = json.load(tar.extractfile("RegionA/BkgOnly.json"))
        signal_patch = json.load(tar.extractfile("RegionA/patch.sbottom_1300_850_60.json"))
    return jsonpatch.apply_patch(background_only, signal_patch)


if __name__ == "__main__":
    print(json.dumps(synthetic_workspace(int(sys.argv[1]), int(sys.argv[2]))))
