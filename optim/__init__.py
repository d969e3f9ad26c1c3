"""errorflow's optimizers (notes §7.7–7.9), with PyTorch's names, arguments, defaults and update rules.

    from optim import SGD, Adam, lr_scheduler, clip_grad_norm_
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)   # the notes' annealing
    for epoch in range(30):
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        clip_grad_norm_(model.parameters(), max_norm=5.0)
        opt.step()
        sched.step()

Works on scalar ``Value`` parameters (``nn.MLP``) and ``Tensor`` parameters alike.
"""

from . import lr_scheduler
from .optimizer import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .utils import clip_grad_norm_, clip_grad_value_

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "lr_scheduler",
    "clip_grad_norm_",
    "clip_grad_value_",
]
