"""IndexNet Matting (Lu, Dai, Shen, Xu: "Indices Matter: Learning to Index for Deep Image Matting", ICCV 2019).

Reference code: poppinace/indexnet_matting @ 4beb06a. :mod:`.network` holds the network with the
released checkpoint's 549 keys and 5,953,515 parameters, behind the model interface;
:mod:`.inputs` the demo's normalisation; :mod:`.official` the demo's inference (resize to /32,
clip, copy the trimap outside 128, truncate) and the strict loader for
``pretrained/indexnet_matting.pth.tar`` (``{'state_dict': {'module.' + key: …}}``); :mod:`.factory`
the registered name ``indexnet``.

Published Composition-1K (``benchmark/tables/reported/baselines_comp1k.csv``): SAD 45.8, MSE 0.013,
Grad 25.9, Conn 43.7 (the repository README's results table, "IndexNet Matting | Ours").

Training recipe (``indexnet`` in :mod:`benchmark.training.schedule`; read from ``train.sh`` and
``scripts/hltrainval.py``, ``hldataset.py``):

- data: the 43,100 pre-composited Adobe training images (431 foregrounds × 100 COCO backgrounds)
  with their fg and bg for the composition loss; trimaps from the alpha on the fly: the unknown
  band (0 < α < 255) dilated by a random 1-19 px through a Euclidean distance transform;
- augmentation: square crop of 320 × s, s ∈ {1, 1.5, 2} (only sizes below min(H, W)), centred on
  an unknown pixel, resized to 320 (image/alpha cubic, trimap/mask nearest); images shorter than
  320 first upscaled so the short side is 500; random horizontal flip;
- input: [RGB, trimap] / 255 normalised as at test time; batch 16; 30 epochs;
- loss: 0.5 · alpha + 0.5 · composition, both Charbonnier sqrt(d² + 1e-12) over the unknown
  region (trimap = 128), each normalised by the unknown-pixel count, averaged over the batch;
- optimiser: Adam (default betas, no weight decay), lr 1e-2 for the parameters whose names contain
  ``dconv``, ``pred`` or ``index`` (decoder, ASPP, head, index blocks) and lr 1e-2 / 100 for the
  MobileNetV2 encoder, which starts from ImageNet weights (4th input channel zero);
  MultiStepLR ×0.1 at epochs 20 and 26, stepped at the *start* of each epoch (so the rate drops
  after 19 and 25 completed epochs); seed 6;
- ``freeze_bn=True`` only calls ``eval()`` at construction; ``train()`` is called every epoch, so
  BatchNorm statistics are in fact updated during training.
"""

from benchmark.models.indexnet.inputs import IMG_MEAN, IMG_STD, native_inputs
from benchmark.models.indexnet.network import NUM_PARAMETERS, NUM_STATE_KEYS, IndexNetMatting
from benchmark.models.indexnet.official import (
    OFFICIAL_QUANTISATION,
    load_official_checkpoint,
    official_predict,
)

__all__ = [
    "IMG_MEAN",
    "IMG_STD",
    "NUM_PARAMETERS",
    "NUM_STATE_KEYS",
    "OFFICIAL_QUANTISATION",
    "IndexNetMatting",
    "load_official_checkpoint",
    "native_inputs",
    "official_predict",
]
