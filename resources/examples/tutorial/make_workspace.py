"""Write the tutorial model as a pyhf workspace (workspace.json beside this file).

One channel "SR" with 20 equal bins on [0, 1]. Each sample's yield in a bin is the integral of its
density over the bin: signal 50·exp(−(x−0.5)²/(2·0.08²)), background 200·exp(−2x). The signal has a
free normalisation `mu`; the background a 5 % normalisation uncertainty `bkg_norm`. The observed
data are the expected signal + background (an Asimov-like data set with non-integer counts).
"""
import json
import math
import pathlib

N_BINS, LO, HI = 20, 0.0, 1.0
SIGNAL_AMPLITUDE, SIGNAL_MEAN, SIGNAL_WIDTH = 50.0, 0.5, 0.08
BACKGROUND_AMPLITUDE, BACKGROUND_SLOPE = 200.0, 2.0


def signal_integral(a: float, b: float) -> float:
    scale = SIGNAL_WIDTH * math.sqrt(2.0)
    return SIGNAL_AMPLITUDE * SIGNAL_WIDTH * math.sqrt(math.pi / 2.0) * (
        math.erf((b - SIGNAL_MEAN) / scale) - math.erf((a - SIGNAL_MEAN) / scale)
    )


def background_integral(a: float, b: float) -> float:
    k = BACKGROUND_SLOPE
    return BACKGROUND_AMPLITUDE / k * (math.exp(-k * a) - math.exp(-k * b))


def workspace() -> dict:
    edges = [LO + (HI - LO) * i / N_BINS for i in range(N_BINS + 1)]
    bins = list(zip(edges[:-1], edges[1:]))
    signal = [signal_integral(a, b) for a, b in bins]
    background = [background_integral(a, b) for a, b in bins]
    return {
        "version": "1.0.0",
        "channels": [
            {
                "name": "SR",
                "samples": [
                    {"name": "signal", "data": signal,
                     "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                    {"name": "background", "data": background,
                     "modifiers": [{"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]},
                ],
            }
        ],
        "observations": [{"name": "SR", "data": [s + b for s, b in zip(signal, background)]}],
        "measurements": [{"name": "tutorial", "config": {"poi": "mu", "parameters": []}}],
    }


if __name__ == "__main__":
    out = pathlib.Path(__file__).with_name("workspace.json")
    out.write_text(json.dumps(workspace(), indent=1) + "\n")
    print(f"wrote {out}")
