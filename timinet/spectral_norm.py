"""TIMI-Net's spectral norm is GCA-Matting's: :mod:`benchmark.models.blocks.spectral_norm`.

Re-exported here so ``timinet.spectral_norm.SpectralNorm`` keeps working.

Example:
    >>> SpectralNorm.__module__
    'benchmark.models.blocks.spectral_norm'
"""

from benchmark.models.blocks.spectral_norm import SpectralNorm, refresh_spectral_norm

__all__ = ["SpectralNorm", "refresh_spectral_norm"]
