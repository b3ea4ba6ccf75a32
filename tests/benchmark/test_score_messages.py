"""What a model prints while predicting goes to run.json, not to the terminal (pymatting's
"PERFORMANCE WARNING" is printed with print())."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.models import registry
from benchmark.models.interface import MattingModel
from benchmark.scoring.score import score_model
from tests.benchmark.test_score import comp_dataset  # noqa: F401 - pytest fixture


class Chatty(MattingModel):
    def __init__(self, isolate: bool):
        self.config = {"isolate": isolate}
        self.isolate = isolate

    def predict(self, image, trimap):
        print("PERFORMANCE WARNING:\nThresholded incomplete Cholesky decomposition failed")
        return (trimap / 255.0).astype(np.float32)


def chatty_test_model(isolate: bool = False, **kwargs):
    """A model that prints while predicting (test only)."""
    return Chatty(isolate)


@pytest.fixture()
def chatty():
    registry.register_model(kind="classical", provenance="reference")(chatty_test_model)
    yield "chatty_test_model"
    registry.unregister_model("chatty_test_model")


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "child-process"])
def test_printed_output_is_recorded_not_shown(chatty, comp_dataset, tmp_path, capfd, isolate):  # noqa: F811
    record = score_model(chatty, comp_dataset, tmp_path, model_kwargs={"isolate": isolate})
    out, err = capfd.readouterr()
    assert "PERFORMANCE WARNING" not in out + err
    messages = record.extra["model_messages"]
    assert sorted(messages) == ["apple_0", "apple_1", "pear_0"]
    assert all("PERFORMANCE WARNING" in m for m in messages.values())
