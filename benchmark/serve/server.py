"""Run the website: Gradio mounted on a FastAPI app served by uvicorn, offline and quiet.

:func:`serve` sets the environment so that nothing phones home (Gradio analytics and version
check off, Hugging Face Hub offline and without telemetry, no SSR node server, no MCP server,
no run history, no share tunnel), puts Gradio's upload cache under ``DATA_DIR/cache``, blocks
every hidden-GT benchmark folder from Gradio's file route, and adds one route of its own:
``/report/{key}``, the HTML report of a run of the leaderboards tab (by key, never by path;
served with a Content-Security-Policy that allows only its inline images and styles).

It binds to 127.0.0.1 unless another host is given. The access log is off and nothing the
user sends (names, links, files) is logged beyond the one-line summaries of
:mod:`benchmark.serve.handlers`.

Example:
    >>> OFFLINE_ENV["GRADIO_ANALYTICS_ENABLED"], OFFLINE_ENV["HF_HUB_OFFLINE"]
    ('False', '1')
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from benchmark.serve.handlers import ServeConfig, ServeContext
from benchmark.serve.leaderboard_view import REPORT_ROUTE

__all__ = ["configure_environment", "create_web_app", "serve", "OFFLINE_ENV"]

log = logging.getLogger("mattebench.serve")

#: Environment that keeps Gradio and huggingface_hub from contacting any server.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_SSR_MODE": "False",
    "GRADIO_MCP_SERVER": "False",
    "GRADIO_RUN_HISTORY": "False",
    "GRADIO_SHARE": "False",
}
_KEY = re.compile(r"^[0-9a-f]{16}$")
_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def configure_environment(data_dir: str | os.PathLike) -> dict[str, str]:
    """Set :data:`OFFLINE_ENV` and ``GRADIO_TEMP_DIR=DATA_DIR/cache`` (before Gradio is imported)."""
    os.environ.update(OFFLINE_ENV)
    cache = Path(data_dir).resolve() / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(cache)
    return dict(os.environ)


def create_web_app(ctx: ServeContext):
    """The FastAPI app: ``/report/{key}`` and the Gradio page at ``/``."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, PlainTextResponse
    from PIL import Image

    from benchmark.serve.app import build_app
    from human2k.errors import MattebenchError

    biggest = max([ctx.limits.max_matte_pixels, *(b.max_pixels for b in ctx.benchmarks.values())])
    Image.MAX_IMAGE_PIXELS = biggest  # PIL refuses images over twice this, whoever opens them
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(REPORT_ROUTE + "{key}")
    def report(key: str):
        if ctx.results is None or not _KEY.match(key):
            return PlainTextResponse("no such report", status_code=404)
        try:
            text = ctx.results.report(key)
        except MattebenchError as exc:
            return PlainTextResponse(str(exc), status_code=404)
        return HTMLResponse(text, headers={"Content-Security-Policy": _REPORT_CSP})

    blocked = [str(b.root.resolve()) for b in ctx.benchmarks.values()]
    blocked.append(str(ctx.store.path.resolve()))
    return gr.mount_gradio_app(
        app,
        build_app(ctx),
        path="/",
        footer_links=["api"],
        run_history=False,
        blocked_paths=blocked,
        show_error=False,
        max_file_size=ctx.limits.max_upload_bytes,
        ssr_mode=False,
        enable_monitoring=False,
        pwa=False,
        mcp_server=False,
    )


def serve(config: ServeConfig, *, host: str = "127.0.0.1", port: int = 7860, on_ready=None) -> None:
    """Load everything, then serve until interrupted (SIGINT/SIGTERM stop it cleanly).

    Args:
        config: what to serve.
        host: address to bind (127.0.0.1: this machine only).
        port: TCP port.
        on_ready: called with the :class:`ServeContext` once loaded, before the server starts.
    """
    configure_environment(config.data_dir)
    import uvicorn

    ctx = ServeContext(config)
    if on_ready is not None:
        on_ready(ctx)
    app = create_web_app(ctx)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
