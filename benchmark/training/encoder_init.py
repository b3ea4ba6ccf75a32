"""Start a model's encoder from ImageNet-pretrained weights (``train --encoder-init PATH``).

GCA-Matting — and so TIMI-Net's authors, who trained with GCA's code — start the RGB-Trimap
encoder from ``model_best_resnet34_En_nomixup.pth`` (``gca-dist.toml``'s
``imagenet_pretrain_path``, linked from GCA-Matting's README as "ResNet34_En_nomixup"; GCA's
``utils/util.py:load_imagenet_pretrain``). Two file layouts are accepted:

* **gca** — GCA's ImageNet ResNet-34-D: ``{"state_dict": {"module.conv1.module.weight_bar": …}}``
  with spectral-norm convs (``.module.weight_bar/_u/_v``), a 3-channel first conv and the fourth
  stage named ``layer_bottleneck``. As GCA does, the first conv is **widened** to the model's
  input channels (3 + trimap) with zeros — ``weight_bar`` on its input axis, ``weight_v`` at its
  end — and the stored u/v are kept.
* **torchvision** — a plain ``torchvision.models.resnet34().state_dict()``: ``layerN.B.convK.weight``
  map to ``layerN.B.convK.module.weight_bar``, ``layer4`` to ``layer_bottleneck``, the 1×1
  projection ``downsample.0/1`` to ResNet-D's ``downsample.1/2`` (after its average pool). The
  7×7 stem (``conv1``, ``bn1``) has no counterpart in the 3-conv stem and ``fc`` none at all:
  both are skipped. Spectral-norm u/v of the loaded convs are recomputed (the top singular
  vectors of the loaded weight), so σ matches the new weights. These weights were trained
  without spectral norm: the network uses W/σ(W), which the BatchNorm after every conv
  absorbs in training but not in its running statistics (GCA's file is the published recipe).

Everything is loaded **non-strictly** into the model's encoder submodule
(``TrainingSpec.encoder_module``): a key is loaded when the encoder has it with the same shape
(after widening); any other file key is skipped with its reason; encoder keys the file does not
provide keep their seeded initialisation. :class:`EncoderInit` lists all three and the file's
SHA-256; the trainer writes it to ``train.jsonl`` (``start``) and ``model.pt``.

Example:
    >>> import torch
    >>> enc = torch.nn.Sequential(torch.nn.Conv2d(4, 2, 1, bias=False))
    >>> state = {"0.weight": torch.ones(2, 3, 1, 1)}
    >>> loaded, widened, skipped = match_state(state, enc.state_dict())
    >>> sorted(loaded), widened, loaded["0.weight"][:, 3].abs().sum().item()
    (['0.weight'], ['0.weight'], 0.0)
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

import torch

from benchmark.models.checkpoint import read_checkpoint
from human2k.errors import InputError, ModelError
from human2k.manifest import sha256_file

__all__ = [
    "EncoderInit",
    "GCA_IMAGENET_FILE",
    "GCA_IMAGENET_SOURCE",
    "SCRATCH",
    "detect_layout",
    "torchvision_to_resnet_d",
    "match_state",
    "load_encoder_init",
]

#: GCA-Matting's ImageNet-pretrained ResNet-34-D (``gca-dist.toml`` imagenet_pretrain_path).
GCA_IMAGENET_FILE = "pretrain/model_best_resnet34_En_nomixup.pth"
GCA_IMAGENET_SOURCE = (
    "GCA-Matting's README (github.com/Yaoyi-Li/GCA-Matting, 'Models' table: "
    "ResNet34_En_nomixup, ISLVRC 2012, 166 MB, a Google Drive link; 'Save to ./pretrain/')"
)
#: ``encoder_init`` value that trains the encoder from its seeded random initialisation.
SCRATCH = "scratch"


@dataclasses.dataclass(frozen=True)
class EncoderInit:
    """What ``--encoder-init`` did.

    Attributes:
        path: the file ('' when training from scratch).
        sha256: its SHA-256 ('' from scratch).
        layout: ``gca``, ``torchvision`` or ``scratch``.
        module: the encoder submodule that was loaded (``encoder``).
        loaded: encoder keys taken from the file (names in the encoder).
        widened: loaded keys whose input channels were padded with zeros (GCA's first conv).
        recomputed: spectral-norm u/v set by power iterations on a loaded weight that came
            without them (torchvision layout).
        skipped: file keys not loaded → why (no such key, shape, stem, classifier).
        kept_init: encoder keys the file did not provide (seeded initialisation kept).
    """

    path: str
    sha256: str
    layout: str
    module: str
    loaded: tuple[str, ...] = ()
    widened: tuple[str, ...] = ()
    recomputed: tuple[str, ...] = ()
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    kept_init: tuple[str, ...] = ()

    @classmethod
    def scratch(cls, module: str = "") -> EncoderInit:
        return cls(path="", sha256="", layout=SCRATCH, module=module)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if self.layout == SCRATCH:
            return "encoder from scratch (seeded random init; not the published recipe)"
        return (
            f"encoder init {self.path} ({self.layout} layout, sha256 {self.sha256[:12]}): "
            f"{len(self.loaded)} keys loaded ({len(self.widened)} widened), "
            f"{len(self.recomputed)} SN vectors recomputed, {len(self.skipped)} file keys "
            f"skipped, {len(self.kept_init)} encoder keys keep their seeded init"
        )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.update(
            loaded=list(self.loaded),
            widened=list(self.widened),
            recomputed=list(self.recomputed),
            kept_init=list(self.kept_init),
            n_loaded=len(self.loaded),
            n_recomputed=len(self.recomputed),
            n_skipped=len(self.skipped),
            n_kept_init=len(self.kept_init),
        )
        return d


def detect_layout(state: dict[str, torch.Tensor]) -> str:
    """``gca`` (spectral-norm ResNet-D keys) or ``torchvision`` (plain ResNet keys).

    Raises:
        ModelError: neither layout.
    """
    if any(k.endswith(".module.weight_bar") for k in state):
        return "gca"
    if "layer1.0.conv1.weight" in state and "conv1.weight" in state:
        return "torchvision"
    raise ModelError(
        "not an ImageNet ResNet-34 state_dict in a known layout (GCA-Matting's spectral-norm "
        "ResNet-D keys such as 'conv1.module.weight_bar', or torchvision's 'layer1.0.conv1.weight'); "
        f"first keys: {', '.join(list(state)[:4])}"
    )


_TV_CONV = re.compile(r"^layer(\d)\.(\d+)\.conv(\d)\.weight$")
_TV_BN = re.compile(r"^layer(\d)\.(\d+)\.bn(\d)\.(.+)$")
_TV_DOWN = re.compile(r"^layer(\d)\.(\d+)\.downsample\.([01])\.(.+)$")


def _stage(n: str) -> str:
    return "layer_bottleneck" if n == "4" else f"layer{n}"


def torchvision_to_resnet_d(
    state: dict[str, torch.Tensor],
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Rename a torchvision ResNet state_dict into GCA's ResNet-D key names.

    Returns:
        ``(renamed, skipped)``: the tensors under ResNet-D names, and the torchvision keys that
        have no counterpart with the reason.

    Example:
        >>> s = {"layer4.0.downsample.0.weight": torch.zeros(1), "fc.bias": torch.zeros(1)}
        >>> renamed, skipped = torchvision_to_resnet_d(s)
        >>> list(renamed), skipped["fc.bias"]
        (['layer_bottleneck.0.downsample.1.module.weight_bar'], 'classifier (no counterpart)')
    """
    renamed: dict[str, torch.Tensor] = {}
    skipped: dict[str, str] = {}
    for key, value in state.items():
        if m := _TV_CONV.match(key):
            renamed[f"{_stage(m[1])}.{m[2]}.conv{m[3]}.module.weight_bar"] = value
        elif m := _TV_BN.match(key):
            renamed[f"{_stage(m[1])}.{m[2]}.bn{m[3]}.{m[4]}"] = value
        elif m := _TV_DOWN.match(key):  # ResNet-D: AvgPool (0), conv (1), BN (2)
            if m[3] == "0":
                renamed[f"{_stage(m[1])}.{m[2]}.downsample.1.module.weight_bar"] = value
            else:
                renamed[f"{_stage(m[1])}.{m[2]}.downsample.2.{m[4]}"] = value
        elif key.startswith(("conv1.", "bn1.")):
            skipped[key] = "7×7 stem (ResNet-D has a 3-conv 3×3 stem)"
        elif key.startswith("fc."):
            skipped[key] = "classifier (no counterpart)"
        else:
            skipped[key] = "not a ResNet key"
    return renamed, skipped


def _widen(src: torch.Tensor, dst_shape: torch.Size) -> torch.Tensor | None:
    """SRC zero-padded on its input-channel axis (4-D) to DST_SHAPE, or None if not possible."""
    if src.ndim != 4 or len(dst_shape) != 4 or src.shape[0] != dst_shape[0]:
        return None
    if src.shape[2:] != dst_shape[2:] or src.shape[1] >= dst_shape[1]:
        return None
    out = torch.zeros(dst_shape, dtype=src.dtype)
    out[:, : src.shape[1]] = src
    return out


def match_state(
    state: dict[str, torch.Tensor], target: dict[str, torch.Tensor]
) -> tuple[dict[str, torch.Tensor], list[str], dict[str, str]]:
    """The tensors of STATE the TARGET state_dict can take: ``(loaded, widened, skipped)``.

    Same key and shape → loaded. A 4-D ``weight_bar``/``weight`` with fewer input channels →
    widened with zeros, and its spectral-norm ``weight_v`` extended with zeros (GCA's rule for
    the first conv). Anything else is skipped with the reason.
    """
    loaded: dict[str, torch.Tensor] = {}
    widened: list[str] = []
    skipped: dict[str, str] = {}
    for key, value in state.items():
        if key not in target:
            skipped[key] = "no such key in the encoder"
            continue
        want = target[key].shape
        if value.shape == want:
            loaded[key] = value.to(target[key].dtype)
            continue
        wide = _widen(value, want) if key.endswith("weight_bar") or key.endswith("weight") else None
        if wide is not None:
            loaded[key] = wide.to(target[key].dtype)
            widened.append(key)
            continue
        v_of = key[: -len("weight_v")] + "weight_bar" if key.endswith("weight_v") else None
        bar = state.get(v_of) if v_of else None
        if bar is not None and v_of in target and _widen(bar, target[v_of].shape) is not None:
            v = torch.zeros(want, dtype=target[key].dtype)
            v[: value.numel()] = value.flatten()
            loaded[key] = v
            widened.append(key)
            continue
        skipped[key] = f"shape {tuple(value.shape)} vs {tuple(want)} in the encoder"
    return loaded, widened, skipped


def _refresh_sn_vectors(
    loaded: dict[str, torch.Tensor], target: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """u/v of every SN conv whose weight_bar was loaded without them: the top singular vectors
    (the fixed point of SAGAN's power iteration), so σ = uᵀWv is the spectral norm exactly."""
    out: dict[str, torch.Tensor] = {}
    for key in [k for k in loaded if k.endswith(".weight_bar")]:
        base = key[: -len("weight_bar")]
        u_key, v_key = base + "weight_u", base + "weight_v"
        if u_key not in target or v_key not in target or (u_key in loaded and v_key in loaded):
            continue
        w = loaded[key].double().reshape(loaded[key].shape[0], -1)
        left, _, right = torch.linalg.svd(w, full_matrices=False)  # the power iteration's limit
        u, v = left[:, 0], right[0]
        if float(u @ w @ v) < 0:
            u = -u
        out[u_key] = u.to(target[u_key].dtype)
        out[v_key] = v.to(target[v_key].dtype)
    return out


def load_encoder_init(
    model: torch.nn.Module, path: str | os.PathLike, *, module: str = "encoder"
) -> EncoderInit:
    """Load the ImageNet weights of PATH into ``model.<module>`` non-strictly (see module doc).

    Raises:
        InputError: PATH does not exist (the message says where GCA links the file).
        ModelError: unreadable file, unknown layout, no such submodule, or nothing loadable.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(
            path,
            f"ImageNet-pretrained encoder file not found; GCA's is model_best_resnet34_En_nomixup.pth "
            f"from {GCA_IMAGENET_SOURCE}; or train from scratch with encoder_init='{SCRATCH}' "
            "(not the published recipe)",
            param="encoder_init",
        )
    try:
        encoder = model.get_submodule(module)
    except AttributeError:
        raise ModelError(
            f"{type(model).__name__} has no submodule {module!r} to initialise"
        ) from None
    state, _ = read_checkpoint(path)
    layout = detect_layout(state)
    skipped: dict[str, str] = {}
    if layout == "torchvision":
        state, skipped = torchvision_to_resnet_d(state)
    target = encoder.state_dict()
    loaded, widened, more = match_state(state, target)
    skipped.update(more)
    if not any(not k.endswith("num_batches_tracked") for k in loaded):
        raise ModelError(
            f"{path}: no key of this {layout}-layout file fits {type(model).__name__}.{module}"
        )
    recomputed = _refresh_sn_vectors(loaded, target) if layout == "torchvision" else {}
    encoder.load_state_dict({**loaded, **recomputed}, strict=False)
    return EncoderInit(
        path=path,
        sha256=sha256_file(path),
        layout=layout,
        module=module,
        loaded=tuple(sorted(loaded)),
        widened=tuple(sorted(widened)),
        recomputed=tuple(sorted(recomputed)),
        skipped=dict(sorted(skipped.items())),
        kept_init=tuple(k for k in target if k not in loaded and k not in recomputed),
    )
