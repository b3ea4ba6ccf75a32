"""TIMI-Net (Liu et al., ICCV 2021) and all its ablations as one configurable module.

Defaults reproduce the released code (kelisiya/TIMI-Net @ d4021d5) so that the official
``TIMI-Net.pth`` loads strictly (663 state_dict keys); each paper-vs-code difference of
reference ``timinet_arch.md`` §14 that changes the structure is a flag:

==============================  =====================  =============================================
flag                            released default       paper-intent value (paper statement)
==============================  =====================  =============================================
``rgb_unit_channels``           (16, 32, 64)           (16, 64, 128): "The number of channels is 16,
                                                       64 and 128" (§3.2, RGB-Unit)
``trimap_unit_style``           ``"released"``         ``"resnet18"``: "ResNet-18 … first three
                                                       blocks (conv-1, res-2, res-3)" (§3.2)
``trimap_projections``          ``"shared"``           ``"separate"``: separate θ/φ per guide (the
                                                       code builds them, Eq. 4 uses one A(·))
``keep_unused_projections``     True                   False drops the 8,320 dead trimap θ/φ params
==============================  =====================  =============================================

The ablation switches (``rgb_unit``, ``trimap_unit``, ``integration``, ``integrate_encoder``,
``integrate_decoder``, ``aspp``) build the rows of the paper's Tables 3–5; see
:mod:`timinet.variants`.

Input: ``img`` B×3×H×W ImageNet-normalised RGB and ``tri`` B×3×H×W one-hot trimap (or B×1 index),
H and W multiples of 32 (:func:`timinet.inputs.to_model_inputs`); output: alpha B×1×H×W in (0, 1).

Example:
    >>> import torch
    >>> net = TimiNet(rgb_unit=False, trimap_unit=False, integration="none", aspp=False).eval()
    >>> with torch.no_grad():
    ...     alpha = net(torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 64, 64))
    >>> tuple(alpha.shape), bool(((alpha > 0) & (alpha < 1)).all())
    ((1, 1, 64, 64), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import torch

from benchmark.models.deep import DeepMattingModel, count_parameters
from benchmark.models.interface import TrainingSpec
from human2k.errors import InputError, ModelError
from timinet.decoder import Decoder
from timinet.encoder import Encoder, Integration, build_integration
from timinet.inputs import to_model_inputs, trimap_index
from timinet.ti2 import AttentionMode
from timinet.units import RELEASED_RGB_UNIT_CHANNELS

__all__ = ["TimiNet", "count_parameters"]  # count_parameters: re-exported from the interface

STRIDE = 32


class TimiNet(DeepMattingModel):
    """TIMI-Net: encoder (RGB-Trimap branch + units + TI²_E + ASPP) and decoder (+ TI²_D).

    Inference policies: those of every deep model (``auto`` default: mattebench's native
    bottom/right padding at full resolution, tiled when memory is short) plus ``official``,
    the released ``test.py`` (:mod:`timinet.official_inference`); ``timinet.official`` uses
    ``official`` by default.

    Args:
        rgb_unit: build the RGB-Unit.
        trimap_unit: build the Trimap-Unit.
        integration: ``"ti2"`` (TI²), ``"add"`` (the S.I ablation) or ``"none"``.
        integrate_encoder: integrate at the encoder's stride-8 stage (TI²_E).
        integrate_decoder: integrate at the decoder's stride-8 stage (TI²_D).
        aspp: ASPP on the stride-32 bottleneck.
        rgb_unit_channels: RGB-Unit widths (released 16/32/64; paper 16/64/128).
        trimap_unit_style: ``"released"`` or ``"resnet18"`` (paper).
        trimap_projections: ``"shared"`` (released) or ``"separate"`` θ/φ for the trimap guide.
        keep_unused_projections: keep the released, never-used trimap θ/φ (strict loading).
        key_channels: θ/φ width (32).
        attention: TI² attention path: ``"auto"`` | ``"sdpa"`` | ``"chunked"`` | ``"naive"``.
        chunk_size: query rows per block of the chunked path (None: 256 MiB blocks).
        name: registry name (``model.name``; the registry sets it too).
    """

    policies: ClassVar[tuple[str, ...]] = (*DeepMattingModel.policies, "official")

    def __init__(
        self,
        *,
        rgb_unit: bool = True,
        trimap_unit: bool = True,
        integration: Integration = "ti2",
        integrate_encoder: bool = True,
        integrate_decoder: bool = True,
        aspp: bool = True,
        rgb_unit_channels: Sequence[int] = RELEASED_RGB_UNIT_CHANNELS,
        trimap_unit_style: Literal["released", "resnet18"] = "released",
        trimap_projections: Literal["shared", "separate"] = "shared",
        keep_unused_projections: bool = True,
        key_channels: int = 32,
        attention: AttentionMode = "auto",
        chunk_size: int | None = None,
        name: str = "timinet",
    ):
        config: dict[str, Any] = dict(
            rgb_unit=rgb_unit,
            trimap_unit=trimap_unit,
            integration=integration,
            integrate_encoder=integrate_encoder,
            integrate_decoder=integrate_decoder,
            aspp=aspp,
            rgb_unit_channels=list(rgb_unit_channels),
            trimap_unit_style=trimap_unit_style,
            trimap_projections=trimap_projections,
            keep_unused_projections=keep_unused_projections,
            key_channels=key_channels,
            attention=attention,
            chunk_size=chunk_size,
        )
        super().__init__(config=config, name=name)
        self.training_spec = TrainingSpec(
            recipes=("gca", "paper"),
            default_recipe="gca",
            loss_weights={"alpha_l1": 1.0},
            min_batch_size=2 if aspp else 1,
            min_batch_reason="ASPP's image-pooling branch applies BatchNorm to a 1x1 map"
            if aspp
            else "",
            encoder_module="encoder",  # GCA's ResNet-34-D keys: conv1..3, bn1..3, layer1..3, ...
        )
        if integration not in ("ti2", "add", "none"):
            raise ModelError(f"integration must be 'ti2', 'add' or 'none', got {integration!r}")
        ti2_args = dict(
            key_channels=key_channels,
            trimap_projections=trimap_projections,
            keep_unused=keep_unused_projections,
            attention=attention,
            chunk_size=chunk_size,
        )
        self.encoder = Encoder(
            rgb_unit=rgb_unit,
            trimap_unit=trimap_unit,
            integration=integration if integrate_encoder else "none",
            aspp=aspp,
            rgb_unit_channels=rgb_unit_channels,
            trimap_unit_style=trimap_unit_style,
            keep_unused_projections=keep_unused_projections,
            key_channels=key_channels,
            trimap_projections=trimap_projections,
            attention=attention,
            chunk_size=chunk_size,
        )
        rgb_c, tri_c = self.encoder.guide_channels
        memory_de = None
        if integrate_decoder:
            memory_de = build_integration(
                integration, channels=128, rgb_channels=rgb_c, trimap_channels=tri_c, **ti2_args
            )
        self.decoder = Decoder(integration=memory_de)  # both refresh SN after their init

    @property
    def inference_bytes_per_pixel(self) -> int:
        """Peak forward memory per input pixel, for ``benchmark.models.inference``'s native/tiled choice.

        With O(N) TI² ``mattebench perf model`` measured 0.83 KiB/px at 1024² and 0.69 KiB/px at
        2560×1440 (CPU, fp32); 1 KiB leaves a margin. The naive form grows with N², so a
        conservative 16 KiB is returned for it.
        """
        return 16384 if self.config["attention"] == "naive" else 1024

    def set_attention(self, mode: AttentionMode, *, chunk_size: int | None = None) -> None:
        """Switch every TI² to another attention path (same weights, same results)."""
        for m in self.modules():
            if hasattr(m, "gamma_image"):
                m.attention, m.chunk_size = mode, chunk_size
        self.config.update(attention=mode, chunk_size=chunk_size)

    def forward(self, img: torch.Tensor, tri: torch.Tensor) -> torch.Tensor:
        """Alpha B×1×H×W in (0, 1) from normalised RGB and a one-hot (or index) trimap."""
        if img.ndim != 4 or img.shape[1] != 3:
            raise InputError("img", f"expected B×3×H×W, got {tuple(img.shape)}")
        h, w = img.shape[-2:]
        if h % STRIDE or w % STRIDE:
            raise InputError(
                "img", f"height and width must be multiples of {STRIDE}, got {h}×{w} (pad first)"
            )
        if tri.shape[0] != img.shape[0] or tri.shape[-2:] != img.shape[-2:]:
            raise InputError(
                "tri", f"shape {tuple(tri.shape)} does not match img {tuple(img.shape)}"
            )
        index = trimap_index(tri).to(img.dtype)
        x4 = torch.cat([img, index], dim=1)
        z, skips, guides = self.encoder(x4, img, index)
        return self.decoder(z, skips, guides)

    def official_predict(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        """Alpha as the released ``test.py`` computes it (:mod:`timinet.official_inference`)."""
        from timinet.official_inference import official_predict

        return official_predict(self, image, trimap)

    def preprocess(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 image/trimap → ``(img, tri)`` tensors (:func:`timinet.inputs.to_model_inputs`)."""
        return to_model_inputs(image, trimap)

    def batch_inputs(
        self, image: torch.Tensor, trimap: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 training batches → ``(img, tri)`` (:func:`timinet.inputs.to_model_inputs`)."""
        return to_model_inputs(image, trimap)
