"""IndexNet Matting (Lu et al., ICCV 2019) with the layout of the released checkpoint.

Read from poppinace/indexnet_matting @ 4beb06a: ``scripts/hlmobilenetv2.py``
(``hlMobileNetV2UNetDecoderIndexLearning``, ``InvertedResidual``), ``scripts/hlindex.py``
(``DepthwiseM2OIndexBlock``), ``scripts/hldecoder.py`` (``IndexedUpsamlping``), ``scripts/hlaspp.py``
and ``scripts/hlconv.py``, built with the arguments of ``scripts/demo.py``: output stride 32, ASPP,
``std_conv``, decoder kernel 5, depthwise ``m2o`` index blocks with ``use_nonlinear`` and
``use_context``. Only that released configuration is built here.

Size: 549 state_dict keys (``official_keys.txt``) and **5,953,515 parameters** (all trainable;
the sum over the 285 parameter keys of the key list, i.e. all keys but the running_mean,
running_var and num_batches_tracked buffers of its 88 BatchNorms; the repository's own
``scripts/modelsummary.py`` prints the same 5,953,515 for this configuration, while its README table
says 8.15M, which we could not reproduce (the ``unet_style`` baseline gives 3,753,259)).

What the released code does that a MobileNetV2 re-implementation easily misses:

- every stride is 1 (``layer0`` is patched after construction, the block table is rewritten), so
  all dilations stay 1; the four downsamplings are ``index ⊙ features`` followed by
  ``4 · avg_pool2d(2)``, i.e. a 2×2 *sum* of the index-weighted features;
- an inverted-residual block zero-pads its *input* by 1 and runs its depthwise 3×3 with padding 0,
  so border pixels of the expanded tensor are ReLU6(BN(0)), not 0;
- a deep ``m2o`` index block has four full (ungrouped) branches conv 4×4/2 → BN → ReLU6 → conv 1×1;
  sigmoid, then softmax *of the sigmoid* over the branches for the encoder, while the decoder uses
  the sigmoid itself; ``pixel_shuffle`` puts branch k at sub-pixel (k // 2, k % 2);
- decoder stages 6, 4, 3, 2, 0 compute ``index ⊙ nearest-upsample(x)`` and concatenate
  [upsampled, skip]; stages 5 and 1 only concatenate; each is conv 5×5 → BN → ReLU6;
- ASPP at output stride 32: dilations 1/2/4/8 (branches 2-4 depthwise-separable), image pooling
  upsampled with ``nearest``, 1280 → 160, Dropout 0.5; the head ends in a plain 5×5 conv (no
  activation: the raw output can leave [0, 1]; the demo clips after resizing back).

BatchNorm eps is PyTorch's 1e-5 throughout. Weights are initialised as the released class does
(conv ~ N(0, 2 / (k² · out_channels)), BN weight 1, bias 0); the ImageNet MobileNetV2 start of
training is not reproduced here.

Example:
    >>> import torch
    >>> net = IndexNetMatting().eval()
    >>> with torch.no_grad():
    ...     alpha = net(torch.zeros(1, 3, 64, 96), torch.zeros(1, 1, 64, 96))
    >>> tuple(alpha.shape), len(net.state_dict()), sum(p.numel() for p in net.parameters())
    ((1, 1, 64, 96), 549, 5953515)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.deep import DeepMattingModel
from benchmark.models.indexnet import inputs, official
from benchmark.models.interface import TrainingSpec
from human2k.errors import InputError

__all__ = ["IndexNetMatting", "NUM_PARAMETERS", "NUM_STATE_KEYS", "ENCODER_LR_SCALE"]

#: The released trainer (``scripts/hltrainval.py``) gives every parameter whose name contains
#: neither ``dconv``, ``pred`` nor ``index`` (the ImageNet-initialised MobileNetV2 encoder) the
#: learning rate divided by ``--mult`` = 100.
ENCODER_LR_SCALE = 0.01
_DECODER_WORDS = ("dconv", "pred", "index")

NUM_STATE_KEYS = 549
NUM_PARAMETERS = 5_953_515

# expand ratio, input channels, output channels, blocks (strides/dilations are all 1, see above)
_BLOCKS = (
    (1, 32, 16, 1),
    (6, 16, 24, 2),
    (6, 24, 32, 3),
    (6, 32, 64, 4),
    (6, 64, 96, 3),
    (6, 96, 160, 3),
    (6, 160, 320, 1),
)
_DECODER = (
    (6, 320, 96),
    (5, 192, 64),
    (4, 128, 32),
    (3, 64, 24),
    (2, 48, 16),
    (1, 32, 32),
    (0, 64, 32),
)


def _conv_bn_relu6(inp: int, oup: int, k: int, **conv_kw) -> list[nn.Module]:
    return [
        nn.Conv2d(inp, oup, k, bias=False, **conv_kw),
        nn.BatchNorm2d(oup),
        nn.ReLU6(inplace=True),
    ]


class _InvertedResidual(nn.Module):
    """MobileNetV2 block, stride 1: pad the input by 1, [1×1 expand], depthwise 3×3 unpadded, 1×1."""

    def __init__(self, inp: int, oup: int, expand: int):
        super().__init__()
        hidden = round(inp * expand)
        layers = _conv_bn_relu6(inp, hidden, 1) if expand != 1 else []
        layers += _conv_bn_relu6(hidden, hidden, 3, groups=hidden)
        layers += [nn.Conv2d(hidden, oup, 1, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)
        self.use_res_connect = inp == oup

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(F.pad(x, (1, 1, 1, 1)))
        return x + out if self.use_res_connect else out


class _M2OIndexBlock(nn.Module):
    """Deep many-to-one index block: returns (encoder index, decoder index), each B×C×H×W."""

    def __init__(self, channels: int):
        super().__init__()
        for k in range(1, 5):
            branch = _conv_bn_relu6(channels, channels, 4, stride=2, padding=1)
            self.add_module(
                f"indexnet{k}", nn.Sequential(*branch, nn.Conv2d(channels, channels, 1, bias=False))
            )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, c, h, w = x.shape
        logits = torch.stack(
            [self.indexnet1(x), self.indexnet2(x), self.indexnet3(x), self.indexnet4(x)], dim=2
        )
        y = torch.sigmoid(logits)
        z = F.softmax(y, dim=2)
        return (
            F.pixel_shuffle(z.reshape(b, c * 4, h // 2, w // 2), 2),
            F.pixel_shuffle(y.reshape(b, c * 4, h // 2, w // 2), 2),
        )


class _ASPPBranch(nn.Module):
    def __init__(self, inp: int, oup: int, dilation: int):
        super().__init__()
        if dilation == 1:
            layers = _conv_bn_relu6(inp, oup, 1)
        else:
            layers = _conv_bn_relu6(inp, inp, 3, padding=dilation, dilation=dilation, groups=inp)
            layers += _conv_bn_relu6(inp, oup, 1)
        self.atrous_conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.atrous_conv(x)


class _ASPP(nn.Module):
    """ASPP of ``hlaspp.py`` at output stride 32 (dilations 1, 2, 4, 8 and image pooling)."""

    def __init__(self, inp: int = 320, oup: int = 160, mid: int = 256):
        super().__init__()
        for i, d in enumerate((1, 2, 4, 8), start=1):
            self.add_module(f"aspp{i}", _ASPPBranch(inp, mid, d))
        self.global_avg_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)), *_conv_bn_relu6(inp, mid, 1)
        )
        self.bottleneck_conv = nn.Sequential(*_conv_bn_relu6(mid * 5, oup, 1))
        self.dropout = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.aspp1(x), self.aspp2(x), self.aspp3(x), self.aspp4(x)]
        pooled = F.interpolate(self.global_avg_pool(x), size=branches[-1].shape[2:], mode="nearest")
        return self.dropout(self.bottleneck_conv(torch.cat([*branches, pooled], dim=1)))


class _IndexedUpsampling(nn.Module):
    """Decoder stage: [index ⊙ nearest-upsampled x, skip] → conv 5×5 → BN → ReLU6."""

    def __init__(self, inp: int, oup: int):
        super().__init__()
        self.dconv = nn.Sequential(*_conv_bn_relu6(inp, oup, 5, padding=2))

    def forward(
        self, x: torch.Tensor, skip: torch.Tensor, index: torch.Tensor | None = None
    ) -> torch.Tensor:
        if index is not None:
            x = index * F.interpolate(x, size=skip.shape[2:], mode="nearest")
        return self.dconv(torch.cat([x, skip], dim=1))


def _sum_pool(x: torch.Tensor) -> torch.Tensor:
    return 4 * F.avg_pool2d(x, (2, 2), stride=2)


class IndexNetMatting(DeepMattingModel):
    """``hlmobilenetv2(decoder='indexnet', indexnet='depthwise', index_mode='m2o', …)`` of demo.py.

    ``forward(img, tri)`` takes the demo's normalised RGB (B×3×H×W) and trimap channel (B×1×H×W,
    trimap / 255), H and W multiples of 32, and returns the raw prediction clipped to [0, 1];
    :meth:`forward_raw` is the released network's own forward on the 4-channel input. Policies:
    the native ones and ``official`` (``scripts/demo.py``, :mod:`benchmark.models.indexnet.official`).
    Training: recipe ``indexnet`` (the released ``train.sh``), batch ≥ 2 (the ASPP pooling branch
    applies BatchNorm to a 1×1 map).
    """

    policies: ClassVar[tuple[str, ...]] = ("auto", "native", "tiled", "downscaled", "official")
    #: demo.py writes ``alpha.astype(np.uint8)``.
    official_quantization: ClassVar[str] = official.OFFICIAL_QUANTISATION

    def __init__(self, *, name: str = "indexnet"):
        super().__init__(config={}, name=name)
        self.training_spec = TrainingSpec(
            recipes=("indexnet", "gca", "paper", "dim"),
            default_recipe="indexnet",
            loss_weights={"alpha_charbonnier": 0.5, "composition_charbonnier": 0.5},
            min_batch_size=2,
            min_batch_reason="the ASPP image-pooling branch applies BatchNorm to a 1x1 map",
        )
        self.layer0 = nn.Sequential(*_conv_bn_relu6(4, 32, 3, padding=1))
        for i, (expand, inp, oup, n) in enumerate(_BLOCKS, start=1):
            blocks = [_InvertedResidual(inp if j == 0 else oup, oup, expand) for j in range(n)]
            self.add_module(f"layer{i}", nn.Sequential(*blocks))
        for i, channels in ((0, 32), (2, 24), (3, 32), (4, 64), (6, 160)):
            self.add_module(f"index{i}", _M2OIndexBlock(channels))
        self.dconv_pp = _ASPP()
        for i, inp, oup in _DECODER:
            self.add_module(f"decoder_layer{i}", _IndexedUpsampling(inp, oup))
        head = nn.Sequential(*_conv_bn_relu6(32, 1, 5, padding=2))
        self.pred = nn.Sequential(head, nn.Conv2d(1, 1, 5, padding=2, bias=False))
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / n))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward_raw(self, x: torch.Tensor) -> torch.Tensor:
        """The released forward: B×4×H×W normalised [RGB, trimap] → B×1×H×W unbounded output."""
        if x.ndim != 4 or x.shape[1] != 4 or x.shape[2] % 32 or x.shape[3] % 32:
            raise InputError(
                "x", f"expected B×4×H×W with H, W multiples of 32, got {tuple(x.shape)}"
            )
        l0 = self.layer0(x)
        idx0_en, idx0_de = self.index0(l0)
        l0 = idx0_en * l0
        l1 = self.layer1(_sum_pool(l0))
        l2 = self.layer2(l1)
        idx2_en, idx2_de = self.index2(l2)
        l2 = idx2_en * l2
        l3 = self.layer3(_sum_pool(l2))
        idx3_en, idx3_de = self.index3(l3)
        l3 = idx3_en * l3
        l4 = self.layer4(_sum_pool(l3))
        idx4_en, idx4_de = self.index4(l4)
        l4 = idx4_en * l4
        l5 = self.layer5(_sum_pool(l4))
        l6 = self.layer6(l5)
        idx6_en, idx6_de = self.index6(l6)
        l6 = idx6_en * l6
        out = self.dconv_pp(self.layer7(_sum_pool(l6)))
        out = self.decoder_layer6(out, l6, idx6_de)
        out = self.decoder_layer5(out, l5)
        out = self.decoder_layer4(out, l4, idx4_de)
        out = self.decoder_layer3(out, l3, idx3_de)
        out = self.decoder_layer2(out, l2, idx2_de)
        out = self.decoder_layer1(out, l1)
        out = self.decoder_layer0(out, l0, idx0_de)
        return self.pred(out)

    def forward(self, img: torch.Tensor, tri: torch.Tensor) -> torch.Tensor:
        """Normalised RGB B×3×H×W + trimap channel B×1×H×W → alpha B×1×H×W in [0, 1]."""
        if img.shape[1] != 3 or tri.shape[1] != 1:
            raise InputError(
                "img/tri",
                f"expected B×3×H×W and B×1×H×W, got {tuple(img.shape)} and {tuple(tri.shape)}",
            )
        return self.forward_raw(torch.cat([img, tri], dim=1)).clamp(0.0, 1.0)

    def preprocess(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        """The demo's normalisation at full resolution (:func:`.inputs.native_inputs`)."""
        return inputs.native_inputs(image, trimap)

    def batch_inputs(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        return inputs.batch_inputs(image, trimap)

    def official_predict(self, image, trimap):
        return official.official_predict(self, image, trimap)

    def param_groups(self, recipe: str) -> list[dict[str, Any]]:
        """Recipe ``indexnet``: decoder, ASPP, head and index blocks at the full learning rate,
        the MobileNetV2 encoder at :data:`ENCODER_LR_SCALE` × (the released trainer's groups)."""
        if recipe != "indexnet":
            return super().param_groups(recipe)
        groups: dict[bool, list[nn.Parameter]] = {True: [], False: []}
        for name, p in self.named_parameters():
            if p.requires_grad:
                groups[any(w in name for w in _DECODER_WORDS)].append(p)
        return [{"params": groups[True]}, {"params": groups[False], "lr_scale": ENCODER_LR_SCALE}]
