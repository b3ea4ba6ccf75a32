"""ViTMatte (Yao, Wang, Yang, Wang: "ViTMatte: Boosting Image Matting with Pretrained Plain Vision
Transformers", Information Fusion 103, 2024; arXiv 2305.15272), through ``transformers``.

:mod:`.config` builds the ViTMatte-S/B configurations (lists, lazy and offline ``transformers``
import; without it a ModelError says ``pip install 'mattebench[vitmatte]'``), :mod:`.network` the
wrapper with the Hugging Face state_dict layout (S: 258 keys, 25,814,753 parameters; B: 258 keys,
96,686,561) behind the model interface and the strict loader of a local Hugging Face folder,
:mod:`.official` hustvl's and the Hugging Face inference pipelines, :mod:`.factory` the registered
names ``vitmatte_s`` and ``vitmatte_b``.

Published Composition-1K (``benchmark/tables/reported/baselines_comp1k.csv``; hustvl/ViTMatte
README "Quantitative Results on Composition-1k", MSE printed ×10⁻³): ViTMatte-S SAD 21.46, MSE 3.3,
Grad 7.24, Conn 16.21; ViTMatte-B SAD 20.33, MSE 3.0, Grad 6.74, Conn 14.78.

Training recipe (``vitmatte`` in :mod:`benchmark.training.schedule`), from hustvl/ViTMatte @ 8cd7ef0
(``configs/ViTMatte_{S,B}_100ep.py``, ``configs/common/*.py``, ``data/dim_dataset.py``,
``modeling/criterion/matting_criterion.py``):

- backbone initialised from DINO ViT-S/16 (S) or MAE ViT-B/16 (B); the patch embedding gets a
  4th (trimap) input channel initialised to zero (``pretrained/preprocess.py``);
- data: the 431 Adobe Composition-1K training foregrounds composited on COCO backgrounds on the
  fly (GCA-Matting's augmentation pipeline), 512×512 crops, trimaps from the alpha by random
  erosion/dilation; at training time the trimap is quantised to 0 / 0.5 / 1 (thresholds 85 and
  170), at test time it is only divided by 255;
- losses (summed, weight 1 each): L1 averaged over the unknown pixels, L1 averaged over the known
  pixels, a 5-level Laplacian-pyramid L1, and a Sobel-gradient L1 on the unknown region plus
  0.01 × the predicted gradient magnitude there;
- optimiser: detectron2's ``common/optim.py`` AdamW (betas 0.9/0.999, weight decay 0.1, none on
  normalisation layers, none on ``pos_embed``) with lr 5e-4 and layer-wise lr decay 0.65 over the
  12 ViT blocks (embeddings lowest; decoder and residual blocks at the full rate); 250-iteration
  linear warm-up from 0.001×;
- schedule: 100 epochs of 43,100 images, i.e. ``43100 / bs / 2 · 100`` iterations with per-GPU
  batch bs = 16 (S) or 10 (B) on 2 GPUs; lr ×0.1 after 30 epochs and ×0.05 (of the base) after 90.
"""

from benchmark.models.vitmatte.config import (
    INSTALL_HINT,
    VITMATTE_SIZES,
    require_transformers,
    vitmatte_config,
)
from benchmark.models.vitmatte.network import (
    PIPELINES,
    PROCESSOR_DEFAULTS,
    ViTMatte,
    load_pretrained_folder,
)
from benchmark.models.vitmatte.official import (
    OFFICIAL_QUANTISATION,
    hf_predict,
    hustvl_predict,
    native_inputs,
)

__all__ = [
    "INSTALL_HINT",
    "OFFICIAL_QUANTISATION",
    "PIPELINES",
    "PROCESSOR_DEFAULTS",
    "VITMATTE_SIZES",
    "ViTMatte",
    "hf_predict",
    "hustvl_predict",
    "load_pretrained_folder",
    "native_inputs",
    "require_transformers",
    "vitmatte_config",
]
