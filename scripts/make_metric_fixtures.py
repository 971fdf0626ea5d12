#!/usr/bin/env python3
"""Generate the NumPy/SciPy reference values for the GANMetrics statistics tests.

What it makes
-------------
``Tests/Fixtures/metrics.safetensors``: F32 tensors (the inputs, as the Swift tests read them)
and, in ``__metadata__``, one JSON object per case with the float64 reference values. The
references are computed in float64 from the float32 values stored, so both sides see the
same inputs.

Cases (``__metadata__["cases"]``):
    fid       a [300, 64], b [250, 64]: correlated Gaussians with different means and covariances.
              fid: pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm of sigma1 @ sigma2,
              real part, eps fallback) on np.mean / np.cov(rowvar=False) of float64 copies;
              fid_symmetric: the same through eigh (the formula the Swift code uses);
              statistics of a: mean_sum, cov_trace, cov_frobenius, and a few entries.
    fid_rank  a [40, 64], b [50, 64]: fewer samples than features (rank-deficient covariances);
              same fields, plus eps_fallback (whether pytorch-fid needed it).
    kid       real = fid.a, fake = fid.b, real_idx / fake_idx [10, 100] pinned subsets (rows of
              indices, stored as F32): mean, std (ddof 0) and the per-subset values of the
              unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3.
    is        probs [500, 10] (float32 softmax outputs) and logits [500, 10]: mean / std (ddof 0)
              over 10 contiguous splits, from probs as the original improved-gan code does and
              from logits through log_softmax as torch-fidelity does (without its shuffle).
    pr        real = fid.a, fake = fid.b: precision / recall (Kynkaenniemi et al. 2019) for
              k = 3 and k = 5, brute force with float64 squared distances, `<=` for inside.

Run (default output is Tests/Fixtures next to this script's repo root):
    /tmp/torch-venv/bin/python scripts/make_metric_fixtures.py
    /tmp/torch-venv/bin/python scripts/make_metric_fixtures.py --out /tmp/fx

Deterministic: numpy's default_rng with fixed seeds; re-running gives the same bytes.
"""
import argparse
import json
import os
import struct
import warnings

import numpy as np
from scipy import linalg

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures")
MAX_FILE_BYTES = 300_000


# ------------------------------------------------------------------------------------ writer
class Fixture:
    """F32 tensors (in order) and JSON metadata per case, written as safetensors."""

    def __init__(self, group):
        self.group = group
        self.tensors = []
        self.meta = {}
        self.cases = []

    def add(self, name, a):
        a = np.asarray(a, dtype=np.float64).astype("<f4", order="C")
        assert np.all(np.isfinite(a)), name
        assert name not in [n for n, _ in self.tensors], name
        self.tensors.append((name, a))
        return a.astype(np.float64)  # what the Swift side will read

    def case(self, name, params):
        self.cases.append(name)
        self.meta[name] = json.dumps(params, separators=(",", ":"))

    def write(self, path):
        header = {"__metadata__": {"group": self.group, "cases": json.dumps(self.cases, separators=(",", ":"))}}
        header["__metadata__"].update(self.meta)
        off = 0
        for name, a in self.tensors:
            header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
            off += a.nbytes
        hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
        hb += b" " * ((-len(hb)) % 8)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(hb)))
            f.write(hb)
            for _, a in self.tensors:
                f.write(a.tobytes(order="C"))
        os.replace(tmp, path)
        return os.path.getsize(path)


# ------------------------------------------------------------------------------------ references
def pytorch_fid_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch_fid.fid_score.calculate_frechet_distance (v0.3.0), verbatim but for returning
    whether the eps fallback ran."""
    mu1 = np.atleast_1d(mu1)
    mu2 = np.atleast_1d(mu2)
    sigma1 = np.atleast_2d(sigma1)
    sigma2 = np.atleast_2d(sigma2)
    assert mu1.shape == mu2.shape and sigma1.shape == sigma2.shape
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # scipy 1.16+: `disp` is deprecated
        covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    fallback = False
    if not np.isfinite(covmean).all():
        fallback = True
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    tr_covmean = np.trace(covmean)
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean), fallback


def symmetric_fid(mu1, sigma1, mu2, sigma2):
    """tr sqrt(S1 S2) as the eigenvalues of sqrt(S1) S2 sqrt(S1), negative eigenvalues clamped."""
    w, v = np.linalg.eigh(sigma1)
    root = (v * np.sqrt(np.maximum(w, 0))) @ v.T
    m = root @ sigma2 @ root
    m = 0.5 * (m + m.T)
    tr = np.sum(np.sqrt(np.maximum(np.linalg.eigvalsh(m), 0)))
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr)


def statistics(x):
    return x.mean(axis=0), np.cov(x, rowvar=False)


def fid_case(fx, name, a, b):
    a = fx.add(name + ".a", a)
    b = fx.add(name + ".b", b)
    mu1, s1 = statistics(a)
    mu2, s2 = statistics(b)
    fid, fallback = pytorch_fid_distance(mu1, s1, mu2, s2)
    entries = [[0, 0], [3, 17], [17, 3], [63, 62], [40, 40]]
    fx.case(name, {
        "fid": fid,
        "fid_symmetric": symmetric_fid(mu1, s1, mu2, s2),
        "eps_fallback": fallback,
        "mean_sum": float(mu1.sum()),
        "mean_5": float(mu1[5]),
        "cov_trace": float(np.trace(s1)),
        "cov_frobenius": float(np.sqrt((s1 * s1).sum())),
        "cov_entries": [[i, j, float(s1[i, j])] for i, j in entries],
        "rank_a": int(np.linalg.matrix_rank(s1)),
    })
    return a, b


def polynomial_mmd(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = x.shape[0], y.shape[0]
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.sum() / (m * n))


def inception_score_probs(preds, splits=10):
    """improved-gan's inception_score.py, the scoring part."""
    scores = []
    for i in range(splits):
        part = preds[(i * preds.shape[0] // splits):((i + 1) * preds.shape[0] // splits), :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        kl = np.mean(np.sum(kl, 1))
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores)), [float(s) for s in scores]


def inception_score_logits(logits, splits=10):
    """torch-fidelity's isc_features_to_metric (float64), without the shuffle."""
    n = logits.shape[0]
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    scores = []
    for i in range(splits):
        p_chunk = p[(i * n // splits):((i + 1) * n // splits), :]
        log_p_chunk = log_p[(i * n // splits):((i + 1) * n // splits), :]
        q_chunk = p_chunk.mean(axis=0, keepdims=True)
        kl = p_chunk * (log_p_chunk - np.log(q_chunk))
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores)), [float(s) for s in scores]


def squared_distances(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=2)


def precision_recall(real, fake, k):
    rr = squared_distances(real, real)
    ff = squared_distances(fake, fake)
    fr = squared_distances(fake, real)
    real_radii = np.sort(rr, axis=1)[:, k]   # column 0 is the point itself
    fake_radii = np.sort(ff, axis=1)[:, k]
    precision = np.mean((fr <= real_radii[None, :]).any(axis=1))
    recall = np.mean((fr.T <= fake_radii[None, :]).any(axis=1))
    # How close the nearest decision came to a tie, for the record.
    margin = min(np.min(np.abs(fr - real_radii[None, :]) / real_radii[None, :]),
                 np.min(np.abs(fr.T - fake_radii[None, :]) / fake_radii[None, :]))
    return float(precision), float(recall), float(margin)


# ------------------------------------------------------------------------------------ data
def correlated_gaussian(rng, n, d, mean_shift, decay, rotation_seed):
    """n samples of a d-dim Gaussian with a decaying spectrum in a random basis."""
    basis, _ = np.linalg.qr(np.random.default_rng(rotation_seed).standard_normal((d, d)))
    scales = np.exp(-decay * np.arange(d) / d) * 1.5
    z = rng.standard_normal((n, d)) * scales
    return z @ basis.T + mean_shift


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    fx = Fixture("metrics")
    rng = np.random.default_rng(20190412)
    d = 64

    # FID, and the sets KID and precision/recall reuse.
    shift_a = np.linspace(-0.5, 0.5, d)
    shift_b = shift_a + 0.25 * np.sin(np.arange(d))
    # Same basis, different spectrum and mean: close enough that precision and recall are
    # neither 0 nor 1 (0.73 and 0.55 for k = 3).
    a = correlated_gaussian(rng, 300, d, shift_a, decay=2.0, rotation_seed=1)
    b = correlated_gaussian(rng, 250, d, shift_b, decay=2.2, rotation_seed=1)
    a, b = fid_case(fx, "fid", a, b)

    # Rank-deficient: 40 and 50 samples of 64 features.
    ra = correlated_gaussian(rng, 40, d, shift_a, decay=1.0, rotation_seed=3)
    rb = correlated_gaussian(rng, 50, d, shift_b + 0.3, decay=1.5, rotation_seed=4)
    fid_case(fx, "fid_rank", ra, rb)

    # KID with pinned subsets (drawn as clean-fid does: choice without replacement).
    subsets, size = 10, 100
    real_idx = np.stack([rng.choice(a.shape[0], size, replace=False) for _ in range(subsets)])
    fake_idx = np.stack([rng.choice(b.shape[0], size, replace=False) for _ in range(subsets)])
    fx.add("kid.real_idx", real_idx)
    fx.add("kid.fake_idx", fake_idx)
    values = [polynomial_mmd(a[r], b[f]) for r, f in zip(real_idx, fake_idx)]
    fx.case("kid", {"mean": float(np.mean(values)), "std": float(np.std(values)),
                    "values": [float(v) for v in values], "full": float(polynomial_mmd(a, b))})

    # Inception Score: peaked, varied class predictions.
    n, classes = 500, 10
    labels = rng.integers(0, classes, n)
    logits = rng.standard_normal((n, classes)) * 1.5
    logits[np.arange(n), labels] += rng.uniform(0.5, 5.0, n)
    logits = fx.add("is.logits", logits)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = fx.add("is.probs", p / p.sum(axis=1, keepdims=True))
    pm, ps, pscores = inception_score_probs(probs)
    lm, ls, lscores = inception_score_logits(logits)
    fx.case("is", {"probs_mean": pm, "probs_std": ps, "probs_scores": pscores,
                   "logits_mean": lm, "logits_std": ls, "logits_scores": lscores})

    # Precision / recall on the FID sets.
    pr = {}
    for k in (3, 5):
        precision, recall, margin = precision_recall(a, b, k)
        pr["k%d" % k] = {"precision": precision, "recall": recall, "margin": margin}
    fx.case("pr", pr)

    path = os.path.join(args.out, "metrics.safetensors")
    size_bytes = fx.write(path)
    assert size_bytes < MAX_FILE_BYTES, size_bytes
    print("wrote %s (%d bytes)" % (path, size_bytes))
    for c in fx.cases:
        print(" ", c, fx.meta[c][:300])


if __name__ == "__main__":
    main()
