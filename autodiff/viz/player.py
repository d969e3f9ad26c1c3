"""The backprop player: the step diagrams in one self-contained HTML page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..fileio import atomic_write, check_target
from .cells import DEFAULT_CELLS
from .diagram import Diagram, _html, _scene


def _svg_body(svg: str) -> str:
    """Drop the XML prolog and doctype so the SVG can sit inline in HTML; make hidden labels truly invisible.

    Graphviz writes the colour "transparent" of a label still to come as the near-white ``#fffffe``, which would
    still cover the lines it crosses; ``fill="none"`` draws nothing.
    """
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return svg.replace('fill="#fffffe"', 'fill="none"')


_PLAYER_CSS = """
.ef-player{font-family:Helvetica,Arial,sans-serif;max-width:100%;border:1px solid #ddd;border-radius:6px;padding:8px}
.ef-player .ef-controls{display:flex;gap:8px;align-items:center;margin-bottom:6px}
.ef-player input[type=range]{flex:1}
.ef-player .ef-caption{min-height:3em;margin:4px 0 8px;line-height:1.4}
.ef-player .ef-frame{overflow:auto}
.ef-player .ef-frame svg{max-width:100%;height:auto}
"""

_PLAYER_JS = """
(function () {
  var box = document.getElementById("%(uid)s");
  if (!box || box.dataset.ready) { return; }
  box.dataset.ready = "1";
  var frames = box.querySelectorAll(".ef-frame");
  var captions = JSON.parse(box.querySelector(".ef-captions").textContent);
  var slider = box.querySelector(".ef-slider"), caption = box.querySelector(".ef-caption");
  var prev = box.querySelector(".ef-prev"), next = box.querySelector(".ef-next");
  var counter = box.querySelector(".ef-counter"), current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].style.display = i === current ? "block" : "none"; }
    slider.value = String(current);
    caption.textContent = captions[current];
    counter.textContent = (current + 1) + " / " + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
  });
  show(0);
})();
"""


class BackpropPlayer:
    """Step through backpropagation in a browser or notebook: Prev/Next buttons, a slider, a caption per step.

    Frame 0 is the graph after the forward pass; frame k is backward step k (see :func:`steps`); with
    ``collapse=True`` the frames are the layer-level view (see :func:`draw`), one per layer. Each caption
    says in words what the step does ("z₁⁽²⁾ receives 0.31, multiplies it by σ'(z₁⁽²⁾) = 0.25 and sends 0.078 to
    …"). The page is self-contained — inline SVG (rendered by ``dot -Tsvg``), plain HTML and a little JavaScript, no
    widget library — so it works in Jupyter (``_repr_html_``), in a notebook exported to HTML, and as a file
    (``save("backprop.html")``).
    """

    def __init__(
        self,
        root: Any,
        *,
        rankdir: str = "LR",
        max_nodes: int | None = 200,
        params: Iterable[Any] | None = None,
        model: Any = None,
        legend: bool = True,
        cells: int = DEFAULT_CELLS,
        collapse: bool = False,
    ) -> None:
        self._scene = _scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend,
                             cells=cells, collapse=collapse)
        total = self._scene.total
        self.frames: list[Diagram] = [
            self._scene.frame(k, "after the forward pass" if k < 0 else f"backward step {k + 1} of {total}")
            for k in range(-1, total)
        ]
        """The diagrams: frame 0 before backpropagation, then one per step."""
        self.captions: list[str] = [self._scene.caption(k) for k in range(-1, total)]
        """One sentence (or a few) per frame."""
        self._svgs: list[str] | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def svgs(self) -> list[str]:
        """Each frame rendered to SVG text (cached)."""
        if self._svgs is None:
            self._svgs = [_svg_body(frame.svg()) for frame in self.frames]
        return self._svgs

    def html(self) -> str:
        """The player as an HTML fragment (a ``<div>`` with its own style and script)."""
        svgs = self.svgs()
        uid = "ef-" + hashlib.sha1("".join(self.captions).encode() + str(len(svgs)).encode()).hexdigest()[:12]
        captions = json.dumps(self.captions).replace("</", "<\\/")
        frames = "\n".join(
            f'<div class="ef-frame" data-frame="{k}" style="display:{"block" if k == 0 else "none"}">{svg}</div>'
            for k, svg in enumerate(svgs)
        )
        last = len(svgs) - 1
        return f"""<div class="ef-player" id="{uid}" tabindex="0">
<style>{_PLAYER_CSS}</style>
<div class="ef-controls">
<button type="button" class="ef-prev" disabled>◀ Prev</button>
<input type="range" class="ef-slider" min="0" max="{last}" step="1" value="0" aria-label="step">
<button type="button" class="ef-next"{" disabled" if last == 0 else ""}>Next ▶</button>
<span class="ef-counter">1 / {len(svgs)}</span>
</div>
<p class="ef-caption">{_html(self.captions[0])}</p>
{frames}
<script type="application/json" class="ef-captions">{captions}</script>
<script>{_PLAYER_JS % {"uid": uid}}</script>
</div>"""

    def _repr_html_(self) -> str:
        return self.html()

    def page(self) -> str:
        """A complete HTML page with the player (what :meth:`save` writes)."""
        return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>errorflow: backpropagation step by step</title>\n</head>\n<body>\n"
                f"{self.html()}\n</body>\n</html>\n")

    def save(self, path: str | Path) -> Path:
        """Write :meth:`page` (UTF-8) to ``path``, creating missing directories; returns the path.

        Written by :func:`autodiff.fileio.atomic_write`: a failure leaves the previous file as it was.
        """
        check_target(path, make_parents=True, example="steps.html")  # refuse before rendering every frame
        atomic_write(path, self.page(), make_parents=True, example="steps.html")
        return Path(path)
