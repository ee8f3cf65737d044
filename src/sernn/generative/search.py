"""The Voronoi parameter search of the authors (``fcn_sample_networks``) and :func:`fit`, which runs
it for every rule against one target network."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .kernel import RULES, _distance_factor, _modelvar_codes, _prepare, _rule_code, _run
from .statistics import _KS_TIE, _energy_kernel, target_statistics

# relative CPU cost of one sample per rule in a fit (RULES order, measured on the benchmark's
# 846-edge target): only the order in which threads pick up rules, never the numbers
_RULE_COST = (1, 2, 3, 7, 4, 3, 6, 7, 2, 2, 2, 2, 2)


def _cell_choice(energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Cell index per draw, probability proportional to E^-alpha (inverse-CDF, as MATLAB's
    ``sum(rand*C(end) >= C)``). Energies are floored at 1e-12 so that E = 0 stays finite."""
    e = np.maximum(np.asarray(energies, dtype=np.float64), 1e-12)
    cdist = np.cumsum(e ** (-float(alpha)))
    u = rng.random(ndraw)
    idx = np.searchsorted(cdist, u * cdist[-1], side="right")
    return np.minimum(idx, e.size - 1)


def _dedupe(points: np.ndarray, energies: np.ndarray):
    """Unique points (first occurrence order), each with the lowest energy among its duplicates."""
    uniq, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    best = np.full(uniq.shape[0], np.inf)
    np.minimum.at(best, inverse, energies)
    first = np.full(uniq.shape[0], points.shape[0])
    np.minimum.at(first, inverse, np.arange(points.shape[0]))
    order = np.argsort(first)
    return uniq[order], best[order]


def _inside_convex(poly: np.ndarray, x: float, y: float) -> bool:
    """Point in (or on) a convex polygon with counter-clockwise vertices poly: (k, 2)."""
    px, py = poly[:, 0], poly[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    cross = (qx - px) * (y - py) - (qy - py) * (x - px)
    return bool(np.all(cross >= -1e-12))


def voronoi_select(
    points: np.ndarray, energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator
) -> np.ndarray:
    """New points in the unit square from the 2-D Voronoi cells of ``points``.

    points: (N, 2) in [0, 1]^2 (eta, gamma mapped by the bounds); energies: (N,). A cell is picked
    per draw with probability proportional to E^-alpha; inside it, uniform points are drawn in the
    bounding box of its vertices (clipped to [0, 1]) until one falls inside the cell, accepting the
    last try after 100 x (draws from that cell) failures. Duplicate points are merged (lowest energy).
    Cells are bounded by mirroring the points across the square's four sides. Returns (ndraw, 2),
    grouped by cell (cells in order of first appearance), not shuffled.
    """
    from scipy.spatial import QhullError, Voronoi

    pts, e = _dedupe(np.asarray(points, dtype=np.float64), np.asarray(energies, dtype=np.float64))
    N = pts.shape[0]
    mirrored = [pts]
    for axis in (0, 1):
        for edge in (0.0, 2.0):
            q = pts.copy()
            q[:, axis] = edge - q[:, axis]
            mirrored.append(q)
    allpts = np.concatenate(mirrored)
    try:
        vor = Voronoi(allpts)
    except QhullError:  # e.g. points on a side, whose mirror image coincides with them
        vor = Voronoi(allpts, qhull_options="Qbb Qc Qz QJ")
    cells = _cell_choice(e, ndraw, alpha, rng)
    counts = np.bincount(cells, minlength=N)
    out = np.empty((ndraw, 2))
    filled = 0
    for i in np.flatnonzero(counts):
        region = vor.regions[vor.point_region[i]]
        verts = np.clip(vor.vertices[[v for v in region if v >= 0]], 0.0, 1.0)
        centre = verts.mean(axis=0)
        ang = np.arctan2(verts[:, 1] - centre[1], verts[:, 0] - centre[0])
        poly = verts[np.argsort(ang)]
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        cnt = int(counts[i])
        for _ in range(cnt):
            r = rng.uniform(lo[0], hi[0])
            s = rng.uniform(lo[1], hi[1])
            tries = 0
            while not _inside_convex(poly, r, s) and tries < 100 * cnt:
                r = rng.uniform(lo[0], hi[0])
                s = rng.uniform(lo[1], hi[1])
                tries += 1
            out[filled] = (r, s)
            filled += 1
    return out


def voronoi_select_1d(
    x: np.ndarray, energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator
) -> np.ndarray:
    """The 1-D version for 'sptl' (``fcn_voronoi_select_sptl``): x (N,) in [0, 1], cells bounded by
    the midpoints between sorted values and by 0 and 1, a cell per draw with probability proportional
    to E^-alpha, then a uniform point inside it. Returns (ndraw,), grouped by cell."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    xs, es = x[order], np.asarray(energies, dtype=np.float64)[order]
    bounds = np.concatenate([[0.0], (xs[1:] + xs[:-1]) / 2.0, [1.0]])
    cells = _cell_choice(es, ndraw, alpha, rng)
    counts = np.bincount(cells, minlength=xs.size)
    out = np.empty(ndraw)
    filled = 0
    for i in np.flatnonzero(counts):
        cnt = int(counts[i])
        out[filled : filled + cnt] = rng.uniform(bounds[i], bounds[i + 1], cnt)
        filled += cnt
    return out


def _check_bounds(bounds, name: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in bounds)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be (low, high) with finite low < high, got {bounds!r}")
    return lo, hi


def search(
    evaluate,
    rule: str,
    levels: int = 5,
    samples: int = 200,
    pow: float = 2.0,
    eta_bounds=(-7.0, 7.0),
    gamma_bounds=(-7.0, 7.0),
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """The Voronoi parameter search of ``fcn_sample_networks`` for one rule.

    evaluate(eta, gamma) -> (E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length) is called
    once per sample, in order. Returns dict of arrays over the levels x samples draws: ``eta``,
    ``gamma``, ``energy``, ``ks`` (N, 4) [degree, clustering, betweenness, edge length], ``level``
    (1-based), ``alpha``. For 'sptl' gamma is stored as 0 (the model ignores it; level 1 still
    draws it, so the random stream is the same as for the other rules).
    """
    levels, samples = int(levels), int(samples)
    if levels < 1 or samples < 1:
        raise ValueError(f"levels and samples must be >= 1, got levels={levels}, samples={samples}")
    elo, ehi = _check_bounds(eta_bounds, "eta_bounds")
    glo, ghi = _check_bounds(gamma_bounds, "gamma_bounds")
    rng = np.random.default_rng() if rng is None else rng
    total = levels * samples
    eta = np.empty(total)
    gam = np.empty(total)
    res = np.empty((total, 5))
    level = np.repeat(np.arange(1, levels + 1), samples)
    alphas = np.linspace(0.0, float(pow), levels)
    for L in range(levels):
        sl = slice(L * samples, (L + 1) * samples)
        if L == 0:
            eta[sl] = rng.uniform(elo, ehi, samples)
            gam[sl] = rng.uniform(glo, ghi, samples)  # drawn as MATLAB does, even for 'sptl'
            if rule == "sptl":
                gam[sl] = 0.0  # ... where it is unused: store the 0 that the model sees
        else:
            done = slice(0, L * samples)
            ex = (eta[done] - elo) / (ehi - elo)
            if rule == "sptl":
                eta[sl] = elo + voronoi_select_1d(ex, res[done, 0], samples, alphas[L], rng) * (ehi - elo)
                gam[sl] = 0.0
            else:
                gx = (gam[done] - glo) / (ghi - glo)
                new = voronoi_select(np.stack([ex, gx], axis=1), res[done, 0], samples, alphas[L], rng)
                eta[sl] = elo + new[:, 0] * (ehi - elo)
                gam[sl] = glo + new[:, 1] * (ghi - glo)
        for s in range(sl.start, sl.stop):
            res[s] = evaluate(eta[s], gam[s])
    return {
        "eta": eta,
        "gamma": gam,
        "energy": res[:, 0].copy(),
        "ks": res[:, 1:].copy(),
        "level": level,
        "alpha": alphas[level - 1],
    }


class _Evaluator:
    """Simulations of one rule against precomputed target statistics: the arrays that do not depend
    on (eta, gamma) are built once. Calls release the GIL inside the compiled kernels, so that
    evaluators of different rules can run on different threads."""

    def __init__(self, stats: dict, rule: str, modelvar, epsilon: float):
        self.stats = stats
        self.rule = rule
        self.m = m = int(stats["m"])
        D = stats["distance"]
        self.epsilon = float(epsilon)
        self.base = _prepare(D, m, rule, 0.0, 0.0, None, np.zeros(m), modelvar, epsilon, None, checked=False)
        dpairs = np.ascontiguousarray(D[self.base["iu"], self.base["ju"]])
        # D^eta of the distinct distances only (a grid has few), spread to the pairs: the same powers
        self.dvals, self.dinv = np.unique(dpairs, return_inverse=True)
        self.kd = _modelvar_codes(modelvar)[0]
        self.empty = np.zeros((0, dpairs.size))
        self.ei = np.empty(m, dtype=np.int64)
        self.ej = np.empty(m, dtype=np.int64)

    def __call__(self, eta: float, gamma: float, uniforms: np.ndarray) -> tuple[float, ...]:
        """(E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length) of one simulation with
        uniforms (m,); an overflow of the weights (exponential form only) gives (1, NaN x 4)."""
        n = self.stats["distance"].shape[0]
        args = dict(
            self.base,
            fd=_distance_factor(self.dvals, eta, self.kd)[self.dinv],
            Kp=np.full(self.empty.shape[1], self.epsilon),
            c=np.zeros(n),
            gamma=float(gamma),
            uniforms=uniforms,
            edges=np.zeros((self.m, 2), dtype=np.int64),
        )
        try:
            edges = _run(args, self.empty, self.empty, f"rule {self.rule!r}, eta={eta}, gamma={gamma}")
        except FloatingPointError:  # weights overflowed (exponential form): the worst energy
            return 1.0, np.nan, np.nan, np.nan, np.nan
        self.ei[:] = edges[:, 0]
        self.ej[:] = edges[:, 1]
        st = self.stats
        return _energy_kernel(
            n,
            self.ei,
            self.ej,
            st["distance"],
            st["degree"],
            st["clustering"],
            st["betweenness"],
            st["edge_length"],
            _KS_TIE,
        )


def simulate_energy(
    stats: dict,
    rule: str,
    eta: float,
    gamma: float = 0.0,
    *,
    seed=None,
    uniforms: np.ndarray | None = None,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
) -> tuple[float, float, float, float, float]:
    """Grow one network with ``rule`` at (eta, gamma) as :func:`fit` does (empty seed, m = the
    target's edge count) and return its energy against the target.

    stats: :func:`target_statistics` of the target (computed once, reused across calls). Random
    stream: ``uniforms`` (m,) in [0, 1), or else ``numpy.random.default_rng(seed).random(m)``, as in
    :func:`simulate`. Returns (E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length) as
    floats; a simulation whose weights overflow (exponential form only) gives (1.0, NaN x 4), the
    value :func:`fit` records for it.
    """
    _rule_code(rule)
    if not (np.isfinite(eta) and np.isfinite(gamma)):
        raise ValueError(f"eta and gamma must be finite, got eta={eta!r}, gamma={gamma!r}")
    m = int(stats["m"])
    if uniforms is None:
        uniforms = np.random.default_rng(seed).random(m)
    uniforms = np.ascontiguousarray(uniforms, dtype=np.float64)
    if uniforms.shape != (m,) or not (uniforms.min() >= 0.0 and uniforms.max() < 1.0):
        raise ValueError(
            f"uniforms must be ({m},) values in [0, 1) (one per edge), got shape {uniforms.shape}"
        )
    out = _Evaluator(stats, rule, modelvar, epsilon)(float(eta), float(gamma), uniforms)
    return tuple(float(v) for v in out)


def _fit_rule(stats, rule, seq, levels, samples, pow, eta_bounds, gamma_bounds, modelvar, epsilon):
    """:func:`fit` of one rule: its own search and simulation streams from (seed, rule index)."""
    search_ss, sim_ss = np.random.SeedSequence(seq + [_rule_code(rule)]).spawn(2)
    sim_rng = np.random.default_rng(sim_ss)
    simulate_one = _Evaluator(stats, rule, modelvar, epsilon)

    def evaluate(eta, gamma):
        return simulate_one(eta, gamma, sim_rng.random(simulate_one.m))

    res = search(
        evaluate, rule, levels, samples, pow, eta_bounds, gamma_bounds, np.random.default_rng(search_ss)
    )
    b = int(np.argmin(res["energy"]))
    res.update(
        best_index=np.int64(b),
        best_eta=res["eta"][b],
        best_gamma=res["gamma"][b],
        best_energy=res["energy"][b],
        best_ks=res["ks"][b].copy(),
    )
    return res


def fit(
    target: np.ndarray,
    distance: np.ndarray,
    rules=RULES,
    levels: int = 5,
    samples: int = 200,
    pow: float = 2.0,
    eta_bounds=(-7.0, 7.0),
    gamma_bounds=(-7.0, 7.0),
    seed=0,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
    threads: int = 1,
) -> dict[str, dict[str, np.ndarray]]:
    """Fit GNM rules to one target network by the Voronoi search, the authors' set-up:
    empty seed, m = the target's edge count, one simulation per (eta, gamma) sample.

    target: (n, n) 0/1 symmetric adjacency; distance: (n, n) > 0 off the diagonal. seed: int (or
    sequence of ints) for ``numpy.random.SeedSequence``; each rule gets its own stream derived from
    (seed, rule index in :data:`RULES`), so fitting a subset of rules gives the same numbers per rule.
    threads: rules fitted at once on that many threads (the compiled kernels release the GIL); the
    numbers do not depend on it. Returns {rule: {eta, gamma, energy (N,), ks (N, 4) [degree,
    clustering, betweenness, edge length], level (N,), alpha (N,), best_index, best_eta, best_gamma,
    best_energy, best_ks (4,)}} with N = levels x samples; the best sample is the one of minimum
    energy (first on ties). A simulation whose weights overflow (possible only with the exponential
    form) gets energy 1, the worst possible, and NaN KS values.
    """
    stats = target_statistics(target, distance)
    if seed is None or isinstance(seed, np.random.Generator):
        raise ValueError(f"fit needs an int seed (or a sequence of ints) for reproducibility, got {seed!r}")
    threads = int(threads)
    if threads < 1:
        raise ValueError(f"fit needs threads >= 1, got {threads}")
    seq = [int(seed)] if np.isscalar(seed) else [int(s) for s in seed]
    rules = list(rules)
    for rule in rules:
        _rule_code(rule)
    args = (levels, samples, pow, eta_bounds, gamma_bounds, modelvar, epsilon)
    if threads == 1 or len(rules) == 1:
        return {rule: _fit_rule(stats, rule, seq, *args) for rule in rules}
    # the slow rules first, so that the last ones to finish are short
    order = sorted(rules, key=lambda r: -_RULE_COST[_rule_code(r)])
    with ThreadPoolExecutor(max_workers=min(threads, len(rules))) as pool:
        futures = {rule: pool.submit(_fit_rule, stats, rule, seq, *args) for rule in order}
        return {rule: futures[rule].result() for rule in rules}


def compile_kernels() -> None:
    """Compile the numba kernels behind :func:`fit` (growth, statistics, energy) into numba's on-disk
    cache with the array types the workflow passes, so that no fit job pays the compilation (~6 s
    measured). Meant for ``make setup``, like ``sernn.metrics.compile_kernels``."""
    rng = np.random.default_rng(0)
    coords = rng.random((8, 3)) + np.arange(8)[:, None]  # distinct points: D > 0 off the diagonal
    D = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
    A = np.zeros((8, 8), np.uint8)
    for i, j in ((0, 1), (1, 2), (2, 0), (3, 4), (5, 6), (6, 7)):
        A[i, j] = A[j, i] = 1
    fit(A, D, RULES, levels=2, samples=2, seed=0)
