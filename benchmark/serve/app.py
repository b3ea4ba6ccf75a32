"""The Gradio page: three tabs (Matting, Leaderboards, Evaluate) over :class:`ServeContext`.

Public API endpoints (``gradio_client``):

* ``/matte`` — ``(image, trimap, model, quantize_trimap=False) -> alpha PNG``;
* ``/evaluate`` — ``(benchmark, zip_file, name, publish, method="", link="") -> scores table``
  (per image and a final mean row, stored DIM scales as ``mattebench eval``);
* ``/leaderboard`` — ``(benchmark) -> published submissions``, best SAD first.

Every other event is private to the page. Library errors are shown as one line (HTML-escaped);
any other exception is logged on the server and answered with a generic line, and Gradio's
``show_error`` stays off, so no traceback or server path reaches a user. Heavy events run in
two queues (matting, evaluation), each ``limits.concurrency`` at a time (1 by default).

Example:
    >>> import tempfile
    >>> from benchmark.serve.handlers import ServeConfig, ServeContext
    >>> blocks = build_app(ServeContext(ServeConfig(data_dir=tempfile.mkdtemp())))  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import logging
import re

import gradio as gr

from benchmark.serve.handlers import ServeContext, empty_scores_frame
from benchmark.serve.leaderboard_view import REPORT_ROUTE
from benchmark.serve.matting import LAYERS
from human2k.errors import MattebenchError

__all__ = ["build_app", "user_errors", "safe_html", "PARAM_HINTS", "TITLE"]

log = logging.getLogger("mattebench.serve")

TITLE = "mattebench"
#: What the page says after a message about a library parameter (the CLI names its option).
PARAM_HINTS = {"trimap_quantize": "tick 'Quantize trimap'"}
_INTRO = (
    "# mattebench — trimap matting and hidden-GT evaluation\n"
    "Matte an image with any registered model, browse the leaderboards of scored runs, or "
    "score your predictions on a benchmark whose ground truth stays on this server "
    "(DIM MATLAB metrics, the code of `mattebench eval`)."
)
_CSS = "#mb-summary {min-height: 2em} footer {display: none !important}"


def safe_html(text: str) -> str:
    """TEXT unchanged unless it could be read as markup (a tag start ``<a``, ``</``, ``<!``,
    ``<?`` or an entity ``&``), then HTML-escaped: error modals render HTML, and file names
    come from users. The CLI's messages (``<85 to 0, >=170 to 255``) stay as they are.

    Example:
        >>> safe_html("values <85 to 0"), safe_html("upload/<img src=x>.png")
        ('values <85 to 0', 'upload/&lt;img src=x&gt;.png')
    """
    if re.search(r"<[A-Za-z/!?]|&", text):
        return html.escape(text, quote=False)
    return text


def user_errors(fn):
    """Show library errors as one escaped line; log anything else and show a generic line."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MattebenchError as exc:
            text = str(exc)
            hint = PARAM_HINTS.get(getattr(exc, "param", None) or "")
            if hint:
                text += f" ({hint})"
            raise gr.Error(safe_html(text), print_exception=False) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error("internal error (logged on the server)", print_exception=False) from None

    return wrapper


def _matting_tab(ctx: ServeContext) -> None:
    labels = ctx.model_labels()
    with gr.Row():
        with gr.Column():
            image = gr.Image(
                type="filepath",
                label="Image",
                sources=["upload", "clipboard"],
                height=360,
                elem_id="mb-image",
            )
            model = gr.Dropdown(
                labels,
                value="closed_form" if "closed_form" in labels else labels[0],
                label="Model",
                elem_id="mb-model",
            )
            quantize = gr.Checkbox(
                False,
                label="Quantize trimap (<85 → 0, ≥170 → 255, else 128)",
                elem_id="mb-quantize",
            )
            run = gr.Button("Matte", variant="primary", elem_id="mb-run")
        with gr.Column():
            trimap = gr.Image(
                type="filepath",
                label="Trimap (0 background, 128 unknown, 255 foreground)",
                sources=["upload", "clipboard"],
                height=360,
                elem_id="mb-trimap",
            )
            with gr.Accordion("…or draw the trimap on the image", open=False):
                editor = gr.ImageEditor(
                    type="numpy",
                    image_mode="RGBA",
                    sources=(),
                    layers=gr.LayerOptions(layers=list(LAYERS), allow_additional_layers=False),
                    brush=gr.Brush(colors=["#ff3b30"], color_mode="fixed"),
                    transforms=(),
                    label="Paint each layer: background, foreground, unknown",
                    elem_id="mb-editor",
                )
                unpainted = gr.Radio(
                    ["unknown", "background"], value="unknown", label="Unpainted pixels are"
                )
                from_drawing = gr.Button("Use the drawing as trimap")
            with gr.Accordion("…or build it from a coarse mask", open=False):
                mask = gr.Image(
                    type="filepath", label="Coarse mask (≥128 = foreground)", sources=["upload"]
                )
                width = gr.Slider(1, 101, value=15, step=2, label="Unknown band width (px)")
                from_mask = gr.Button("Use the mask as trimap")
    with gr.Row():
        with gr.Column():
            alpha = gr.Image(
                type="filepath",
                format="png",
                label="Alpha",
                interactive=False,
                buttons=["download", "fullscreen"],
                height=360,
                elem_id="mb-alpha",
            )
            alpha_file = gr.File(label="Alpha PNG", interactive=False, elem_id="mb-alpha-file")
        with gr.Column():
            composite = gr.Image(
                type="filepath",
                format="png",
                label="Foreground composite",
                interactive=False,
                buttons=["download", "fullscreen"],
                height=360,
                elem_id="mb-composite",
            )
            rgba_file = gr.File(label="RGBA cut-out PNG", interactive=False, elem_id="mb-rgba-file")
            with gr.Accordion("Composite background", open=False):
                colour = gr.ColorPicker("#00b140", label="Colour")
                background = gr.Image(
                    type="filepath", label="…or a background image", sources=["upload"]
                )
    summary = gr.Markdown(elem_id="mb-summary")
    info = gr.State()

    image.change(
        lambda p: {"background": p, "layers": [], "composite": p} if p else None,
        image,
        editor,
        api_visibility="private",
        queue=False,
    )
    common = {"api_visibility": "private", "concurrency_id": "matting"}
    from_drawing.click(
        user_errors(ctx.trimap_from_drawing), [editor, image, unpainted], trimap, **common
    )
    from_mask.click(user_errors(ctx.trimap_from_mask), [mask, width, image], trimap, **common)
    run.click(
        user_errors(ctx.matte),
        [image, trimap, model, quantize],
        [alpha, info],
        api_name="matte",
        concurrency_id="matting",
    ).success(
        user_errors(ctx.finish),
        [image, alpha, colour, background, info],
        [composite, alpha_file, rgba_file, summary],
        **common,
    )


def _leaderboards_tab(ctx: ServeContext) -> None:
    view = ctx.results
    if view is None:
        gr.Markdown("No results folder was given (start with `--results DIR`).")
        return
    choices = view.choices()
    first = choices[0][1] if choices else None
    table = gr.Dropdown(choices, value=first, label="Leaderboard (one per protocol)")
    caption = gr.Markdown()
    frame = gr.Dataframe(interactive=False, wrap=True, elem_id="mb-board")
    runs = gr.Dropdown([], label="Run record")
    record = gr.JSON(label="run.json")
    link = gr.Markdown()

    def show_table(slug):
        t = view.table(slug)
        types = [
            "markdown" if c == "Report" else "number" if t.frame[c].dtype.kind == "f" else "str"
            for c in t.frame.columns
        ]
        runs = view.run_labels(slug)
        return (
            t.caption,
            gr.Dataframe(value=t.styled(), datatype=types),
            gr.Dropdown(choices=runs, value=runs[0][1] if runs else None),
        )

    def show_run(key):
        if not key:
            return None, ""
        note = (
            f"[HTML report of this run]({REPORT_ROUTE}{key})"
            if view.has_report(key)
            else "No report: this run was scored on a hidden-GT benchmark."
        )
        return view.record(key), note

    private = {"api_visibility": "private", "queue": False}
    table.change(user_errors(show_table), table, [caption, frame, runs], **private)
    runs.change(user_errors(show_run), runs, [record, link], **private)
    return (table, show_table, [caption, frame, runs]) if first else None


def _evaluate_tab(ctx: ServeContext):
    names = ctx.benchmark_names()
    bench = gr.Dropdown(
        names, value=names[0] if names else None, label="Benchmark", elem_id="mb-bench"
    )
    about = gr.Markdown(ctx.describe(names[0] if names else ""))
    with gr.Row():
        zip_file = gr.File(
            file_types=[".zip"], label="Predictions (.zip of PNGs)", elem_id="mb-zip"
        )
        with gr.Column():
            name = gr.Textbox("", label="Submission name", max_length=80, elem_id="mb-name")
            method = gr.Textbox("", label="Method (optional)", max_length=200)
            link = gr.Textbox("", label="Link (optional, http/https)", max_length=300)
            publish = gr.Checkbox(False, label="Publish on the leaderboard", elem_id="mb-publish")
    go = gr.Button("Evaluate", variant="primary", elem_id="mb-evaluate")
    scores = gr.Dataframe(
        empty_scores_frame(),
        label="Scores (stored DIM scales)",
        interactive=False,
        elem_id="mb-scores",
    )
    board = gr.Dataframe(
        ctx.leaderboard(names[0]) if names else None,
        label="Leaderboard (published submissions)",
        interactive=False,
        elem_id="mb-submissions",
    )

    def evaluate(benchmark, zip_file, name, publish, method="", link=""):
        frame, sid = ctx.evaluate(benchmark, zip_file, name, publish, method, link)
        if sid is not None:
            gr.Info(f"Published as submission #{sid}.")
        return frame

    private = {"api_visibility": "private", "queue": False}
    bench.change(user_errors(ctx.describe), bench, about, **private)
    bench.change(user_errors(ctx.leaderboard), bench, board, api_name="leaderboard", queue=False)
    go.click(
        user_errors(evaluate),
        [bench, zip_file, name, publish, method, link],
        scores,
        api_name="evaluate",
        concurrency_id="evaluation",
    ).success(user_errors(ctx.leaderboard), bench, board, **private)
    return bench, board


def build_app(ctx: ServeContext) -> gr.Blocks:
    """The page (not launched): tabs, events and the queue (see the module docstring)."""
    limit = ctx.limits.concurrency
    with gr.Blocks(
        title=TITLE, analytics_enabled=False, delete_cache=(1800, 3600), fill_width=True
    ) as blocks:
        gr.Markdown(_INTRO)
        with gr.Tab("Matting", id="matting"):
            _matting_tab(ctx)
        with gr.Tab("Leaderboards", id="leaderboards"):
            boards = _leaderboards_tab(ctx)
        with gr.Tab("Evaluate", id="evaluate"):
            bench, board = _evaluate_tab(ctx)
        if boards:
            table, show_table, outputs = boards
            blocks.load(
                user_errors(show_table), table, outputs, api_visibility="private", queue=False
            )
        if ctx.benchmark_names():
            blocks.load(
                user_errors(ctx.leaderboard), bench, board, api_visibility="private", queue=False
            )
    blocks.queue(default_concurrency_limit=limit, api_open=False, max_size=64)
    return blocks
