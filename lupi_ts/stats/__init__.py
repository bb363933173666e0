"""Statistics of repeated experiments: intervals, paired tests and unit bootstraps.

An experiment gives one number per *unit* (a random placement of the train /
validation / test blocks, a file, a seed). This module summarises such numbers
the same way in every experiment:

* :func:`mean_ci` - mean and Student-t confidence interval at any level (the
  key names the level: ``"ci95"``, ``"ci90"``, ...);
* :func:`paired_comparison` - ``a - b`` over the same units: interval, paired
  t-test, Wilcoxon signed-rank test and wins / ties / losses;
* :func:`bootstrap_weights`, :func:`percentile_interval` and
  :class:`WeightedScorePool` - a bootstrap over units (each resample draws the
  units with replacement; a statistic of the pooled rows of the drawn units is
  recomputed from integer unit weights instead of concatenating them).

Examples
--------
>>> from lupi_ts.stats import mean_ci, paired_comparison
>>> mean_ci([0.8, 0.9, 1.0], level=0.9)["ci90"]
[0.7314..., 1.0685...]
>>> paired_comparison([0.9, 0.8, 0.7], [0.8, 0.8, 0.6])["wins"]
2
"""

from ._bootstrap import WeightedScorePool, bootstrap_weights, percentile_interval
from ._intervals import ci_key, mean_ci
from ._paired import paired_comparison

__all__ = [
    "WeightedScorePool",
    "bootstrap_weights",
    "ci_key",
    "mean_ci",
    "paired_comparison",
    "percentile_interval",
]
