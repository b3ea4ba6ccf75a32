"""The Gradio layer without a browser: public endpoints, error display, the report route."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("gradio", reason="needs the serve extra: pip install 'mattebench[serve]'")

from benchmark.serve.handlers import ServeConfig, ServeContext  # noqa: E402
from human2k.errors import InputError  # noqa: E402
from tests.benchmark.serve.helpers import make_benchmark  # noqa: E402
from tests.benchmark.test_report import make_dataset, make_run  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    from benchmark.serve.server import configure_environment

    saved = dict(os.environ)
    configure_environment(tmp / "data")
    try:
        from benchmark.serve.app import build_app
        from benchmark.serve.server import create_web_app

        split = make_benchmark(tmp / "bench", n=2)
        make_dataset(tmp / "ds", ["a_0"])
        make_run(tmp / "results", "a", ["a_0"], None, dataset_dir=tmp / "ds", seed=1)
        ctx = ServeContext(
            ServeConfig(data_dir=tmp / "data", results=tmp / "results", benchmarks=[split])
        )
        yield ctx, build_app(ctx), create_web_app(ctx)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_only_the_three_api_endpoints_are_public(built):
    _, blocks, _ = built
    named = blocks.get_api_info()["named_endpoints"]
    assert set(named) == {"/matte", "/evaluate", "/leaderboard"}
    assert [p["parameter_name"] for p in named["/matte"]["parameters"]] == [
        "image",
        "trimap",
        "model",
        "quantize_trimap",
    ]
    evaluate = [
        (p["parameter_name"], p["parameter_has_default"]) for p in named["/evaluate"]["parameters"]
    ]
    assert [n for n, _ in evaluate] == [
        "benchmark",
        "zip_file",
        "name",
        "publish",
        "method",
        "link",
    ]
    assert dict(evaluate)["method"] and dict(evaluate)["link"]
    assert blocks.analytics_enabled is False


def test_errors_are_one_escaped_line_and_internals_stay_hidden():
    import gradio as gr

    from benchmark.serve.app import safe_html, user_errors

    def bad_trimap():
        raise InputError("trimap", "values outside {0, 128, 255}: 102", param="trimap_quantize")

    with pytest.raises(gr.Error) as info:
        user_errors(bad_trimap)()
    assert info.value.message == (
        "trimap: values outside {0, 128, 255}: 102 (tick 'Quantize trimap')"
    )

    def crash():
        raise RuntimeError("/secret/path")

    with pytest.raises(gr.Error) as info:
        user_errors(crash)()
    assert "secret" not in info.value.message
    assert safe_html("a <b> & c") == "a &lt;b&gt; &amp; c"


def test_report_route_serves_runs_by_key_only(built):
    from fastapi.testclient import TestClient

    ctx, _, app = built
    key = next(iter(ctx.results.runs))
    client = TestClient(app)
    page = client.get(f"/report/{key}")
    assert page.status_code == 200 and "mattebench report" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/report/..%2f..%2fetc%2fpasswd").status_code == 404
    assert client.get("/report/0123456789abcdef").status_code == 404
    gt = ctx.benchmarks["tiny-test"].gt_dir / "fg0.png"
    assert client.get(f"/gradio_api/file={gt}").status_code in (403, 404)
