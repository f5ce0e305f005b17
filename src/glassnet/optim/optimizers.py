"""Optimizers: ``step(pairs)`` updates each ``param`` in place from its ``grad``.

``pairs`` is a sequence of ``(param, grad)`` arrays, the same arrays in the same order at every step
(a :class:`glassnet.Sequential` hands over a single flat pair, so a step is a few NumPy calls whatever
the depth). Optimizer state (velocities, moments) is kept per position, never on the layers.
Subclasses implement one hook, ``_update(param, grad, state)``, with the rule from the literature
beside the code.

``learning_rate`` is a number, which callbacks may change between steps (``optimizer.lr``), or a
:mod:`glassnet.optim.schedules` schedule, which owns the rate: the training loop calls ``set_epoch(e)``
at the start of each epoch and the schedule sets it.
"""

from __future__ import annotations

import math

from ..nn import fused
from ..nn.backend import is_numpy, like, namespace, to_numpy
from ..nn.checks import check_real, from_name
from .schedules import Schedule


class Optimizer:
    """Base class holding the learning rate, the step count ``t`` and per-parameter state."""

    _restored = False  # a class default: optimizers pickled before it existed still step
    # The step count the training loop expects to reach (set by ``fit``; early stopping may end the run
    # sooner). An optimizer may choose how to compute from it: Adam loads its fused kernel at once for
    # a run long enough to repay the start-up.
    planned_steps = 0

    def __init__(self, learning_rate=0.01):
        if isinstance(learning_rate, Schedule):
            self.schedule = learning_rate
            self.lr = learning_rate(0)
        else:
            self.schedule = None
            self.lr = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
        self.t = 0
        self._state: list[dict] | None = None
        self._restored = False
        self._scratch: dict = {}

    @property
    def lr(self) -> float:
        """The current learning rate."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        # Always a Python float: NumPy computes float32 arrays with a NumPy float64 scalar in float64,
        # one casting pass each way (several times slower), where a Python float keeps them float32.
        self._lr = float(value)

    def set_epoch(self, epoch: int) -> None:
        """Set the learning rate for ``epoch`` from the schedule, when there is one."""
        if self.schedule is not None:
            self.lr = self.schedule(epoch)

    def step(self, pairs) -> None:
        """Apply one update to every ``(param, grad)`` pair."""
        if self._state is None:
            self._state = [self._init_state(p) for p, _ in pairs]
        elif self._restored:
            # a state loaded from a file holds host arrays: place them beside the parameters
            self._state = [{k: like(v, p) for k, v in s.items()} for (p, _), s in zip(pairs, self._state)]
            self._restored = False
        self.t += 1
        for (param, grad), state in zip(pairs, self._state):
            self._update(param, grad, state)

    def _init_state(self, param) -> dict:
        return {}

    def _temporary(self, param):
        """A scratch array shaped like ``param``, allocated once (not part of the saved state)."""
        key = (param.shape, param.dtype)
        tmp = self._scratch.get(key)
        if tmp is None:
            tmp = self._scratch[key] = namespace(param).empty_like(param)
        return tmp

    def _update(self, param, grad, state) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Everything needed to resume: step count, current rate and per-parameter arrays."""
        state = [{k: to_numpy(v).copy() for k, v in s.items()} for s in self._state or []]  # host copies
        return {"t": self.t, "lr": self.lr, "state": state}

    def load_state_dict(self, saved: dict) -> None:
        self.t = int(saved["t"])
        self.lr = float(saved["lr"])
        self._state = [{k: to_numpy(v).copy() for k, v in s.items()} for s in saved["state"]] or None
        self._restored = self._state is not None

    def __repr__(self):
        rate = self.schedule if self.schedule is not None else self.lr
        return f"{type(self).__name__}(learning_rate={rate!r})"


class SGD(Optimizer):
    """Plain gradient descent: ``theta <- theta - mu * g``."""

    def _update(self, param, grad, state):
        param -= namespace(param).multiply(grad, self.lr, out=self._temporary(param))


class Momentum(Optimizer):
    """Gradient descent with momentum, in the tutorials' form::

        M(i+1)     = lambda * M(i) - mu * g
        theta(i+1) = theta(i) + M(i+1)

    with ``lambda = momentum`` and ``mu`` the learning rate.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9):
        super().__init__(learning_rate)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0)

    def _init_state(self, param):
        return {"M": namespace(param).zeros_like(param)}

    def _update(self, param, grad, state):
        M, xp = state["M"], namespace(param)
        M *= self.momentum
        M -= xp.multiply(grad, self.lr, out=self._temporary(param))
        param += M


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Sutskever et al. 2013 form, as scikit-learn uses)::

        M(i+1)     = lambda * M(i) - mu * g
        theta(i+1) = theta(i) + lambda * M(i+1) - mu * g
    """

    def _update(self, param, grad, state):
        M, tmp, xp = state["M"], self._temporary(param), namespace(param)
        M *= self.momentum
        M -= xp.multiply(grad, self.lr, out=tmp)
        param += xp.multiply(M, self.momentum, out=tmp)
        param -= xp.multiply(grad, self.lr, out=tmp)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015)::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        theta <- theta - mu * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta_1^t),  v_hat = v / (1 - beta_2^t)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta_1 = check_real(beta_1, "beta_1", low=0.0, high=1.0, high_inclusive=False)
        self.beta_2 = check_real(beta_2, "beta_2", low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_real(epsilon, "epsilon", low=0.0, low_inclusive=False)

    def _init_state(self, param):
        xp = namespace(param)
        return {"m": xp.zeros_like(param), "v": xp.zeros_like(param)}

    def _update(self, param, grad, state):
        m, v, xp = state["m"], state["v"], namespace(param)
        b1, b2 = self.beta_1, self.beta_2
        # The bias corrections folded into two scalars (Kingma & Ba, section 2), one pass fewer:
        #   mu m_hat / (sqrt(v_hat) + eps) = mu_t m / (sqrt(v) + eps_t),
        #   mu_t = mu sqrt(1 - beta_2^t) / (1 - beta_1^t),   eps_t = eps sqrt(1 - beta_2^t)
        root = math.sqrt(1.0 - b2**self.t)  # a Python float, as for lr (np.sqrt would give np.float64)
        lr_t, eps_t = self.lr * root / (1.0 - b1**self.t), self.epsilon * root
        if is_numpy(xp):  # a compiled kernel, for NumPy arrays only, loaded when the steps to come repay it
            planned = max(self.planned_steps - self.t, 0) * param.size
            if fused.applies(param, grad, m, v, planned=planned):
                fused.adam(param, grad, m, v, b1, b2, lr_t, eps_t)  # the passes below, in one
                return
        tmp = self._temporary(param)
        m *= b1
        m += xp.multiply(grad, 1.0 - b1, out=tmp)
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        v *= b2
        v += tmp
        xp.sqrt(v, out=tmp)
        tmp += eps_t
        xp.divide(m, tmp, out=tmp)
        tmp *= lr_t
        param -= tmp


class RMSProp(Optimizer):
    """RMSProp (Hinton 2012)::

        s <- rho s + (1 - rho) g^2
        theta <- theta - mu * g / (sqrt(s) + eps)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        self.rho = check_real(rho, "rho", low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_real(epsilon, "epsilon", low=0.0, low_inclusive=False)

    def _init_state(self, param):
        return {"s": namespace(param).zeros_like(param)}

    def _update(self, param, grad, state):
        s, tmp, xp = state["s"], self._temporary(param), namespace(param)
        s *= self.rho
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - self.rho
        s += tmp
        xp.sqrt(s, out=tmp)
        tmp += self.epsilon
        xp.divide(grad, tmp, out=tmp)
        tmp *= self.lr
        param -= tmp


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011)::

        s <- s + g^2
        theta <- theta - mu * g / (sqrt(s) + eps)
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-8):
        super().__init__(learning_rate)
        self.epsilon = check_real(epsilon, "epsilon", low=0.0, low_inclusive=False)

    def _init_state(self, param):
        return {"s": namespace(param).zeros_like(param)}

    def _update(self, param, grad, state):
        s, tmp, xp = state["s"], self._temporary(param), namespace(param)
        xp.multiply(grad, grad, out=tmp)
        s += tmp
        xp.sqrt(s, out=tmp)
        tmp += self.epsilon
        xp.divide(grad, tmp, out=tmp)
        tmp *= self.lr
        param -= tmp


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adam": Adam,
    "rmsprop": RMSProp,
    "adagrad": AdaGrad,
}


def get(name, **kwargs) -> Optimizer:
    """An optimizer from its name in ``OPTIMIZERS`` (built with ``kwargs``) or an instance."""
    return from_name("optimizer", OPTIMIZERS, name, Optimizer, **kwargs)
