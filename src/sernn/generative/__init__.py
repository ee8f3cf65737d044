"""Binary generative network models (GNMs): the 13 wiring rules of Betzel et al. (2016) with the
semantics of the Brain Connectivity Toolbox's ``generative_model.m``, the energy that compares a
grown network with a target, and the Voronoi parameter search that Achterberg, Akarca et al. (2023)
ran on trained seRNN and L1 networks. The user-facing description is ``docs/generative.md``; this
docstring states the conventions the code relies on.

Modules: :mod:`.kernel` grows networks, :mod:`.statistics` computes the energy, :mod:`.search`
runs the parameter search and the fit of one network, :mod:`.summary` makes the table rows.

Growth. The candidates are the unordered pairs i < j, listed column by column as BCT lists them:
(0,1), (0,2), (1,2), (0,3), ... (0-based), so pair p = j (j - 1) / 2 + i. A non-edge has weight
w = Fd Fk with Fd = D^eta (powerlaw) or exp(eta D) (exponential) and Fk = K^gamma or exp(gamma K);
K, the rule's topology term, includes ``+ epsilon``. An existing edge has weight 0 (set, not
multiplied, so an infinite factor cannot turn it into NaN). Each added edge consumes one uniform
U in [0, 1) and is the first pair whose running sum of w exceeds U * sum(w). The stream is
explicit (``uniforms``, or ``numpy.random.default_rng(seed).random(m - m_seed)``), which lets the
plain numpy port in ``tests/gnm_reference.py`` replay a simulation draw for draw. After each edge K
is updated incrementally, as BCT does, only where the new edge changes it. The compiled kernels
keep the weights together with sums over blocks of 64 pairs (and, for the clu-* and deg-* rules,
superblocks of 8 blocks); they re-sum only what changed, and a draw walks the sums level by level
(:mod:`.kernel`). Because these sums are grouped differently from one long cumulative sum, the
drawn pair can differ from the port's only when U * sum(w) lies within rounding (about 1e-16
relative) of a pair boundary.

Energy. E is the largest of four two-sample Kolmogorov-Smirnov statistics between the target and
the grown network, always in the order [degree, clustering, betweenness, edge length]: degree,
clustering as BCT ``clustering_coef_bu``, betweenness as BCT ``betweenness_bin`` (ordered pairs, not
normalised) and the length D of every edge counted once. Each equals
``scipy.stats.ks_2samp(x, y).statistic``. Betweenness values are sums of path fractions, so two
graphs with equal exact values can differ in the last bits; the KS merge therefore treats values
within 1e-9 (relative) as tied, which leaves the integer-valued statistics unchanged.

Search. Level 1 draws (eta, gamma) uniformly within the bounds. Each later level L maps every point
so far onto the unit square, picks 2-D Voronoi cells with probability proportional to E^-alpha,
alpha = linspace(0, pow, levels)[L - 1], and draws a point inside the chosen cell by rejection.
The cells are bounded by adding the points' mirror images across the four sides of the square,
which yields exactly the cells clipped to the square (MATLAB's ``voronoin`` marks unbounded cells
with an infinite vertex that clipping maps to the corner (1, 1), distorting the cells at the
border; that is not reproduced). 'sptl' has no gamma: it is searched on eta alone with 1-D cells
and stores gamma = 0.

Deliberately different from bctpy 0.6.1, whose ``generative_model`` is wrong: its draw is off by
one (pair (0, 1) is never formed and fewer than m distinct edges can result), its matching rule
never updates K^gamma, its neighbours rule updates the wrong columns, and it carries state from
one parameter set to the next.
"""

from .kernel import MODELVARS, RULES, edges_to_adjacency, simulate, simulate_trace
from .search import compile_kernels, fit, search, simulate_energy, voronoi_select, voronoi_select_1d
from .statistics import (
    KS_COLUMNS,
    authors_target,
    energy,
    ks_statistic,
    network_statistics,
    target_statistics,
)
from .summary import column_suffix, summary_columns, summary_row

__all__ = [
    "RULES",
    "MODELVARS",
    "KS_COLUMNS",
    "authors_target",
    "simulate",
    "simulate_trace",
    "edges_to_adjacency",
    "network_statistics",
    "ks_statistic",
    "target_statistics",
    "energy",
    "simulate_energy",
    "voronoi_select",
    "voronoi_select_1d",
    "search",
    "fit",
    "column_suffix",
    "summary_columns",
    "summary_row",
    "compile_kernels",
]
