"""scikit-learn estimators over the core: :class:`MLPClassifier` and :class:`MLPRegressor`.

They import only the core, so ``glassnet/__init__.py`` can import them last without a cycle.
"""

from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
