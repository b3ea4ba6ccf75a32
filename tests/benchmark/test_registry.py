"""The registry as the score pipeline uses it: every registered model behind one interface."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.models.registry import (
    UnknownModelError,
    create_model,
    is_model,
    list_models,
    model_info,
)
from human2k.errors import ModelError


def test_lists_the_baselines_natural_sorted():
    classical = list_models(kind="classical")
    assert classical == sorted(classical)
    assert {"closed_form", "knn", "lkm", "random_walk", "trimap_only"} <= set(classical)
    assert list_models("random*") == ["random_walk"]
    assert all(model_info(n).kind == "deep" for n in list_models(kind="deep"))


def test_unknown_model_suggests_close_names():
    with pytest.raises(UnknownModelError, match="did you mean closed_form"):
        create_model("closed_from")
    assert not is_model("closed_from") and is_model("knn")
    with pytest.raises(ModelError, match="no tagged variants"):
        create_model("knn.fast")


def test_none_kwargs_do_not_override_defaults():
    assert create_model("trimap_only", unknown_value=None).config == {"unknown_value": 0.5}


@pytest.mark.parametrize("name", list_models(kind="classical"))
def test_every_classical_model_predicts_alpha(name):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    trimap = np.zeros((48, 48), np.uint8)
    trimap[12:36] = 128
    trimap[36:] = 255
    model = create_model(name)
    alpha = model.predict(image, trimap)
    assert alpha.dtype == np.float32 and alpha.shape == (48, 48)
    assert np.isfinite(alpha).all() and alpha.min() >= 0 and alpha.max() <= 1
    assert isinstance(model.config, dict)
    info = model_info(name)
    assert info.provenance in ("classical", "reference") and info.license
