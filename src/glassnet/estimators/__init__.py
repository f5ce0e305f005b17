"""scikit-learn estimators over the core: :class:`NeuralNetClassifier` and :class:`NeuralNetRegressor`
for any list of layers, and :class:`MLPClassifier` and :class:`MLPRegressor`, the same on ``Dense`` stacks.

They import only the core, so ``glassnet/__init__.py`` can import them last without a cycle.
"""

from .classifier import MLPClassifier, NeuralNetClassifier
from .regressor import MLPRegressor, NeuralNetRegressor
from .streaming import iter_blocks, partial_fit_blocks

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor", "iter_blocks",
           "partial_fit_blocks"]
