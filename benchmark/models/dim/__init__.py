"""Deep Image Matting (Xu, Price, Cohen, Huang: "Deep Image Matting", CVPR 2017), mmagic's PyTorch model.

The authors released no PyTorch model; :mod:`.network` has the layout of OpenMMLab's
``dim_stage{1,2,3}`` checkpoints (stage 1: 42 keys, 26,200,001 parameters; stages 2 and 3: 50 keys,
26,276,802 parameters) behind the model interface, :mod:`.inputs` mmagic's preprocessing,
:mod:`.official` mmagic's Composition-1K test pipeline (normalise, reflect-pad to /32, refined
output, force trimap 0/255, round) with a strict loader for the released
``{'meta': …, 'state_dict': …}`` files, and :mod:`.factory` the registered name ``dim``.

Published Composition-1K (``benchmark/tables/reported/baselines_comp1k.csv``): the paper's
encoder-decoder (stage 1) SAD 54.6, MSE 0.017, Grad 36.7, Conn 55.3 and full model SAD 50.4, MSE
0.014, Grad 31.0, Conn 50.8; mmagic's reproduction, i.e. the checkpoints this module loads: stage 1
53.8 / 0.017 / 32.7 / 54.5, stage 2 52.3 / 0.016 / 29.4 / 52.4, stage 3 50.6 / 0.015 / 29.0 / 50.7
(best validation, not last iterate).

Training recipe (``dim`` in :mod:`benchmark.training.schedule`), from mmagic's
``configs/dim/dim_stage{1,2,3}-…_comp1k.py`` and ``models/editors/dim/dim.py`` (the paper's three
steps):

- data: Adobe Composition-1K training set (431 foregrounds × 100 COCO backgrounds), crop of
  320/480/640 around an unknown pixel (``CropAroundUnknown``), random flip, resize to 320×320,
  trimap generated from the alpha with random erosion/dilation kernels of 1-30 px;
- input: [RGB normalised as at test time, trimap / 255]; batch 1; Adam lr 1e-5, constant; 1,000,000
  iterations per stage; the reported numbers are the best of the validations every 40k iterations;
- stage 1 (encoder-decoder, no refiner): loss 0.5 · alpha + 0.5 · composition, Charbonnier
  sqrt(d² + 1e-12) over the unknown pixels (trimap = 128); the VGG-16 encoder starts from ImageNet
  weights (``open-mmlab://mmedit/vgg16``), the rest Xavier;
- stage 2 (refinement): starts from stage 1, encoder-decoder frozen (no gradients, eval mode),
  refiner trained with the Charbonnier alpha loss on its output only;
- stage 3 (fine-tune): starts from stage 2, everything trained with all three losses.
"""

from benchmark.models.dim.inputs import MEAN, STD, native_inputs
from benchmark.models.dim.network import (
    NUM_PARAMETERS,
    NUM_PARAMETERS_NO_REFINER,
    DIMMatting,
    dim_stage,
)
from benchmark.models.dim.official import (
    OFFICIAL_QUANTISATION,
    load_official_checkpoint,
    official_predict,
)

__all__ = [
    "MEAN",
    "NUM_PARAMETERS",
    "NUM_PARAMETERS_NO_REFINER",
    "OFFICIAL_QUANTISATION",
    "STD",
    "DIMMatting",
    "dim_stage",
    "load_official_checkpoint",
    "native_inputs",
    "official_predict",
]
