"""The tutorial's workspace builder, as physicists write it for Optuna + pyhf: a Gaussian signal on
a falling background, `n_bins` equal bins on [lo, hi], each yield the integral of the density over
the bin, and a normalisation uncertainty on the background. Histune calls it unchanged."""
import math


def signal_integral(a, b):
    s = 0.08 * math.sqrt(2.0)
    return 50 * 0.08 * math.sqrt(math.pi / 2) * (math.erf((b - 0.5) / s) - math.erf((a - 0.5) / s))


def background_integral(a, b):
    return 100.0 * (math.exp(-2 * a) - math.exp(-2 * b))


def build_workspace(n_bins, lo, hi, bkg_uncertainty=0.05):
    edges = [lo + (hi - lo) * i / n_bins for i in range(n_bins + 1)]
    bins = list(zip(edges[:-1], edges[1:]))
    sig = [signal_integral(a, b) for a, b in bins]
    bkg = [background_integral(a, b) for a, b in bins]
    return {
        "version": "1.0.0",
        "channels": [{"name": "SR", "samples": [
            {"name": "signal", "data": sig, "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": bkg,
             "modifiers": [{"name": "bkg_norm", "type": "normsys",
                            "data": {"hi": 1 + bkg_uncertainty, "lo": 1 - bkg_uncertainty}}]},
        ]}],
        "observations": [{"name": "SR", "data": [s + b for s, b in zip(sig, bkg)]}],
        "measurements": [{"name": "tutorial", "config": {"poi": "mu", "parameters": []}}],
    }
