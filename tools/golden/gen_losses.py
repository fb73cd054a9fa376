"""losses.json: loss values and d(loss)/d(prediction), all with PyTorch's default reduction 'mean'."""
import torch
import torch.nn as nn

from common import f32_randn, t2j


def _case(case_id, loss, options, module, pred, target, pred_for_torch=None, target_for_torch=None):
    pred = pred.clone().requires_grad_()
    p = pred if pred_for_torch is None else pred_for_torch(pred)
    t = target if target_for_torch is None else target_for_torch(target)
    value = module(p, t)
    value.backward()
    return {"id": case_id, "loss": loss, "options": options, "torch": "nn." + repr(module).replace("()", "") + torch_args(options),
            "input": t2j(pred), "target": t2j(target), "value": float(value), "grad": t2j(pred.grad)}


def torch_args(options):
    return "(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"


def _ids(*shape, classes):
    return torch.randint(0, classes, shape)


def _bits(*shape):
    return torch.randint(0, 2, shape).double()


def generate():
    torch.manual_seed(3000)
    cases = []
    # regression: predictions spread wider than targets so Huber sees both regimes
    for shape in ([4, 3], [3, 5, 2]):
        tag = f"{len(shape)}d"
        pred, target = f32_randn(*shape, scale=2.0), f32_randn(*shape)
        cases.append(_case(f"mse-{tag}", "mse", {}, nn.MSELoss(), pred, target))
        cases.append(_case(f"mae-{tag}", "mae", {}, nn.L1Loss(), pred, target))
        for delta in (1.0, 0.5, 2.5):
            cases.append(_case(f"huber-delta{delta}-{tag}", "huber", {"delta": delta},
                               nn.HuberLoss(delta=delta), pred, target))
    # cross-entropy from logits, integer class targets
    logits, ids = f32_randn(6, 5, scale=2.0), _ids(6, classes=5)
    cases.append(_case("crossentropy-2d", "crossentropy", {}, nn.CrossEntropyLoss(), logits, ids))
    big = logits * 50.0  # log-softmax must be computed stably
    cases.append(_case("crossentropy-2d-large-logits", "crossentropy", {}, nn.CrossEntropyLoss(), big, ids))
    logits3, ids3 = f32_randn(3, 4, 6, scale=2.0), _ids(3, 4, classes=6)
    to_bct = lambda z: z.transpose(1, 2)  # PyTorch wants [B, C, T]
    cases.append(_case("crossentropy-3d", "crossentropy", {}, nn.CrossEntropyLoss(), logits3, ids3,
                       pred_for_torch=to_bct))
    # binary cross-entropy on probabilities (hard and soft targets), and from logits
    probs = torch.sigmoid(f32_randn(4, 3, scale=2.0)).float().double()
    cases.append(_case("bce-probs", "bce", {}, nn.BCELoss(), probs, _bits(4, 3)))
    soft = torch.rand(4, 3, dtype=torch.float32).double()
    cases.append(_case("bce-probs-soft-targets", "bce", {}, nn.BCELoss(), probs, soft))
    z = f32_randn(4, 3, scale=2.0)
    cases.append(_case("bce-logits", "bceWithLogits", {}, nn.BCEWithLogitsLoss(), z, _bits(4, 3)))
    cases.append(_case("bce-logits-3d", "bceWithLogits", {}, nn.BCEWithLogitsLoss(),
                       f32_randn(2, 3, 2, scale=2.0), _bits(2, 3, 2)))
    zbig = torch.tensor([[-40.0, 40.0, 0.0], [30.0, -30.0, 5.0]], dtype=torch.float64)
    cases.append(_case("bce-logits-large", "bceWithLogits", {}, nn.BCEWithLogitsLoss(), zbig,
                       torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=torch.float64)))
    return {"reduction": "mean", "cases": cases}
