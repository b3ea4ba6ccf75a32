"""TI² attention: the O(N)-memory paths equal the naive N×N form (reference §6).

Oracle: the equation of ``timinet_arch.md`` §6 written with ``einsum`` —
``Y[b, c, i] = Σ_j softmax_j(Σ_d Q[b, d, i] K[b, d, j]) · X[b, c, j]`` (no 1/√d, value = X).
"""

from __future__ import annotations

import pytest
import torch

from timinet.ti2 import TI2, AdditiveIntegration, guided_attention


def _oracle(x, q, k):
    attn = torch.softmax(torch.einsum("bdi,bdj->bij", q.double(), k.double()), dim=-1)
    return torch.einsum("bij,bcj->bci", attn, x.double())


def _data(b=2, c=128, d=32, n=24 * 20, seed=0, logit_scale=0.5):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, c, n, generator=g)
    qs = [torch.randn(b, d, n, generator=g) * logit_scale for _ in range(2)]
    ks = [torch.randn(b, d, n, generator=g) * logit_scale for _ in range(2)]
    return x, qs, ks


@pytest.mark.parametrize("mode", ["naive", "sdpa", "chunked", "auto"])
def test_paths_equal_naive_form(mode):
    x, qs, ks = _data()  # logits with std ≈ 1.4: peaked, non-trivial softmax rows
    ys = guided_attention(x, qs, ks, mode=mode, chunk_size=100)
    for y, q, k in zip(ys, qs, ks, strict=True):
        assert y.shape == x.shape
        assert (y.double() - _oracle(x, q, k)).abs().max() <= 1e-4


@pytest.mark.parametrize("c", [128, 100])
def test_sdpa_with_channels_not_a_multiple_of_key_width(c):
    x, qs, ks = _data(c=c, n=64)
    y = guided_attention(x, qs[:1], ks[:1], mode="sdpa")[0]
    assert (y.double() - _oracle(x, qs[0], ks[0])).abs().max() <= 1e-4


def _module_inputs(seed=0, guide=64):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(2, 128, 8, 6, generator=g),
        torch.randn(2, guide, 8, 6, generator=g),
        torch.randn(2, guide, 8, 6, generator=g),
    )


def test_module_is_identity_at_init_and_follows_equation_4():
    torch.manual_seed(0)
    ti2 = TI2(64, attention="naive")
    x, r, t = _module_inputs()
    assert torch.equal(ti2(x, r, t), x)  # γ_R = γ_T = 0
    with torch.no_grad():
        ti2.gamma_image.fill_(0.5)
        ti2.gamma_trimap.fill_(-2.0)
    flat = x.flatten(2)

    def attn(g):
        return _oracle(flat, ti2.image_query_conv(g).flatten(2), ti2.image_key_conv(g).flatten(2))

    expected = flat.double() + 0.5 * attn(r) - 2.0 * attn(t)  # shared θ/φ for both guides
    with torch.no_grad():
        for mode in ("naive", "sdpa", "chunked"):
            ti2.attention = mode
            assert (ti2(x, r, t).flatten(2).double() - expected).abs().max() <= 1e-4


def test_shared_projections_leave_trimap_convs_unused_separate_uses_them():
    x, r, t = _module_inputs()
    for mode, used in (("shared", False), ("separate", True)):
        torch.manual_seed(0)
        ti2 = TI2(64, trimap_projections=mode)
        with torch.no_grad():
            ti2.gamma_trimap.fill_(1.0)
        ti2(x, r, t).square().sum().backward()
        assert (ti2.trimap_query_conv.weight.grad is not None) == used
        assert ti2.image_query_conv.weight.grad is not None


def test_backward_through_sdpa_matches_naive():
    x, qs, ks = _data(b=1, n=64)
    grads = {}
    for mode in ("naive", "sdpa", "chunked"):
        q = qs[0].clone().requires_grad_()
        guided_attention(x, [q], ks[:1], mode=mode, chunk_size=16)[0].square().sum().backward()
        grads[mode] = q.grad
    assert (grads["sdpa"] - grads["naive"]).abs().max() <= 1e-3
    assert (grads["chunked"] - grads["naive"]).abs().max() <= 1e-4


def test_additive_integration_projects_only_when_widths_differ():
    x, r, t = _module_inputs()
    add = AdditiveIntegration(128, rgb_channels=64, trimap_channels=None)
    assert torch.allclose(add(x, r, t), x + add.image_proj(r))
    same = AdditiveIntegration(128, rgb_channels=128, trimap_channels=128)
    x2 = torch.randn(1, 128, 2, 2)
    assert torch.equal(same(x2, x2, x2), 3 * x2)


def test_unknown_mode_raises():
    x, qs, ks = _data(n=16)
    with pytest.raises(Exception, match="unknown attention mode"):
        guided_attention(x, qs, ks, mode="fast")
