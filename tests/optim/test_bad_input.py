"""Bad input to ``optim`` (issue 8's sweep, part 3): optimizers, their state dicts, gradient clipping and the
learning-rate schedulers. Hyper-parameters must be finite (NaN/inf refused by name), wrong types are TypeErrors,
and a refused call — a constructor, ``add_param_group``, ``step``, ``load_state_dict``, a scheduler's step —
leaves parameters, gradients, optimizer state and learning rates exactly as they were (``tests/badinput.py``).

Kept as is (pinned by older tests): schedulers' ``step_size``/``last_epoch`` and ``fan_in`` give ``ValueError``
for a wrongly typed value too.
"""

from __future__ import annotations

import numpy as np
import pytest

import optim
from autodiff import Tensor
from optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm_, clip_grad_value_
from optim.lr_scheduler import ExponentialDecay, ExponentialLR, InverseTimeLR, LambdaLR, StepLR
from tests.badinput import World, case, check

NAN, INF = float("nan"), float("inf")


def params(w: World) -> list:
    return w.model.parameters()


def saved(w: World, **changes) -> dict:
    """The world optimizer's state dict, with top-level entries replaced."""
    state = w.opt.state_dict()
    state.update(changes)
    return state


def saved_group(w: World, **changes) -> dict:
    state = w.opt.state_dict()
    state["param_groups"] = [{**state["param_groups"][0], **changes}]
    return state


def saved_buffer(w: World, index, name, value) -> dict:
    state = w.opt.state_dict()
    state["state"] = {**state["state"], index: {**state["state"][0], name: value}}
    return state


def saved_group_without(w: World, name: str) -> dict:
    state = w.opt.state_dict()
    del state["param_groups"][0][name]
    return state


def without_buffer(w: World, index: int, name: str) -> dict:
    state = w.opt.state_dict()
    del state["state"][index][name]
    return state


def other_optimizer_state(kind, **hyperparameters):
    """A ``prepare`` step: ``w.other`` is the state dict of another optimizer type over the world model's
    parameters, after one step (taken before the snapshot)."""

    def prepare(w: World) -> None:
        other = kind(params(w), **hyperparameters)
        other.step()
        w.other = other.state_dict()

    return prepare


def plant(target, name: str, value):
    """A ``prepare`` step: set ``target(w).name`` (or ``target(w)[name]`` for a dict) before the snapshot."""

    def prepare(w: World) -> None:
        obj = target(w)
        if isinstance(obj, dict):
            obj[name] = value
        else:
            setattr(obj, name, value)

    return prepare


ROWS = [
    # ---- constructors: hyper-parameters must be finite and of the right type ---------------------------------
    case("SGD(lr=nan)", lambda w: SGD(params(w), lr=NAN), ValueError, r"Invalid learning rate: nan"),
    case("Adam(lr=inf)", lambda w: Adam(params(w), lr=INF), ValueError, r"Invalid learning rate: inf"),
    case("Adam(eps=nan)", lambda w: Adam(params(w), eps=NAN), ValueError, r"Invalid epsilon value: nan"),
    case("Adam(betas=(nan, 0.9))", lambda w: Adam(params(w), betas=(NAN, 0.9)), ValueError,
         r"Invalid beta parameter at index 0: nan"),
    case("Adam(betas=(0.9, '0.99'))", lambda w: Adam(params(w), betas=(0.9, "0.99")), TypeError,
         r"betas\[1\] must be a real number, got str"),
    case("AdamW(weight_decay=nan)", lambda w: AdamW(params(w), weight_decay=NAN), ValueError,
         r"Invalid weight_decay value: nan"),
    case("SGD(momentum=inf)", lambda w: SGD(params(w), momentum=INF), ValueError, r"Invalid momentum value: inf"),
    case("SGD(dampening=nan)", lambda w: SGD(params(w), momentum=0.9, dampening=NAN), ValueError,
         r"Invalid dampening value: nan \(must be in \[0, 1\]\)"),
    case("SGD(nesterov='yes')", lambda w: SGD(params(w), momentum=0.9, nesterov="yes"), TypeError,
         r"nesterov must be True or False"),
    case("RMSprop(alpha=nan)", lambda w: RMSprop(params(w), alpha=NAN), ValueError, r"Invalid alpha value: nan"),
    case("RMSprop(centered=1)", lambda w: RMSprop(params(w), centered=1), TypeError, r"centered must be True or Fal"),
    case("Adagrad(lr_decay=inf)", lambda w: Adagrad(params(w), lr_decay=INF), ValueError, r"Invalid lr_decay.*inf"),
    case("Adagrad(initial_accumulator_value=nan)", lambda w: Adagrad(params(w), initial_accumulator_value=NAN),
         ValueError, r"Invalid initial_accumulator_value value: nan"),
    case("SGD(None)", lambda w: SGD(None), TypeError, r"params must be an iterable of parameters or dicts.*None"),
    case("SGD('W')", lambda w: SGD("W"), TypeError, r"params must be an iterable.*str"),
    case("SGD(iter([]))", lambda w: SGD(iter([])), ValueError, r"optimizer got an empty parameter list"),
    case("SGD(group lr=nan)", lambda w: SGD([{"params": params(w), "lr": NAN}]), ValueError, r"learning rate: nan"),
    case("SGD(a non-leaf)", lambda w: SGD([w.x * 2]), ValueError, r"non-leaf parameter"),
    case("Optimizer(defaults={})", lambda w: optim.Optimizer([w.x], {}), ValueError, r"needs a learning rate 'lr'"),
    case("Optimizer(defaults=None)", lambda w: optim.Optimizer([w.x], None), TypeError,
         r"defaults must be a dict of hyper-parameters, got NoneType"),
    case("Optimizer base step()", lambda w: optim.Optimizer([w.x], {"lr": 0.1}).step(), NotImplementedError,
         r"Optimizer must define _update"),
    case("LRScheduler base", lambda w: optim.lr_scheduler.LRScheduler(w.sgd), NotImplementedError,
         r"LRScheduler must define get_lr\(\)"),
    # ---- add_param_group: refused groups are not half added ------------------------------------------------------
    case("add_param_group(lr=inf)", lambda w: w.opt.add_param_group({"params": [w.x], "lr": INF}), ValueError,
         r"Invalid learning rate: inf"),
    case("add_param_group(taken)", lambda w: w.opt.add_param_group({"params": params(w)}), ValueError,
         r"more than one parameter group"),
    case("add_param_group(list)", lambda w: w.opt.add_param_group([w.x]), TypeError, r"parameter group must be a dict"),
    case("add_param_group(no params)", lambda w: w.opt.add_param_group({"lr": 0.1}), ValueError, r"'params' entry"),
    case("add_param_group(str)", lambda w: w.opt.add_param_group({"params": ["W"]}), TypeError,
         r"can only optimize Values and Tensors, but params\[0\] is str"),
    # ---- step / zero_grad: nothing moves unless everything is valid --------------------------------------------
    case("step(closure=3)", lambda w: w.opt.step(3), TypeError, r"step\(closure\) needs a function"),
    case("step() with a bad grad shape", lambda w: w.opt.step(), ValueError,
         r"parameter of shape \(2,\) has a gradient of shape \(5,\)",
         prepare=plant(lambda w: w.model[2].b, "grad", np.ones(5))),
    case("step() with a str grad", lambda w: w.opt.step(), TypeError, r"\.grad must be numbers.*str",
         prepare=plant(lambda w: w.model[2].W, "grad", "g")),
    case("step() after lr = nan by hand", lambda w: w.opt.step(), ValueError, r"Invalid learning rate: nan",
         prepare=plant(lambda w: w.opt.param_groups[0], "lr", NAN)),
    case("scalar step() after momentum = -1", lambda w: w.sgd.step(), ValueError, r"Invalid momentum value: -1",
         prepare=plant(lambda w: w.sgd.param_groups[0], "momentum", -1)),
    case("zero_grad(set_to_none='no')", lambda w: w.opt.zero_grad(set_to_none="no"), TypeError,
         r"set_to_none must be True or False"),
    # ---- load_state_dict: checked in full before anything is assigned -----------------------------------------------
    case("load_state_dict(list)", lambda w: w.opt.load_state_dict([w.opt.state_dict()]), TypeError,
         r"needs the dict returned by state_dict\(\), got list"),
    case("load_state_dict({})", lambda w: w.opt.load_state_dict({}), ValueError,
         r"has the keys 'param_groups' and 'state'; got \[\]"),
    case("load_state_dict(model state)", lambda w: w.opt.load_state_dict(w.model.state_dict()), ValueError,
         r"keys 'param_groups' and 'state'; got \['0.W'"),
    case("load_state_dict(groups=3)", lambda w: w.opt.load_state_dict(saved(w, param_groups=3)), ValueError,
         r"'param_groups' must be a list of dicts"),
    case("load_state_dict(group without params)", lambda w: w.opt.load_state_dict(saved(w, param_groups=[{}])),
         ValueError, r"each with a 'params' list of indices"),
    case("load_state_dict(state=list)", lambda w: w.opt.load_state_dict(saved(w, state=[1])), ValueError,
         r"'state' must be a dict \{parameter index: dict of buffers\}"),
    case("load_state_dict(indices 7…)", lambda w: w.opt.load_state_dict(saved_group(w, params=[7, 8, 9, 10])),
         ValueError, r"must number the parameters 0, 1, …, 3; got \[7, 8, 9, 10\]"),
    case("load_state_dict(buffers for 9)", lambda w: w.opt.load_state_dict(saved_buffer(w, 9, "step", 1)),
         ValueError, r"'state' has buffers for parameter 9; the parameters are 0 … 3"),
    case("load_state_dict(buffer shape)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg", np.ones(3))),
         ValueError, r"state of parameter 0: 'exp_avg' has shape \(3,\), expected \(4, 3\)"),
    case("load_state_dict(buffer str)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "step", "1")),
         ValueError, r"'step' must be an array or number: str"),
    case("load_state_dict(no exp_avg_sq)", lambda w: w.opt.load_state_dict(without_buffer(w, 1, "exp_avg_sq")),
         ValueError, r"state of parameter 1: missing buffer 'exp_avg_sq' \(Adam keeps 'step', 'exp_avg', "),
    case("load_state_dict(str array)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg",
                                                                                    np.full((4, 3), "a"))),
         ValueError, r"'exp_avg' must hold real numbers, got dtype <U1"),
    case("load_state_dict(object array)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg",
                                                                                       np.full((4, 3), None))),
         ValueError, r"'exp_avg' must hold real numbers, got dtype object"),
    case("load_state_dict(complex array)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg_sq",
                                                                                        np.ones((4, 3)) * 1j)),
         ValueError, r"'exp_avg_sq' must hold real numbers, got dtype complex128"),
    case("load_state_dict(step=-1)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "step", -1)), ValueError,
         r"state of parameter 0: 'step' must be an integer ≥ 0 \(a count of steps\), got -1"),
    case("load_state_dict(step=nan)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "step", NAN)),
         ValueError, r"'step' must be an integer ≥ 0 \(a count of steps\), got nan"),
    case("load_state_dict(step=1.5)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "step", 1.5)),
         ValueError, r"'step' must be an integer ≥ 0"),
    case("load_state_dict(exp_avg_sq < 0)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg_sq",
                                                                                         -np.ones((4, 3)))),
         ValueError, r"'exp_avg_sq' must be ≥ 0 \(a running sum of squares\), got -1"),
    case("load_state_dict(exp_avg nan)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "exp_avg",
                                                                                      np.full((4, 3), NAN))),
         ValueError, r"'exp_avg' holds NaN or infinite values"),
    case("load_state_dict(unknown buffer)", lambda w: w.opt.load_state_dict(saved_buffer(w, 0, "square_avg",
                                                                                        np.ones((4, 3)))),
         ValueError, r"unexpected buffer 'square_avg' for Adam \(a buffer of RMSprop: is this another optimizer"),
    case("load_state_dict(SGD's state)", lambda w: w.opt.load_state_dict(w.other), ValueError,
         r"the loaded state dict is from SGD, not Adam: its parameter groups lack Adam's "
         r"hyper-parameter\(s\) 'amsgrad', 'betas', 'eps'", prepare=other_optimizer_state(SGD, momentum=0.9)),
    case("load_state_dict(Adagrad's state)", lambda w: w.opt.load_state_dict(w.other), ValueError,
         r"from Adagrad, not Adam", prepare=other_optimizer_state(Adagrad)),
    case("RMSprop.load_state_dict(Adam's state)", lambda w: w.rms.load_state_dict(w.other), ValueError,
         r"from Adam or AdamW, not RMSprop: its parameter groups lack RMSprop's hyper-parameter\(s\) 'alpha', "
         r"'centered', 'momentum'",
         prepare=lambda w: other_optimizer_state(Adam)(w) or setattr(w, "rms", RMSprop(params(w)))),
    case("load_state_dict(group without eps)", lambda w: w.opt.load_state_dict(saved_group_without(w, "eps")),
         ValueError, r"parameter group 0 of the loaded state dict lacks Adam's hyper-parameter\(s\) 'eps'"),
    case("load_state_dict(initial_lr=nan)", lambda w: w.opt.load_state_dict(saved_group(w, initial_lr=NAN)),
         ValueError, r"Invalid initial_lr value: nan"),
    case("load_state_dict(lr=nan)", lambda w: w.opt.load_state_dict(saved_group(w, lr=NAN)), ValueError,
         r"Invalid learning rate: nan"),
    case("load_state_dict(betas='x')", lambda w: w.opt.load_state_dict(saved_group(w, betas="x")), ValueError,
         r"Invalid betas value: 'x'"),
    # ---- clipping ----------------------------------------------------------------------------------------------
    case("clip_grad_norm_(max_norm=nan)", lambda w: clip_grad_norm_(params(w), NAN), ValueError,
         r"Invalid max_norm value: nan"),
    case("clip_grad_norm_(max_norm='1')", lambda w: clip_grad_norm_(params(w), "1"), TypeError,
         r"max_norm must be a number ≥ 0, got str"),
    case("clip_grad_norm_(norm_type='fro')", lambda w: clip_grad_norm_(params(w), 1.0, norm_type="fro"), TypeError,
         r"norm_type must be a positive number or inf, got str"),
    case("clip_grad_norm_(norm_type=None)", lambda w: clip_grad_norm_(params(w), 1.0, norm_type=None), TypeError,
         r"norm_type must be a positive number or inf, got NoneType"),
    case("clip_grad_norm_(norm_type=nan)", lambda w: clip_grad_norm_(params(w), 1.0, norm_type=NAN), ValueError,
         r"Invalid norm_type value: nan"),
    case("clip_grad_norm_(norm_type=-inf)", lambda w: clip_grad_norm_(params(w), 1.0, norm_type=-INF), ValueError,
         r"Invalid norm_type value: -inf"),
    case("clip_grad_norm_(error_if_nonfinite='yes')",
         lambda w: clip_grad_norm_(params(w), 1.0, error_if_nonfinite="yes"), TypeError,
         r"error_if_nonfinite must be True or False"),
    case("clip_grad_norm_(optimizer)", lambda w: clip_grad_norm_(w.opt, 1.0), TypeError,
         r"parameters must be a parameter or an iterable of them, got Adam"),
    case("clip_grad_norm_(NaN grad, error_if_nonfinite)",
         lambda w: clip_grad_norm_(params(w), 1.0, error_if_nonfinite=True), RuntimeError, r"non-finite",
         prepare=lambda w: w.model[0].W.grad.__setitem__((0, 0), NAN)),
    case("clip_grad_norm_(a bad grad among good)", lambda w: clip_grad_norm_(params(w), 1e-3), ValueError,
         r"gradient of shape \(7,\)", prepare=plant(lambda w: w.model[2].b, "grad", np.ones(7))),
    case("clip_grad_value_(nan)", lambda w: clip_grad_value_(params(w), NAN), ValueError, r"Invalid clip_value.*nan"),
    case("clip_grad_value_('1')", lambda w: clip_grad_value_(params(w), "1"), TypeError,
         r"clip_value must be a number ≥ 0, got str"),
    # ---- schedulers ----------------------------------------------------------------------------------------------
    case("StepLR(gamma=nan)", lambda w: StepLR(w.opt, 2, gamma=NAN), ValueError, r"Invalid gamma value: nan"),
    case("StepLR(gamma='0.5')", lambda w: StepLR(w.opt, 2, gamma="0.5"), TypeError, r"gamma must be a real number"),
    case("ExponentialLR(gamma=inf)", lambda w: ExponentialLR(w.opt, INF), ValueError, r"gamma value: inf"),
    case("ExponentialDecay(k=nan)", lambda w: ExponentialDecay(w.opt, k=NAN), ValueError, r"Invalid k value: nan"),
    case("InverseTimeLR(tau=-1)", lambda w: InverseTimeLR(w.opt, tau=-1), ValueError, r"Invalid tau value: -1"),
    case("StepLR(None)", lambda w: StepLR(None, 2), TypeError, r"StepLR needs an Optimizer, got NoneType"),
    case("LambdaLR('f')", lambda w: LambdaLR(w.sgd, "f"), TypeError,
         r"lr_lambda must be a function of the step \(or a list of them, one per group\), got str"),
    case("LambdaLR(f → nan)", lambda w: LambdaLR(w.sgd, lambda t: NAN), ValueError,
         r"LambdaLR at step 0, parameter group 0: the learning rate must be finite and ≥ 0, got nan"),
    case("LambdaLR(f → str)", lambda w: LambdaLR(w.sgd, lambda t: "1"), TypeError,
         r"lr_lambda of group 0 must return a number, got str"),
    case("LambdaLR(f → -1)", lambda w: LambdaLR(w.opt, lambda t: -1.0), ValueError, r"finite and ≥ 0, got -0.01"),
    case("LambdaLR(f → inf later)", lambda w: w.sched_lambda.step(), ValueError, r"at step 2.*got inf",
         prepare=lambda w: setattr(w, "sched_lambda", LambdaLR(w.sgd, lambda t: [1.0, 1.0, INF][t]))
         or w.sched_lambda.step()),
    case("scheduler.load_state_dict(list)", lambda w: w.sched.load_state_dict([1]), TypeError,
         r"needs the dict returned by state_dict\(\), got list"),
    case("scheduler.load_state_dict(optimizer)", lambda w: w.sched.load_state_dict({"optimizer": None}), ValueError,
         r"not a StepLR state: unexpected key\(s\) 'optimizer'; expected '_last_lr'"),
    case("scheduler.load_state_dict(gamma=nan)", lambda w: w.sched.load_state_dict({"gamma": NAN}), ValueError,
         r"Invalid gamma value: nan \(must be finite and > 0\)"),
    case("scheduler.load_state_dict(step_size=0)", lambda w: w.sched.load_state_dict({"step_size": 0}), ValueError,
         r"Invalid step_size value: 0 \(must be a positive int\)"),
    case("scheduler.load_state_dict(last_epoch='3')", lambda w: w.sched.load_state_dict({"last_epoch": "3"}),
         ValueError, r"Invalid last_epoch value: '3' \(an int ≥ -1"),
    case("scheduler.load_state_dict(base_lrs=[nan])", lambda w: w.sched.load_state_dict({"base_lrs": [NAN]}),
         ValueError, r"Invalid base_lrs\[0\] value: nan"),
    case("scheduler.load_state_dict(base_lrs for 2 groups)",
         lambda w: w.sched.load_state_dict({"base_lrs": [0.1, 0.1]}), ValueError,
         r"Invalid base_lrs value: \[0.1, 0.1\] \(a list of 1 learning rate\(s\), one per parameter group\)"),
    case("scheduler.load_state_dict(a good key, then a bad one)",
         lambda w: w.sched.load_state_dict({"last_epoch": 9, "_last_lr": ["0.1"]}), TypeError,
         r"_last_lr\[0\] must be a real number, got str"),
    case("ExponentialDecay.load_state_dict(k=-1)", lambda w: w.decay.load_state_dict({"k": -1}), ValueError,
         r"Invalid k value: -1", prepare=lambda w: setattr(w, "decay", ExponentialDecay(w.sgd, k=0.1))),
    case("scheduler.load_state_dict(other scheduler)",
         lambda w: w.sched.load_state_dict(ExponentialDecay(optim.SGD([Tensor([1.0], requires_grad=True)]),
                                                           k=0.1).state_dict()),
         ValueError, r"unexpected key\(s\) 'k'"),
]


@pytest.mark.parametrize("row", ROWS)
def test_bad_input_is_refused_clearly_and_changes_nothing(row, tmp_path):
    check(row, World(tmp_path))


# ---- accepted on purpose ----------------------------------------------------------------------------------------
ACCEPTED = {
    "norm_type 'inf' (PyTorch's spelling)": lambda w: clip_grad_norm_(params(w), 1.0, norm_type="inf"),
    "max_norm and clip_value inf: no clipping": lambda w: (clip_grad_norm_(params(w), INF),
                                                           clip_grad_value_(params(w), INF)),
    "numpy scalar hyper-parameters": lambda w: Adam(params(w), lr=np.float32(0.1), betas=(np.float64(0.9), 0.99)),
    "NaN gradients (anomaly mode finds them)": lambda w: (w.model[0].W.grad.fill(NAN), w.opt.step()),
    "JSON-style str indices in a saved state": lambda w: w.opt.load_state_dict(
        saved(w, state={str(k): v for k, v in w.opt.state_dict()["state"].items()})),
    "a lambda returning an int": lambda w: LambdaLR(w.sgd, lambda t: 1),
}


@pytest.mark.parametrize("call", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_valid_edge_input_is_accepted(call, tmp_path):
    call(World(tmp_path))
