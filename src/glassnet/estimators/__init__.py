"""scikit-learn estimators over the core: :class:`MLPClassifier` and :class:`MLPRegressor`.

They import only the core, so ``glassnet/__init__.py`` can import them last without a cycle.
"""

from .classifier import MLPClassifier
from .regressor import MLPRegressor
from .streaming import iter_blocks, partial_fit_blocks

__all__ = ["MLPClassifier", "MLPRegressor", "iter_blocks", "partial_fit_blocks"]
