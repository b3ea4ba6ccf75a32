"""Deep Image Matting (Xu et al., CVPR 2017) in the layout of mmagic's ``dim_stage*`` checkpoints.

There is no official PyTorch release (the authors' model was Caffe). The weights PyTorch users
have are OpenMMLab's ``dim_stage{1,2,3}_v16…_comp1k`` (mmediting, June 2020). Their layout was
derived from the code that built them and still loads them (open-mmlab/mmagic @ 0a560bb, and the
June 2020 mmediting tree @ a7a4f22 that saved them, which has the same module names):
``DIM`` (``models/editors/dim/dim.py``; ``mmedit/models/mattors/dim.py``) holds ``backbone`` =
``SimpleEncoderDecoder`` (``encoder`` = ``VGG16``, ``decoder`` = ``PlainDecoder``) and, from stage 2
on, ``refiner`` = ``PlainRefiner``. Losses, the data preprocessor (non-persistent mean/std buffers)
and the max-unpooling modules hold no state, so the checkpoint's ``state_dict`` is exactly:

- ``backbone.encoder.layer{1..5}.{i}.weight/bias`` for the VGG-16 3×3 convs (layers of 2, 2, 3, 3, 3
  convs at Sequential indices 0, 2, 4; ReLU and the index-returning 2×2 max pool in between; the
  first conv takes 4 channels: RGB + trimap), ``backbone.encoder.conv6`` (1×1, 512 → 512);
- ``backbone.decoder.deconv6_1`` (1×1) and ``deconv5_1 … deconv1_1`` (5×5) — each followed by ReLU
  and max-unpooling with the encoder's indices — and ``deconv1`` (5×5, 64 → 1, raw alpha);
- ``refiner.refine_conv{1,2,3}`` (3×3, [RGB, sigmoid(raw alpha)] → 64 → 64 → 64, ReLU) and
  ``refiner.refine_pred`` (3×3, 64 → 1); refined alpha = sigmoid(raw alpha + refine_pred).

Size: 50 keys and **26,276,802 parameters** with the refiner (stages 2 and 3; ``official_keys.txt``);
42 keys and **26,200,001** without it (stage 1, whose config has no refiner); all keys are
parameters (no BatchNorm), so the count is the sum of the key-list shapes.

Which output is the prediction follows mmagic's ``test_cfg.refine``: stage 1 → sigmoid(raw alpha);
stages 2 and 3 → the refined alpha. Convolutions are initialised with ``xavier_normal_`` and zero
bias, as mmagic's ``init_weights`` does when no pretrained encoder is given (mmagic's stage 1
starts the VGG-16 encoder from ImageNet weights, which are not loaded here).

Training (the paper's three steps, mmagic's ``train_cfg``), one :class:`TrainingSpec` per stage:

* stage 1: encoder-decoder only; 0.5 · alpha + 0.5 · composition Charbonnier loss on
  sigmoid(raw alpha);
* stage 2: starts from stage 1 (``init_from``); the encoder-decoder is frozen (no gradients,
  BatchNorm-free but kept in eval mode as mmagic does) and the refiner is trained with the
  Charbonnier alpha loss on its output;
* stage 3: starts from stage 2; everything trained with all three losses (the two stage-1 terms on
  the encoder-decoder output, ``…@encoder_decoder``, and the alpha loss on the refined output).

Example:
    >>> import torch
    >>> net = DIMMatting().eval()
    >>> with torch.no_grad():
    ...     alpha = net(torch.zeros(1, 3, 32, 64), torch.zeros(1, 1, 32, 64))
    >>> tuple(alpha.shape), len(net.state_dict()), len(DIMMatting(stage=1).state_dict())
    ((1, 1, 32, 64), 50, 42)
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.deep import DeepMattingModel
from benchmark.models.dim import inputs, official
from benchmark.models.interface import TrainingSpec
from human2k.errors import InputError, ModelError

__all__ = ["DIMMatting", "NUM_PARAMETERS", "NUM_PARAMETERS_NO_REFINER", "dim_stage", "STAGE_LOSSES"]

NUM_PARAMETERS = 26_276_802
NUM_PARAMETERS_NO_REFINER = 26_200_001

#: Loss terms per training stage (mmagic ``loss_alpha``/``loss_comp`` weight 0.5 on the
#: encoder-decoder output, ``loss_refine`` weight 1 on the refined output).
STAGE_LOSSES: dict[int, dict[str, float]] = {
    1: {"alpha_charbonnier": 0.5, "composition_charbonnier": 0.5},
    2: {"alpha_charbonnier": 1.0},
    3: {
        "alpha_charbonnier@encoder_decoder": 0.5,
        "composition_charbonnier@encoder_decoder": 0.5,
        "alpha_charbonnier": 1.0,
    },
}

_VGG = ((4, 64, 2), (64, 128, 2), (128, 256, 3), (256, 512, 3), (512, 512, 3))
_DECONV = (("deconv5_1", 512, 512), ("deconv4_1", 512, 256), ("deconv3_1", 256, 128))
_DECONV += (("deconv2_1", 128, 64), ("deconv1_1", 64, 64))


class _VGG16(nn.Module):
    """mmagic ``VGG16(in_channels=4)`` without BN/ASPP: returns features and the 5 pool indices."""

    def __init__(self):
        super().__init__()
        for i, (inp, oup, n) in enumerate(_VGG, start=1):
            layers: list[nn.Module] = []
            for j in range(n):
                layers += [
                    nn.Conv2d(inp if j == 0 else oup, oup, 3, padding=1),
                    nn.ReLU(inplace=True),
                ]
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2, return_indices=True))
            self.add_module(f"layer{i}", nn.Sequential(*layers))
        self.conv6 = nn.Conv2d(512, 512, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        indices = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4, self.layer5):
            x, idx = layer(x)
            indices.append(idx)
        return F.relu(self.conv6(x)), indices


class _PlainDecoder(nn.Module):
    """mmagic ``PlainDecoder``: conv → ReLU → max-unpool five times, then a 5×5 conv to 1 channel."""

    def __init__(self):
        super().__init__()
        self.deconv6_1 = nn.Conv2d(512, 512, kernel_size=1)
        for name, inp, oup in _DECONV:
            self.add_module(name, nn.Conv2d(inp, oup, kernel_size=5, padding=2))
        self.deconv1 = nn.Conv2d(64, 1, kernel_size=5, padding=2)

    def forward(self, x: torch.Tensor, indices: list[torch.Tensor]) -> torch.Tensor:
        convs = [self.deconv6_1] + [getattr(self, name) for name, _, _ in _DECONV]
        for conv, idx in zip(convs, reversed(indices), strict=False):
            x = F.max_unpool2d(F.relu(conv(x)), idx, kernel_size=2, stride=2)
        return self.deconv1(F.relu(self.deconv1_1(x)))


class _SimpleEncoderDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = _VGG16()
        self.decoder = _PlainDecoder()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(*self.encoder(x))


class _PlainRefiner(nn.Module):
    """mmagic ``PlainRefiner(conv_channels=64)``: refined = sigmoid(raw_alpha + refine_pred(…))."""

    def __init__(self, channels: int = 64):
        super().__init__()
        self.refine_conv1 = nn.Conv2d(4, channels, kernel_size=3, padding=1)
        self.refine_conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.refine_conv3 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.refine_pred = nn.Conv2d(channels, 1, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor, raw_alpha: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.refine_conv1(x))
        out = F.relu(self.refine_conv2(out))
        out = F.relu(self.refine_conv3(out))
        return torch.sigmoid(raw_alpha + self.refine_pred(out))


class DIMMatting(DeepMattingModel):
    """mmagic ``DIM`` (VGG16 + PlainDecoder [+ PlainRefiner]) behind the model interface.

    Args:
        stage: 1 — no refiner (no ``refiner.*`` keys), output sigmoid(raw alpha); 2 and 3 — with
            the refiner, output the refined alpha (``test_cfg.refine=True``). The stage also picks
            the training spec (frozen encoder-decoder in stage 2, see the module docstring).
        name: registry name.

    ``forward(img, tri)`` takes mmagic's normalised RGB (B×3×H×W) and trimap / 255 (B×1×H×W), H and W
    multiples of 32, and returns alpha B×1×H×W in (0, 1); in training mode at stage 3 it returns
    ``{"alpha": refined, "encoder_decoder": sigmoid(raw alpha)}`` for the stage's losses.
    :meth:`forward_both` is mmagic's ``DIM._forward`` on the 4-channel input.
    """

    policies: ClassVar[tuple[str, ...]] = ("auto", "native", "tiled", "downscaled", "official")
    #: mmagic's ``postprocess``: ``pa *= 255; pa.round_()``.
    official_quantization: ClassVar[str] = official.OFFICIAL_QUANTISATION

    def __init__(self, stage: int = 3, *, name: str = "dim"):
        if stage not in (1, 2, 3):
            raise ModelError(f"DIM stage must be 1, 2 or 3, got {stage!r}", param="stage")
        super().__init__(config={"stage": stage}, name=name)
        self.stage = stage
        self.training_spec = TrainingSpec(
            recipes=("dim", "gca", "paper", "indexnet"),
            default_recipe="dim",
            loss_weights=dict(STAGE_LOSSES[stage]),
        )
        self.backbone = _SimpleEncoderDecoder()
        if self.refine:
            self.refiner = _PlainRefiner()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)
        if stage == 2:  # mmagic freeze_backbone(): only the refiner learns
            for p in self.backbone.parameters():
                p.requires_grad_(False)

    @property
    def refine(self) -> bool:
        """Whether the refiner exists and gives the output (stages 2 and 3)."""
        return self.stage != 1

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.stage == 2:
            self.backbone.eval()
        return self

    def forward_both(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """B×4×H×W → (sigmoid(raw alpha), refined alpha or None without a refiner)."""
        if x.ndim != 4 or x.shape[1] != 4 or x.shape[2] % 32 or x.shape[3] % 32:
            raise InputError(
                "x", f"expected B×4×H×W, H and W multiples of 32, got {tuple(x.shape)}"
            )
        raw_alpha = self.backbone(x)
        pred_alpha = raw_alpha.sigmoid()
        if not self.refine:
            return pred_alpha, None
        return pred_alpha, self.refiner(torch.cat((x[:, :3], pred_alpha), 1), raw_alpha)

    def forward(self, img: torch.Tensor, tri: torch.Tensor):
        """Normalised RGB B×3×H×W + trimap / 255 B×1×H×W → alpha B×1×H×W."""
        if img.shape[1] != 3 or tri.shape[1] != 1:
            shapes = f"{tuple(img.shape)} and {tuple(tri.shape)}"
            raise InputError("img/tri", f"expected B×3×H×W and B×1×H×W, got {shapes}")
        pred_alpha, pred_refine = self.forward_both(torch.cat((img, tri), 1))
        if not self.refine:
            return pred_alpha
        if self.training and self.stage == 3:
            return {"alpha": pred_refine, "encoder_decoder": pred_alpha}
        return pred_refine

    def preprocess(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        """mmagic's preprocessing at full resolution (:func:`.inputs.native_inputs`)."""
        return inputs.native_inputs(image, trimap)

    def batch_inputs(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        return inputs.batch_inputs(image, trimap)

    def official_predict(self, image, trimap):
        return official.official_predict(self, image, trimap)


def dim_stage(stage: int) -> DIMMatting:
    """The network of mmagic's ``dim_stage{stage}`` config: 1 → no refiner; 2, 3 → with refiner.

    Example:
        >>> dim_stage(1).refine, dim_stage(3).refine
        (False, True)
    """
    return DIMMatting(stage)
