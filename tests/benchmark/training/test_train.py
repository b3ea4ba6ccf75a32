"""Trainer: exact resume after a crash, schedules in samples, refusals, checkpoint format, CLI."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.models import registry
from benchmark.models.checkpoint import read_checkpoint, read_state_dict, weights_record
from benchmark.models.deep import DeepMattingModel
from benchmark.models.interface import TrainingSpec
from benchmark.training import MODEL_FORMAT, STATE_FORMAT, GradClipper, train
from benchmark.training.recipes import RECIPES
from benchmark.training.schedule import make_schedule
from human2k.errors import ResumeError
from human2k.images import write_png
from tests.benchmark.training.test_data import make_training_tree
from timinet.inputs import to_model_inputs

TINY = "tiny_matting_test"


class TinyMatting(DeepMattingModel):
    """Two convolutions, no BatchNorm: DDP on 2 CPU ranks equals one rank with the whole batch."""

    def __init__(self, width: int = 8):
        super().__init__(config={"width": width}, name=TINY)
        self.training_spec = TrainingSpec()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(6, width, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(width, 1, 3, padding=1),
        )

    def preprocess(self, image, trimap):
        return to_model_inputs(image, trimap)

    def batch_inputs(self, image, trimap):
        return to_model_inputs(image, trimap)

    def forward(self, img, tri):
        return torch.sigmoid(self.body(torch.cat([img, tri], 1)))


def tiny_matting_test(checkpoint=None, tag=None, width: int = 8) -> TinyMatting:
    """A tiny trainable matting net for tests (registered only while a test runs)."""
    model = TinyMatting(width)
    if checkpoint is not None:
        state, meta = read_checkpoint(checkpoint)
        model.load_state_dict(state)
        model.weights = weights_record(checkpoint, meta, official=False)
    return model


@contextlib.contextmanager
def tiny_registered():
    registry.register_model(provenance="reference", kind="deep", trainable=True)(tiny_matting_test)
    try:
        yield TINY
    finally:
        registry.unregister_model(TINY)


@pytest.fixture()
def tiny():
    with tiny_registered() as name:
        yield name


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_training_tree(tmp_path_factory.mktemp("train_data"))


@pytest.fixture()
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    torch.use_deterministic_algorithms(False)


def _steps(log_path):
    return [r for r in map(json.loads, log_path.read_text().splitlines()) if r["event"] == "step"]


class _Crash(RuntimeError):
    pass


def test_killed_and_resumed_run_reproduces_losses(tree, tmp_path, one_thread):
    """timinet_basic, 2 epochs × 2 steps: crash in epoch 2, resume, compare bit for bit."""
    kw = dict(
        recipe="gca",
        epochs=2,
        batch_size=2,
        crop=64,
        limit_samples=4,
        seed=5,
        deterministic=True,
        encoder_init="scratch",
    )
    full = train("timinet_basic", tree, tmp_path / "full", **kw)
    assert len(full.losses) == 4 and full.samples_seen == 8

    def crash(record):
        if record["epoch"] == 2:
            raise _Crash("killed")

    with pytest.raises(_Crash):
        train("timinet_basic", tree, tmp_path / "cut", on_step=crash, **kw)
    assert torch.load(tmp_path / "cut" / "last.pt", weights_only=True)["epoch"] == 1
    resumed = train("timinet_basic", tree, tmp_path / "cut", resume=True, **kw)

    assert resumed.losses == full.losses  # exact float equality, every step
    a, b = _steps(full.log), _steps(resumed.log)
    assert [(r["step"], r["lr"], r["indices"]) for r in a] == [
        (r["step"], r["lr"], r["indices"]) for r in b
    ]
    sa, sb = read_state_dict(full.checkpoint), read_state_dict(resumed.checkpoint)
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)

    # the checkpoint is what create_model(name, checkpoint=...) loads
    saved = torch.load(full.checkpoint, weights_only=True)
    assert saved["format"] == MODEL_FORMAT and saved["model_name"] == "timinet_basic"
    assert saved["config"]["aspp"] is False and saved["epoch"] == 2 and saved["samples_seen"] == 8
    model = registry.create_model("timinet_basic", checkpoint=str(full.checkpoint))
    assert all(torch.equal(v, sa[k]) for k, v in model.state_dict().items())
    state = torch.load(full.state, weights_only=True)
    assert state["format"] == STATE_FORMAT and {
        "optimizer",
        "clip",
        "rng",
        "schedule",
        "scaler",
    } <= set(state)
    assert (
        torch.load(resumed.state, weights_only=True)["clip"] == state["clip"]
    )  # running grad-norm mean


def test_mid_epoch_checkpoint_resumes_bit_exactly(tree, tmp_path, one_thread):
    """timinet_basic (BatchNorm), 2 epochs × 3 steps, a checkpoint every 2 steps: killed at step 5,
    the run resumes from step 4 (epoch 2, one step in) with identical losses and weights."""
    kw = dict(
        recipe="gca",
        epochs=2,
        batch_size=2,
        crop=64,
        limit_samples=6,
        seed=5,
        deterministic=True,
        checkpoint_every=2,
        encoder_init="scratch",
    )
    full = train("timinet_basic", tree, tmp_path / "full", **kw)
    assert len(full.losses) == 6

    def crash(record):
        if record["step"] == 5:
            raise _Crash("killed")

    with pytest.raises(_Crash):
        train("timinet_basic", tree, tmp_path / "cut", on_step=crash, **kw)
    state = torch.load(tmp_path / "cut" / "last.pt", weights_only=True)
    assert (state["epoch"], state["epoch_step"], state["step"]) == (2, 1, 4)
    assert [r["step"] for r in _steps(tmp_path / "cut" / "train.jsonl")] == [1, 2, 3, 4, 5]
    with pytest.raises(ResumeError, match="same global batch"):  # mid-epoch: batch is fixed
        train("timinet_basic", tree, tmp_path / "cut", resume=True, **{**kw, "batch_size": 3})
    resumed = train("timinet_basic", tree, tmp_path / "cut", resume=True, **kw)

    assert resumed.losses == full.losses  # exact float equality, every step
    a, b = _steps(full.log), _steps(resumed.log)
    assert [(r["step"], r["lr"], r["indices"]) for r in a] == [
        (r["step"], r["lr"], r["indices"]) for r in b
    ]
    sa, sb = read_state_dict(full.checkpoint), read_state_dict(resumed.checkpoint)
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    events = [json.loads(line)["event"] for line in resumed.log.read_text().splitlines()]
    assert events.count("checkpoint") == 2 and "resume" in events  # after steps 2 and 4

    def means(log):
        return [
            r["loss_mean"]
            for r in map(json.loads, log.read_text().splitlines())
            if r["event"] == "epoch"
        ]

    assert means(resumed.log) == means(full.log)  # the resumed epoch's mean has all its steps


def test_batch_size_keeps_schedule_in_samples(tree, tmp_path, tiny, one_thread):
    runs = {
        b: train(
            tiny,
            tree,
            tmp_path / f"b{b}",
            recipe="gca",
            epochs=2,
            batch_size=b,
            crop=64,
            limit_samples=4,
            warmup_epochs=0.5,
        )
        for b in (1, 2)
    }
    assert [len(runs[b].losses) for b in (1, 2)] == [8, 4]  # more steps, same samples
    assert runs[1].samples_seen == runs[2].samples_seen == 8
    sched = make_schedule(RECIPES["gca"], epochs=2, samples_per_epoch=4, warmup_epochs=0.5)
    assert sched.warmup_samples == 2 and sched(0) == 2e-4 and sched(2) == 4e-4
    for b, run in runs.items():
        steps = _steps(run.log)
        assert [r["global_batch"] for r in steps] == [b] * len(steps)
        # lr of each step = schedule(samples seen before the step), the same function for both
        assert [r["lr"] for r in steps] == [sched(r["samples_seen"] - b) for r in steps]
    lr1 = {r["samples_seen"]: r["lr"] for r in _steps(runs[1].log)}
    assert all(lr1[r["samples_seen"] - 1] == r["lr"] for r in _steps(runs[2].log))


def test_paper_recipe_divides_lr_at_epoch_milestones(tree, tmp_path, tiny, one_thread):
    run = train(
        tiny,
        tree,
        tmp_path / "p",
        recipe="paper",
        epochs=3,
        batch_size=2,
        crop=64,
        limit_samples=2,
        milestones=[1, 2],
    )
    assert [r["lr"] for r in _steps(run.log)] == [0.01, 0.001, 0.01 / 100]


def test_refusals(tree, tmp_path, tiny, one_thread):
    kw = dict(epochs=1, batch_size=2, crop=64, limit_samples=2)
    train(tiny, tree, tmp_path / "r", **kw)
    with pytest.raises(ResumeError, match="already holds a training run"):
        train(tiny, tree, tmp_path / "r", **kw)
    with pytest.raises(ResumeError, match="seed: saved 0, now 1"):
        train(tiny, tree, tmp_path / "r", resume=True, seed=1, **kw)
    done = train(tiny, tree, tmp_path / "r", resume=True, **kw)  # already complete: nothing to do
    assert done.steps == 1 and len(done.losses) == 1
    with pytest.raises(registry.ModelError, match="classical"):
        train("trimap_only", tree, tmp_path / "c", **kw)


def test_periodic_validation_scores_the_checkpoint(tree, tmp_path, tiny, one_thread):
    val = tmp_path / "val"
    alpha = np.zeros((64, 64), np.uint8)
    alpha[16:48, 16:48] = 255
    alpha[16:48, 12:16] = 128
    trimap = np.where(alpha == 255, 255, 0).astype(np.uint8)
    trimap[10:54, 8:20] = 128
    write_png(val / "merged" / "a_0.png", np.full((64, 64, 3), 90, np.uint8))
    write_png(val / "alpha" / "a.png", alpha)
    write_png(val / "trimaps" / "a_0.png", trimap)
    run = train(
        tiny,
        tree,
        tmp_path / "v",
        epochs=2,
        batch_size=2,
        crop=64,
        limit_samples=2,
        val_data=val,
        val_every=2,
    )
    assert [v["epoch"] for v in run.val] == [2] and run.val[0]["n_images"] == 1
    assert run.val[0]["means"]["sad"] > 0  # an untrained net is not perfect
    record = json.loads((Path(run.val[0]["run_dir"]) / "run.json").read_text())
    assert record["model"] == TINY and record["checkpoint_sha256"]  # scored the saved weights
    assert [r["event"] for r in map(json.loads, run.log.read_text().splitlines())].count("val") == 1


def test_grad_clipper_running_mean():
    p = torch.nn.Parameter(torch.zeros(1))
    clip = GradClipper()
    norms = []
    for g in (1.0, 1.0, 10.0):
        p.grad = torch.tensor([g])
        norms.append(clip([p]))
    assert norms == [1.0, 1.0, 10.0]
    assert float(p.grad) == pytest.approx(2.0)  # clipped at 2 × running mean (1.0)
    assert clip.moving == pytest.approx(1.0 * 0.999 + 10.0 * 0.001)


def test_cli_train_and_resume(tree, tmp_path, tiny, one_thread):
    args = [
        "train",
        TINY,
        "--data",
        str(tree),
        "--out",
        str(tmp_path / "run"),
        "--epochs",
        "1",
        "--batch-size",
        "2",
        "--crop",
        "64",
        "--limit-samples",
        "2",
        "--workers",
        "0",
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "1 steps" in res.output and "unknown pixels" in res.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "--resume" in again.output
    bad = CliRunner().invoke(cli, args[:-6] + ["--crop", "65", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "multiple of 32" in bad.output


def test_batch_of_one_with_aspp_is_a_clear_error(tmp_path):
    from benchmark.training.loop import train
    from human2k.errors import InputError
    from human2k.images import write_png
    from human2k.synthetic import synth_sample

    fg, alpha = synth_sample(np.random.default_rng(0), (64, 64))
    write_png(tmp_path / "data" / "fg" / "a.png", fg)
    write_png(tmp_path / "data" / "alpha" / "a.png", alpha)
    with pytest.raises(InputError, match=r"timinet: ASPP.*batch size >= 2"):
        train("timinet", tmp_path / "data", tmp_path / "run", epochs=1, batch_size=1, crop=64)


def test_recipe_defaults_follow_the_recipe_and_the_training_set(tree, tmp_path, tiny, one_thread):
    import shutil

    d646 = tmp_path / "d646"
    shutil.copytree(tree, d646)
    (d646 / "manifest.json").write_text('{"dataset": "d646"}')
    paper = train(tiny, d646, tmp_path / "p", recipe="paper", epochs=1, crop=64, limit_samples=16)
    start = json.loads(paper.log.read_text().splitlines()[0])
    cfg = start["config"]
    assert (cfg["batch_size"], cfg["clip_grad"], cfg["milestones"]) == (16, False, "d646")
    assert cfg["milestones_source"] == "dataset:d646"
    assert (cfg["pairing"], cfg["bg_per_fg"]) == ("random", 80)
    assert start["samples"]["bg_per_fg_source"] == "dataset:d646"
    assert any("1:100" in d for d in start["recipe_departures"])
    gca = train(tiny, d646, tmp_path / "g", recipe="gca", epochs=1, crop=64)
    cfg = json.loads(gca.log.read_text().splitlines()[0])["config"]
    assert (cfg["batch_size"], cfg["clip_grad"], cfg["pairing"]) == (10, True, "gca")
    assert cfg["samples_per_epoch"] == 12 and cfg["bg_per_fg"] is None  # one epoch = 12 bgs
