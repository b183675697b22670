"""uproot + numpy doing what the ROOT browser does (list the trees and branches, then the weighted,
selected histogram of one branch), timed with the shared rule; the reference of root_browser.mjs.
With --write N it first writes a synthetic tree of N entries (ZLIB) for the large case.

    python root_browser_uproot.py FILE TREE [--write N]
"""
import json
import sys

import numpy as np
import uproot

from timing import median_time


def write(path, n):
    rng = np.random.default_rng(11)
    with uproot.recreate(path, compression=uproot.ZLIB(1)) as f:
        f.mktree("events", {"jet_pt": np.float64, "weight": np.float64, "lep_charge": np.int64})
        step = 250_000
        for start in range(0, n, step):
            m = min(step, n - start)
            f["events"].extend({
                "jet_pt": rng.exponential(150.0, m) + 20.0,
                "weight": rng.normal(1.0, 0.1, m),
                "lep_charge": rng.choice([-1, 1], m),
            })


def listing(path):
    with uproot.open(path) as f:
        return {k: [(b.name, b.typename) for b in f[k].branches] + [f[k].num_entries]
                for k, c in f.classnames().items() if c == "TTree"}


def summary(path, tree, bins=50):
    with uproot.open(path) as f:
        a = f[tree].arrays(["jet_pt", "weight", "lep_charge"], library="np")
    keep = a["lep_charge"] > 0
    x, w = a["jet_pt"][keep], a["weight"][keep]
    counts, edges = np.histogram(x, bins=bins, weights=w)
    return float(counts.sum()), float(np.average(x, weights=w)), float(x.min()), float(x.max())


def main():
    path, tree = sys.argv[1], sys.argv[2]
    if "--write" in sys.argv:
        write(path, int(sys.argv[sys.argv.index("--write") + 1]))
    print(json.dumps({
        "list_seconds": median_time(lambda: listing(path)),
        "summary_seconds": median_time(lambda: summary(path, tree), max_seconds=20),
        "summary_sumw": summary(path, tree)[0],
    }))


if __name__ == "__main__":
    main()
