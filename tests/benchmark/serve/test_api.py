"""The server through its API (gradio_client), as a user's script would drive it: a real
``mattebench serve`` process on a free localhost port, stopped at the end of each test.

* ``/matte`` returns the alpha the library computes for the same files;
* ``/evaluate`` returns the numbers of ``mattebench eval`` on the same files, refuses a
  zip-slip archive, and answers wrong names / sizes / modes with the CLI's one-line messages
  (the server's paths replaced);
* a published submission survives a restart (SQLite in --data-dir);
* 20 concurrent ``/evaluate`` calls with 10-image zips queue, give identical scores, and keep
  the server's peak memory bounded (the peak is printed with ``-s``;
  MATTEBENCH_SERVE_LOAD_SIZE=HxW runs the same check on larger images).
"""

from __future__ import annotations

import csv
import math
import os
import re
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.models.registry import create_model
from benchmark.serve.matting import matte
from human2k.images import read_alpha, read_rgb, read_trimap, write_png
from tests.benchmark.serve.helpers import (
    make_benchmark,
    make_predictions,
    running_server,
    zip_files,
)

pytestmark = pytest.mark.slow
pytest.importorskip("gradio", reason="needs the serve extra: pip install 'mattebench[serve]'")
gradio_client = pytest.importorskip(
    "gradio_client", reason="needs the serve extra: pip install 'mattebench[serve]'"
)
from gradio_client import Client, handle_file  # noqa: E402


def _client(server, tmp_path) -> Client:
    return Client(server.url, verbose=False, download_files=str(tmp_path / "downloads"))


def _cli_error(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 1, res.output
    return res.output.strip().removeprefix("Error: ")


def _api_error(client: Client, *args) -> str:
    with pytest.raises(Exception) as info:  # gradio_client's AppError
        client.predict(*args, api_name="/evaluate")
    return str(info.value)


def _rows(table) -> dict[str, list[float]]:
    return {row[0]: [math.nan if v is None else float(v) for v in row[1:]] for row in table["data"]}


def test_matte_evaluate_errors_publish_and_restart(tmp_path):
    split = make_benchmark(tmp_path / "bench", n=10)
    pred_dir = tmp_path / "preds"
    preds = make_predictions(pred_dir, split)
    good = zip_files(tmp_path / "good.zip", preds, folder="preds/")
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as z:
        z.write(preds[0], "../../outside.png")

    # the CLI on the same files: the expected numbers and messages
    out_csv = tmp_path / "eval.csv"
    gt, tri = split / "alpha", split / "trimaps"
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "--pred",
            str(pred_dir),
            "--gt",
            str(gt),
            "--trimap",
            str(tri),
            "--out",
            str(out_csv),
        ],
    )
    assert res.exit_code == 0, res.output
    with open(out_csv) as fh:
        expected = {
            r["image"]: [float(r[m]) for m in ("sad", "mse", "grad", "conn")]
            for r in csv.DictReader(fh)
        }

    cases = {}  # a wrong name, a wrong size, a wrong mode: one folder and one zip each
    for case in ("name", "size", "mode"):
        folder = tmp_path / f"bad-{case}"
        files = make_predictions(folder, split)
        if case == "name":
            files[0].rename(folder / "not_a_test_image.png")
        elif case == "size":
            write_png(files[0], np.zeros((5, 7), np.uint8))
        else:
            rgb = np.zeros((24, 32, 3), np.uint8)
            rgb[..., 0] = 200
            write_png(files[0], rgb)
        cli_msg = _cli_error("eval", "--pred", str(folder), "--gt", str(gt), "--trimap", str(tri))
        expect = cli_msg.replace(str(folder), "upload").replace(str(tri), "tiny-test/trimaps")
        expect = expect.replace(str(gt), "[hidden GT]")
        cases[case] = (
            zip_files(tmp_path / f"bad-{case}.zip", sorted(folder.glob("*.png"))),
            expect,
        )

    image, trimap = split / "merged" / "fg0_0.png", tri / "fg0_0.png"
    want_alpha, _ = matte(create_model("closed_form"), read_rgb(image), read_trimap(trimap))
    data = tmp_path / "data"
    with running_server(data, "--benchmark", str(split), log=tmp_path / "server1.log") as server:
        client = _client(server, tmp_path)
        alpha = client.predict(
            handle_file(str(image)), handle_file(str(trimap)), "closed_form", api_name="/matte"
        )
        assert np.array_equal(read_alpha(alpha), want_alpha)

        table = client.predict(
            "tiny-test",
            handle_file(str(good)),
            "team A",
            True,
            "MyNet",
            "https://example.org",
            api_name="/evaluate",
        )
        rows = _rows(table)
        mean_row = rows.pop("mean (10 images)")
        assert rows == expected  # the same floats, bit for bit
        assert mean_row == pytest.approx(np.nanmean(list(expected.values()), axis=0).tolist())

        assert "zip-slip" in _api_error(client, "tiny-test", handle_file(str(slip)), "x", False)
        for case, (upload, message) in cases.items():
            got = _api_error(client, "tiny-test", handle_file(str(upload)), "x", False)
            assert got == message, case
            assert str(tmp_path) not in got
        log = server.log.read_text()
    assert str(gt) not in log and "example.org" not in log  # nothing private or user-given

    # restart on the same --data-dir: the submission is still there; then 20 concurrent calls
    with running_server(data, "--benchmark", str(split), log=tmp_path / "server2.log") as server:
        client = _client(server, tmp_path)
        board = client.predict("tiny-test", api_name="/leaderboard")
        _twenty_concurrent_evaluations(server, client, good, table)
    assert [r[1:4] for r in board["data"]] == [["team A", "MyNet", "https://example.org"]]
    assert board["data"][0][6] == pytest.approx(mean_row[0])


def _twenty_concurrent_evaluations(server, client, upload, first) -> None:
    """20 /evaluate calls at once: queued one at a time, identical scores, bounded memory."""
    idle_peak = server.peak_rss_mib()
    jobs = [
        client.submit("tiny-test", handle_file(str(upload)), "", False, api_name="/evaluate")
        for _ in range(20)
    ]
    results = [job.result(timeout=600) for job in jobs]
    peak = server.peak_rss_mib()
    assert all(r["data"] == first["data"] for r in results)
    print(
        f"\nserver peak RSS: {idle_peak:.0f} MiB before, {peak:.0f} MiB after 20 concurrent "
        f"/evaluate calls (10 images of {upload.stat().st_size} bytes zipped)"
    )
    assert peak - idle_peak < 256, (idle_peak, peak)


@pytest.mark.skipif(
    "MATTEBENCH_SERVE_LOAD_SIZE" not in os.environ,
    reason="a heavier load measurement: set MATTEBENCH_SERVE_LOAD_SIZE=HxW (e.g. 600x800)",
)
def test_load_with_larger_images(tmp_path):
    text = os.environ["MATTEBENCH_SERVE_LOAD_SIZE"]
    h, w = (int(v) for v in re.fullmatch(r"(\d+)x(\d+)", text).groups())
    split = make_benchmark(tmp_path / "bench", n=10, h=h, w=w)
    upload = zip_files(tmp_path / "preds.zip", make_predictions(tmp_path / "preds", split))
    with running_server(
        tmp_path / "data", "--benchmark", str(split), log=tmp_path / "s.log"
    ) as server:
        client = _client(server, tmp_path)
        first = client.predict(
            "tiny-test", handle_file(str(upload)), "", False, api_name="/evaluate"
        )
        _twenty_concurrent_evaluations(server, client, upload, first)
