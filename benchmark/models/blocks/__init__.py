"""Building blocks shared by model families.

* :mod:`.spectral_norm` — SAGAN-style spectral normalisation with GCA-Matting's key layout;
* :mod:`.resnet_d` — GCA-Matting's ResNet-D encoder/decoder blocks, shared by ``gca`` and TIMI-Net.

Example:
    >>> from benchmark.models.blocks.resnet_d import GCA_BN_EPS
    >>> GCA_BN_EPS
    1e-05
"""
