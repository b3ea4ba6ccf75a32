"""GCA-Matting (Li & Lu, AAAI 2020): the network, its released inference and the registry entry.

* :mod:`.attention` — the guided contextual attention block;
* :mod:`.network` — :class:`GCAMatting` (578 state_dict keys, 25,164,529 parameters), built from
  the ResNet-D blocks it shares with TIMI-Net (:mod:`benchmark.models.blocks.resnet_d`);
* :mod:`.official` — ``tester.py``'s Composition-1K inference (policy ``official``);
* :mod:`.factory` — the registered name ``gca``.

Example:
    >>> from benchmark.models.gca import GCAMatting
    >>> GCAMatting.official_quantization
    'truncate'
"""

from benchmark.models.gca.network import NUM_PARAMETERS, NUM_STATE_KEYS, GCAMatting

__all__ = ["GCAMatting", "NUM_PARAMETERS", "NUM_STATE_KEYS"]
