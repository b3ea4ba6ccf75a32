"""Spectral norm: σ is the largest singular value, no warm-up is needed for finite eval outputs.

Oracle: ``torch.linalg.matrix_norm(W_mat, ord=2)`` (SVD). The released implementation gives NaN
for a fresh model in eval mode (reference §9); ours must not.
"""

from __future__ import annotations

import torch

from benchmark.models.registry import create_model
from timinet.spectral_norm import SpectralNorm, refresh_spectral_norm


def _sigma(sn: SpectralNorm) -> float:
    w = sn.module.weight_bar.detach()
    return float(torch.linalg.matrix_norm(w.reshape(w.shape[0], -1), ord=2))


def test_fresh_sn_estimates_largest_singular_value():
    torch.manual_seed(0)
    for conv in (torch.nn.Conv2d(64, 32, 3), torch.nn.ConvTranspose2d(32, 16, 4, 2, 1)):
        sn = SpectralNorm(conv).eval()
        w = sn.normalized_weight().detach()
        assert abs(float(torch.linalg.matrix_norm(w.reshape(w.shape[0], -1), ord=2)) - 1) < 0.05


def test_transposed_conv_uses_input_channels_as_rows():
    sn = SpectralNorm(torch.nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False))
    assert sn.module.weight_u.shape == (32,) and sn.module.weight_v.shape == (16 * 16,)
    y = sn.eval()(torch.randn(1, 32, 5, 5))
    assert y.shape == (1, 16, 10, 10)


def test_train_mode_updates_u_eval_mode_does_not():
    torch.manual_seed(0)
    sn = SpectralNorm(torch.nn.Conv2d(8, 8, 3))
    with torch.no_grad():
        sn.module.weight_bar.mul_(torch.rand_like(sn.module.weight_bar))  # stale u after an edit
    u0 = sn.module.weight_u.clone()
    sn.eval()(torch.randn(1, 8, 6, 6))
    assert torch.equal(sn.module.weight_u, u0)
    sn.train()(torch.randn(1, 8, 6, 6))
    assert not torch.equal(sn.module.weight_u, u0)


def test_refresh_after_reinit_restores_estimate():
    sn = SpectralNorm(torch.nn.Conv2d(16, 16, 3))
    with torch.no_grad():
        sn.module.weight_bar.normal_(0, 3)
    assert refresh_spectral_norm(torch.nn.Sequential(sn)) == 1
    sigma_est = float(
        torch.dot(
            sn.module.weight_u, sn.module.weight_bar.detach().reshape(16, -1) @ sn.module.weight_v
        )
    )
    assert abs(sigma_est / _sigma(sn) - 1) < 0.05


def test_fresh_full_model_gives_finite_eval_output_without_warm_up():
    torch.manual_seed(0)
    model = create_model("timinet").eval()
    img = torch.randn(1, 3, 64, 64)
    tri = (
        torch.nn.functional.one_hot(torch.randint(0, 3, (1, 64, 64)), 3).permute(0, 3, 1, 2).float()
    )
    with torch.no_grad():
        alpha = model(img, tri)
    assert torch.isfinite(alpha).all()
    assert float(alpha.std()) > 0  # not a constant output


def test_bf16_autocast_forward_and_backward():
    """σ is computed in float32 outside autocast: a bf16 forward used to fail (dot of a float32
    u with a bf16 W·v) and the normalised weight is the float32 one."""
    torch.manual_seed(0)
    sn = SpectralNorm(torch.nn.Conv2d(8, 4, 3, padding=1)).train()
    x = torch.randn(2, 8, 6, 6)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = sn(x)
    assert y.dtype == torch.bfloat16 and torch.isfinite(y.float()).all()
    y.float().sum().backward()
    assert torch.isfinite(sn.module.weight_bar.grad).all()
    sn.eval()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        w = sn.normalized_weight()
    assert w.dtype == torch.float32
    torch.testing.assert_close(w, sn.normalized_weight())
