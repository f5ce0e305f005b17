"""Learning-rate schedules: ``schedule(epoch) -> learning rate`` for epochs counted from 0."""

from __future__ import annotations

from ..nn.checks import check_positive_int, check_real


class Schedule:
    """Base class; ``initial`` is the rate at epoch 0."""

    def __init__(self, initial):
        self.initial = check_real(initial, "learning_rate", low=0.0, low_inclusive=False)

    def __call__(self, epoch: int) -> float:
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """``lr(e) = initial``."""

    def __call__(self, epoch):
        return self.initial


class InverseScaling(Schedule):
    """``lr(e) = initial / (e + 1) ** power_t``."""

    def __init__(self, initial, power_t=0.5):
        super().__init__(initial)
        self.power_t = check_real(power_t, "power_t", low=0.0)

    def __call__(self, epoch):
        return self.initial / (epoch + 1) ** self.power_t


class StepDecay(Schedule):
    """``lr(e) = initial * factor ** floor(e / step_size)``."""

    def __init__(self, initial, step_size=10, factor=0.5):
        super().__init__(initial)
        self.step_size = check_positive_int(step_size, "step_size")
        self.factor = check_real(factor, "factor", low=0.0, high=1.0, low_inclusive=False)

    def __call__(self, epoch):
        return self.initial * self.factor ** (epoch // self.step_size)


class ExponentialDecay(Schedule):
    """``lr(e) = initial * decay ** e``."""

    def __init__(self, initial, decay=0.95):
        super().__init__(initial)
        self.decay = check_real(decay, "decay", low=0.0, high=1.0, low_inclusive=False)

    def __call__(self, epoch):
        return self.initial * self.decay**epoch
