"""GCA-Matting (Li & Lu, AAAI 2020) as released: ``resnet_gca_encoder_29`` + ``res_gca_decoder_22``.

Written from Yaoyi-Li/GCA-Matting @ 5a999be (``networks/generators.py``, ``encoders/res_gca_enc.py``,
``encoders/resnet_enc.py``, ``decoders/res_gca_dec.py``, ``decoders/res_shortcut_dec.py``,
``decoders/resnet_dec.py``, ``ops.py``) with the building blocks it shares with TIMI-Net
(:mod:`benchmark.models.blocks.resnet_d`, BatchNorm eps 1e-5 here). The state_dict is the
released ``gca-dist.pth``'s: 578 keys (``official_keys.txt``), **25,164,529 trainable
parameters** (25,269,144 counting the 104,615 spectral-norm u/v entries, which GCA's log counts
because they are Parameters there and which are buffers here).

* input: ImageNet-normalised RGB and the one-hot trimap (background, unknown, foreground):
  6 channels (:func:`benchmark.models.inputs.to_model_inputs`);
* encoder: 3-conv stem, ResNet-D stages [3, 4, 4, 2] (64/128/256/512), guidance head on the RGB
  ((16, 32, 128) at stride 8), the unknown mask = one-hot channel 1 nearest-downsampled ×⅛,
  guided contextual attention after stage 2; shortcuts from the input, the stem, stage 1, the
  *attention output* and stage 3;
* decoder: up-stages [2, 3, 3, 2] with additive skips, a second attention block after stage 2
  (the encoder's guidance features and mask), head SN-ConvTranspose → BN → LeakyReLU + skip,
  conv 3×3 → (tanh + 1) / 2.

Initialisation follows the released constructors (only relevant when training from scratch):
stem and stages Xavier-uniform, the last BN of every encoder and decoder block zero, the trimap
channels of ``conv1`` zero; shortcut and guidance-head convolutions and transposed convolutions
keep PyTorch's default (the released init loops skip them); attention blocks as
:class:`~benchmark.models.gca.attention.GuidedContextualAttention`. Spectral-norm estimates are
then refreshed (the released model gives NaN in eval mode before its first training step).
The ImageNet-pretrained encoder GCA starts from (``ResNet34_En_nomixup``) is not loaded.

Example:
    >>> import torch
    >>> net = GCAMatting().eval()
    >>> img, tri = torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 64, 64); tri[:, 1] = 1
    >>> with torch.no_grad():
    ...     alpha = net(img, tri)
    >>> tuple(alpha.shape), len(net.state_dict())
    ((1, 1, 64, 64), 578)
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.blocks.resnet_d import (
    GCA_BN_EPS,
    LEAKY_SLOPE,
    DecoderBlock,
    EncoderBlock,
    batch_norm,
    decoder_stage,
    encoder_stage,
    guidance_layers,
    shortcut_head,
    sn,
    stem_modules,
)
from benchmark.models.blocks.spectral_norm import refresh_spectral_norm
from benchmark.models.deep import DeepMattingModel
from benchmark.models.gca import official
from benchmark.models.gca.attention import GuidedContextualAttention
from benchmark.models.inputs import to_model_inputs
from benchmark.models.interface import TrainingSpec
from human2k.errors import InputError

__all__ = ["GCAMatting", "GCAEncoder", "GCADecoder", "NUM_PARAMETERS", "NUM_STATE_KEYS"]

NUM_STATE_KEYS = 578
NUM_PARAMETERS = 25_164_529
_EPS = GCA_BN_EPS


class GCAEncoder(nn.Module):
    """``ResGuidedCxtAtten`` (``resnet_gca_encoder_29``) with 6 input channels."""

    def __init__(self, in_channels: int = 6, layers: tuple[int, ...] = (3, 4, 4, 2)):
        super().__init__()
        for name, module in stem_modules(in_channels, eps=_EPS).items():
            self.add_module(name, module)
        self.layer1 = encoder_stage(64, 64, layers[0], 1, eps=_EPS)
        self.layer2 = encoder_stage(64, 128, layers[1], 2, eps=_EPS)
        self.layer3 = encoder_stage(128, 256, layers[2], 2, eps=_EPS)
        self.layer_bottleneck = encoder_stage(256, 512, layers[3], 2, eps=_EPS)
        self._init_backbone()  # the released ResNet_D init runs before the heads are built
        self.shortcut = nn.ModuleList(
            shortcut_head(a, b, eps=_EPS)
            for a, b in [(in_channels, 32), (32, 32), (64, 64), (128, 128), (256, 256)]
        )
        heads = guidance_layers((16, 32, 128), eps=_EPS, init_iterations=0)
        self.guidance_head = nn.Sequential(*(m for layer in heads for m in layer))
        self.gca = GuidedContextualAttention(128, 128)

    def _init_backbone(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight_bar)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, EncoderBlock):
                nn.init.zeros_(m.bn2.weight)
        with torch.no_grad():
            self.conv1.module.weight_bar[:, 3:] = 0  # trimap channels start at zero

    def forward(self, x: torch.Tensor):
        out = torch.relu_(self.bn1(self.conv1(x)))
        x1 = torch.relu_(self.bn2(self.conv2(out)))
        out = torch.relu_(self.bn3(self.conv3(x1)))
        guide = self.guidance_head(x[:, :3])
        unknown = F.interpolate(x[:, 4:5], scale_factor=1 / 8, mode="nearest")
        x2 = self.layer1(out)
        x3 = self.gca(guide, self.layer2(x2), unknown)
        x4 = self.layer3(x3)
        z = self.layer_bottleneck(x4)
        skips = [head(f) for head, f in zip(self.shortcut, (x, x1, x2, x3, x4), strict=True)]
        return z, skips, guide, unknown


class GCADecoder(nn.Module):
    """``ResGuidedCxtAtten_Dec`` (``res_gca_decoder_22``)."""

    def __init__(self, layers: tuple[int, ...] = (2, 3, 3, 2)):
        super().__init__()
        self.conv1 = sn(nn.ConvTranspose2d(32, 32, 4, 2, 1, bias=False))
        self.bn1 = batch_norm(32, _EPS)
        self.conv2 = nn.Conv2d(32, 1, 3, 1, 1, bias=True)
        self.layer1 = decoder_stage(512, 256, layers[0], eps=_EPS)
        self.layer2 = decoder_stage(256, 128, layers[1], eps=_EPS)
        self.layer3 = decoder_stage(128, 64, layers[2], eps=_EPS)
        self.layer4 = decoder_stage(64, 32, layers[3], eps=_EPS)
        for m in self.modules():  # ResNet_D_Dec's init (ConvTranspose2d is not a Conv2d)
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight_bar if "weight_bar" in m._parameters else m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, DecoderBlock):
                nn.init.zeros_(m.bn2.weight)
        self.gca = GuidedContextualAttention(128, 128)

    def forward(self, z, skips, guide, unknown) -> torch.Tensor:
        s0, s1, s2, s3, s4 = skips
        d = self.layer1(z) + s4
        d = self.gca(guide, self.layer2(d) + s3, unknown)
        d = self.layer3(d) + s2
        d = self.layer4(d) + s1
        d = F.leaky_relu(self.bn1(self.conv1(d)), LEAKY_SLOPE, inplace=True) + s0
        return (torch.tanh(self.conv2(d)) + 1) / 2


class GCAMatting(DeepMattingModel):
    """GCA-Matting behind the model interface.

    ``forward(img, tri)``: ImageNet-normalised RGB B×3×H×W and one-hot trimap B×3×H×W, H and W
    multiples of 32 → alpha B×1×H×W in (0, 1). Policies: the native ones and ``official``
    (``tester.py``, :mod:`benchmark.models.gca.official`), which truncates to 8 bits.
    """

    policies: ClassVar[tuple[str, ...]] = ("auto", "native", "tiled", "downscaled", "official")
    #: ``tester.py`` writes ``(alpha * 255).astype(np.uint8)``.
    official_quantization: ClassVar[str] = "truncate"

    def __init__(self, *, name: str = "gca"):
        super().__init__(config={}, name=name)
        self.training_spec = TrainingSpec(
            recipes=("gca", "paper", "dim"), default_recipe="gca", loss_weights={"alpha_l1": 1.0}
        )
        self.encoder = GCAEncoder()
        self.decoder = GCADecoder()
        refresh_spectral_norm(self)

    def forward(self, img: torch.Tensor, tri: torch.Tensor) -> torch.Tensor:
        if img.ndim != 4 or img.shape[1] != 3 or tri.shape[1] != 3:
            shapes = f"{tuple(img.shape)} and {tuple(tri.shape)}"
            raise InputError("img/tri", f"expected B×3×H×W RGB and one-hot trimap, got {shapes}")
        if img.shape[-2] % 32 or img.shape[-1] % 32:
            raise InputError("img", f"H and W must be multiples of 32, got {tuple(img.shape)}")
        z, skips, guide, unknown = self.encoder(torch.cat([img, tri.to(img.dtype)], dim=1))
        return self.decoder(z, skips, guide, unknown)

    def preprocess(self, image: np.ndarray, trimap: np.ndarray):
        """ImageNet-normalised RGB + one-hot trimap (GCA's ``ToTensor``)."""
        return to_model_inputs(image, trimap)

    def batch_inputs(self, image: torch.Tensor, trimap: torch.Tensor):
        return to_model_inputs(image, trimap)

    def official_predict(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        return official.official_predict(self, image, trimap)
