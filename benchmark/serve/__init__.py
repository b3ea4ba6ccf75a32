"""``mattebench serve``: the online matting and hidden-GT evaluation website (Gradio).

The package is split by job; only :mod:`benchmark.serve.app` and :mod:`benchmark.serve.server`
import Gradio (the optional extra ``mattebench[serve]``), so the rest is plain library code that
tests and other tools can use without a web stack:

* :mod:`~benchmark.serve.limits`: upload, pixel and archive limits (one dataclass);
* :mod:`~benchmark.serve.zip_safety`: extracting a predictions zip without zip-slip, links
  or bombs;
* :mod:`~benchmark.serve.hidden_gt`: a benchmark whose GT alpha the server keeps private, and
  scoring an upload with the functions of ``mattebench eval``;
* :mod:`~benchmark.serve.store`: published submissions in SQLite (WAL);
* :mod:`~benchmark.serve.matting`: the matting tab: trimaps from drawings or masks, models,
  foreground and composites;
* :mod:`~benchmark.serve.leaderboard_view`: the leaderboards of a results folder as tables;
* :mod:`~benchmark.serve.app`: the Gradio layout; :mod:`~benchmark.serve.server`: the web
  server (Gradio mounted on FastAPI, plus the HTML report route).
"""
