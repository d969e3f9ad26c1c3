"""The backprop player: the step diagrams in one self-contained HTML page."""

from __future__ import annotations

import html
import json
import re
import textwrap
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..fileio import atomic_write, check_target
from .cells import DEFAULT_CELLS
from .diagram import Diagram, _html, _Scene, _scene
from .naming import _signal_words


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
.ef-player .ef-controls{display:flex;gap:8px;align-items:center;margin-bottom:6px;position:sticky;top:0;
background:#fff;z-index:1;padding:2px 0}
.ef-player input[type=range]{flex:1}
.ef-player .ef-counter{white-space:nowrap;min-width:8em}
.ef-player .ef-caption{min-height:3em;margin:4px 0 8px;line-height:1.4}
.ef-player .ef-frame{overflow:auto;max-height:85vh}
.ef-player .ef-frame svg{max-width:100%;height:auto}
.ef-player.ef-zoomed .ef-frame svg{max-width:none}
.ef-player .ef-frame text{font-family:Helvetica,sans-Serif}
.ef-player g.node.ef-cur a>:first-child{stroke:#7b1fa2;stroke-width:3px}
.ef-player g.edge.ef-cur>path:first-of-type{stroke:#7b1fa2;stroke-width:2.2px}
.ef-player g.edge.ef-cur>polygon:first-of-type{stroke:#7b1fa2;fill:#7b1fa2}
"""

# Binds every player on the page that is not bound yet, so two displays of the same player (identical HTML, no
# ids) each work on their own, also where a notebook runs the script away from its output (classic Jupyter).
_PLAYER_JS = """
(function () {
  var boxes = document.querySelectorAll(".ef-player");
  for (var b = 0; b < boxes.length; b++) { if (!boxes[b].dataset.ready) { bind(boxes[b]); } }
  function bind(box) {
  box.dataset.ready = "1";
  var data = JSON.parse(box.querySelector(".ef-data").textContent);
  var captions = data.captions, counters = data.counters, frames = box.querySelectorAll(".ef-frame");
  var slider = box.querySelector(".ef-slider"), caption = box.querySelector(".ef-caption");
  var prev = box.querySelector(".ef-prev"), next = box.querySelector(".ef-next");
  var counter = box.querySelector(".ef-counter"), zoom = box.querySelector(".ef-zoom");
  var current = 0, count = captions.length, parts = [], shown = [];
  if (data.shared) {
    var groups = frames[0].querySelectorAll("g.node, g.edge");
    for (var i = 0; i < groups.length; i++) { parts.push(groups[i]); shown.push("past"); }
    var past = parts.map(function (g) { return g.innerHTML; });
  }
  function state(element, step, i) {
    if (step <= -2) {  // forward step -2 - step: the nodes computed so far hold their values
      var known = data.forward[i], upto = -2 - step;
      return known === null || known < upto ? "forward" : known === upto ? "computed" : "unknown";
    }
    if (step < 0) { return "forward"; }
    return element < step ? "past" : element === step ? "current" : "future";
  }
  function show(k) {
    current = Math.max(0, Math.min(count - 1, k));
    if (data.shared) {
      var step = data.frames[current], focus = null;
      for (var i = 0; i < parts.length; i++) {
        var e = data.steps[i];
        if (e === null) { continue; }
        var s = state(e, step, i);
        if (s !== shown[i]) {
          var look = {current: "past", computed: "forward"}[s] || s;
          var was = {current: "past", computed: "forward"}[shown[i]] || shown[i];
          if (look !== was) {
            var markup = look === "past" ? null : data.variants[look][i];
            parts[i].innerHTML = markup === null || typeof markup !== "string" ? past[i] : markup;
            if (markup !== null && typeof markup !== "string") {  // [[element k inside, attribute, value], ...]
              var inside = parts[i].querySelectorAll("*");
              for (var d = 0; d < markup.length; d++) { inside[markup[d][0]].setAttribute(markup[d][1], markup[d][2]); }
            }
          }
          parts[i].classList.toggle("ef-cur", s === "current" || s === "computed");
          shown[i] = s;
        }
        var outlined = s === "current" || s === "computed";
        if (outlined && focus === null && parts[i].classList.contains("node")) { focus = parts[i]; }
      }
      if (focus && box.classList.contains("ef-zoomed")) { focus.scrollIntoView({block: "nearest", inline: "nearest"}); }
    } else {
      for (var j = 0; j < frames.length; j++) { frames[j].style.display = j === current ? "block" : "none"; }
    }
    slider.value = String(current);
    caption.textContent = captions[current];
    counter.textContent = counters[current];
    prev.disabled = current === 0;
    next.disabled = current === count - 1;
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  zoom.addEventListener("click", function () {
    var on = box.classList.toggle("ef-zoomed");
    zoom.textContent = on ? "Fit" : "1:1";
    show(current);
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
  });
  show(0);
  }
})();
"""

_ELEMENT = re.compile(r'<g id="(?:node|edge)\d+" class="(node|edge)">\n<title>(.*?)</title>\n')
_STEP_PREFIX = re.compile(r"^Step \d+ of \d+: ")
_IMAGES = (".pdf", ".gif", ".png")


def _elements(svg: str) -> list[tuple[str, str, str]]:
    """(class, title, inner markup) of each node and edge group of a Graphviz SVG, in document order."""
    matches = list(_ELEMENT.finditer(svg))
    out = []
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else svg.rindex("</g>\n</svg>")
        body = svg[match.start():end]
        body = body[: body.rindex("</g>")]  # drop the group's own closing tag (and the comment after it)
        inner = body[body.index(">") + 1:]
        out.append((match[1], html.unescape(match[2]), inner))
    return out


_SVG_WRAPPER = '<g xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</g>'


def _difference(past: str, other: str) -> str | list[list[Any]] | None:
    """How an element's markup in another state differs from its 'past' markup: ``None`` (not at all), the
    attributes that change (``[[k, name, value], ...]``: the k-th element inside, in document order — most often
    colours), or the whole markup when more than attributes differ.

    Attributes are named, not located in the text, so a page whose HTML is parsed and written out again (a docs
    site's notebook renderer reorders attributes) is restyled just the same."""
    if other == past:
        return None
    try:
        a, b = (ElementTree.fromstring(_SVG_WRAPPER.format(m)) for m in (past, other))
    except ElementTree.ParseError:
        return other
    old_elements, new_elements = list(a.iter())[1:], list(b.iter())[1:]
    if len(old_elements) != len(new_elements):
        return other
    changes: list[list[Any]] = []
    for k, (x, y) in enumerate(zip(old_elements, new_elements)):
        if x.tag != y.tag or (x.text or "") != (y.text or "") or (x.tail or "").strip() != (y.tail or "").strip():
            return other
        for name in x.attrib.keys() | y.attrib.keys():
            if x.attrib.get(name) != y.attrib.get(name):
                if name.startswith("{") or name not in x.attrib or name not in y.attrib:
                    return other  # a namespaced (xlink) or added/removed attribute: send the markup
                changes.append([k, name, y.attrib[name]])
    return sorted(changes) or None


class BackpropPlayer:
    """Step through backpropagation in a browser or notebook: Prev/Next buttons, a slider, a caption per step.

    Frame 0 is the forward pass (every node holds its value; arrows run the forward way, no gradient yet); frame k
    is backward step k (see :func:`steps`), and the counter and the caption count the steps the same way ("Step 3
    of 8"). With ``collapse=True`` the frames are the layer-level view (see :func:`draw`), one per layer.

    Made for networks of real size: the node-by-node frames share one SVG (Graphviz lays the graph out once and
    draws it in four states — forward, done, current, still to come — and each frame picks every element's state),
    so ``nn.MLP(2, [16, 16, 1])`` gives a page of a few MB in seconds. ``skip_leaves=True`` leaves out the steps of
    leaves (each leaf fills in when its last signal arrives); ``max_frames`` bounds the backward frames (the cut is
    said in a warning and in the last caption); ``forward_steps=True`` first steps through the forward pass, the
    values filling in node by node from the inputs ("Forward 2 of 3: −6 + b = 0.8814"). The "1:1" button shows the
    diagram at full size, scrolling to each step.

    Each caption says in words what the step does ("z₁⁽²⁾ receives 0.31, multiplies it by σ'(z₁⁽²⁾) = 0.25 and
    sends 0.078 to …"). The page is self-contained — inline SVG (rendered by ``dot -Tsvg``), plain HTML and a
    little JavaScript, no widget library — so it works in Jupyter (``_repr_html_``, also shown twice), in a notebook
    exported to HTML, and as a file (``save("backprop.html")``).
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
        skip_leaves: bool = False,
        max_frames: int | None = None,
        fontsize: float = 11,
        forward_steps: bool = False,
    ) -> None:
        if max_frames is not None and (isinstance(max_frames, bool) or not isinstance(max_frames, int)
                                       or max_frames < 2):
            raise ValueError(f"max_frames must be an int ≥ 2 (the forward pass and one step) or None, "
                             f"got {max_frames!r}")
        if forward_steps and collapse:
            raise ValueError("forward_steps=True steps node by node: it does not combine with collapse=True")
        options = {} if collapse else {"fontsize": fontsize}
        self._scene = _scene(root, params=params, model=model, max_nodes=max_nodes, rankdir=rankdir, legend=legend,
                             cells=cells, collapse=collapse, **options)
        scene = self._scene
        self._shared = isinstance(scene, _Scene)
        if skip_leaves and self._shared:
            indices = [k for k, step in enumerate(scene.trace.steps) if step.node._parents]
        else:
            indices = list(range(scene.total))
        self._cut = None
        if max_frames is not None and len(indices) + 1 > max_frames:
            self._cut = (max_frames - 1, len(indices))
            indices = indices[: max_frames - 1]
            warnings.warn(f"BackpropPlayer: {self._cut[1]} steps are more than max_frames={max_frames}; the player "
                          f"stops after step {self._cut[0]}. Pass skip_leaves=True, collapse=True (one frame per "
                          f"layer) or a larger max_frames to see them all.", stacklevel=2)
        self._indices = indices
        self._forward: list[Any] = []
        if forward_steps:
            self._forward = [n for n in scene.order if n._parents and id(n) in scene.kept]
        self._skip_leaves = bool(skip_leaves) and self._shared
        shown = len(indices)
        computed = len(self._forward)
        self.captions: list[str] = [self._forward_caption(j, node) for j, node in enumerate(self._forward)] + [
            scene.caption(-1)] + [
            _STEP_PREFIX.sub(f"Step {n} of {shown}: ", scene.caption(k), count=1)
            for n, k in enumerate(indices, start=1)
        ]
        """One sentence (or a few) per frame: the forward pass, then "Step k of N: …"."""
        if self._cut is not None:
            self.captions[-1] += (f" (The player stops here: {self._cut[1]} steps are more than max_frames allows; "
                                  "pass skip_leaves=True, collapse=True or a larger max_frames.)")
        self.counters: list[str] = [f"Forward {j} of {computed}" for j in range(1, computed + 1)] + [
            "Forward pass"] + [f"Step {n} of {shown}" for n in range(1, shown + 1)]
        """What the counter beside the slider reads on each frame (the same count as the captions)."""
        self._frames: list[Diagram] | None = None
        self._svgs: list[str] | None = None
        self._shared_svg: tuple[str, dict[str, Any]] | None = None

    def _forward_caption(self, j: int, node: Any) -> str:
        """Forward step ``j`` in words: the node's operation on its inputs (names, or values) and the result."""
        scene = self._scene

        def term(n: Any) -> str:
            return scene.names.get(id(n)) or _signal_words(n.data)

        args = [term(p) for p in node._parents]
        symbol = scene.op_text(node)
        if len(args) == 2 and node.op in ("add", "sub", "mul", "div", "pow", "matmul"):
            expr = f"{args[0]} {symbol} {args[1]}"
        elif len(args) == 1 and getattr(node, "const", None) is not None:
            expr = f"{symbol.replace(symbol.split()[-1], args[0])}" if symbol.split()[0][0].isdigit() \
                else f"{args[0]} {symbol}"
        elif len(args) == 1:
            expr = f"{symbol}({args[0]})"
        else:
            expr = f"{symbol} of {', '.join(args)}"
        name = scene.names.get(id(node))
        first = "The inputs and parameters hold their values. " if j == 0 else ""
        return (f"Forward {j + 1} of {len(self._forward)}: {first}{expr} = {_signal_words(node.data)}"
                + (f", the value of {name}." if name else "."))

    def __len__(self) -> int:
        return len(self.captions)

    @property
    def frames(self) -> list[Diagram]:
        """The diagrams, one per frame: the forward steps (``forward_steps=True``), the forward pass, then one per
        backward step shown (built when first asked for)."""
        if self._frames is None:
            shown, scene = len(self._indices), self._scene
            computing = [
                scene.diagram(flow=True, known={id(n) for n in self._forward[: j + 1]}, highlight={id(node)},
                              title=f"forward {j + 1} of {len(self._forward)}")
                for j, node in enumerate(self._forward)
            ]
            self._frames = computing + [self._scene.frame(-1, "forward pass")] + [
                self._scene.frame(k, f"backward step {n} of {shown}", **self._frame_options())
                for n, k in enumerate(self._indices, start=1)
            ]
        return self._frames

    def svgs(self) -> list[str]:
        """Each frame rendered to SVG text (cached): one ``dot`` run per frame, see :meth:`html` for the page."""
        if self._svgs is None:
            self._svgs = [_svg_body(frame.svg()) for frame in self.frames]
        return self._svgs

    def _states(self) -> tuple[str, ...]:
        """The pictures the shared SVG is drawn in: 'past' (the base), then the others the frames need."""
        return ("past", "forward", "future", *(("unknown",) if self._forward else ()))

    def _frame_options(self) -> dict[str, Any]:
        return {"skip_leaves": True} if self._skip_leaves else {}

    def _element_steps(self) -> dict[str, int]:
        """Graphviz node name → the step at which it is drawn as current (frames compare their step with it)."""
        scene = self._scene
        step_of = scene.step_of(self._skip_leaves)  # a skipped leaf fills in with the step of its last signal
        never = len(scene.trace.steps) + 1  # nodes the pass does not reach stay "still to come"
        return {vid: step_of.get(node_id, never) for node_id, vid in scene.ids.items()}

    def _shared_frames(self) -> tuple[str, dict[str, Any]]:
        """One SVG (the 'past' picture) and what each frame needs to restyle it: per element its step and its
        markup in the other states."""
        if self._shared_svg is None:
            def picture(state: str) -> str:
                svg = self._scene.diagram(flow=True, uniform=state).svg()
                return _svg_body(svg).replace(' font-family="Helvetica,sans-Serif"', "")

            states = self._states()
            with ThreadPoolExecutor(max_workers=len(states)) as pool:  # each state is one `dot` process
                pictures = dict(zip(states, pool.map(picture, states)))
            elements = {state: _elements(svg) for state, svg in pictures.items()}
            titles = [(kind, title) for kind, title, _ in elements["past"]]
            for state, found in elements.items():
                if [(kind, title) for kind, title, _ in found] != titles:
                    raise RuntimeError(f"the {state!r} picture has other elements than the 'past' one")
            step_of = self._element_steps()

            def step(kind: str, title: str) -> int | None:
                names = title.split("->") if kind == "edge" else [title]
                owner = next((n for n in names if n.endswith("op")), names[0])  # an edge belongs to its sender
                return step_of.get(owner[:-2] if owner.endswith("op") else owner)

            past = [inner for _, _, inner in elements["past"]]
            variants: dict[str, list[str | None]] = {}
            for state in self._states()[1:]:  # 'current' is 'past' outlined by a CSS class
                variants[state] = [_difference(past[i], inner) for i, (_, _, inner) in enumerate(elements[state])]
            data = {"shared": True, "steps": [step(kind, title) for kind, title in titles],
                    "frames": [-2 - j for j in range(len(self._forward))] + [-1, *self._indices],
                    "variants": variants}
            if self._forward:
                position = {self._scene.ids[id(n)]: j for j, n in enumerate(self._forward)}

                def computed(kind: str, title: str) -> int | None:
                    names = title.split("->") if kind == "edge" else [title]
                    owner = next((n for n in names if n.endswith("op")), names[0])
                    return position.get(owner[:-2] if owner.endswith("op") else owner)

                data["forward"] = [computed(kind, title) if data["steps"][i] is not None else None
                                   for i, (kind, title) in enumerate(titles)]
            self._shared_svg = (pictures["past"], data)
        return self._shared_svg

    def html(self) -> str:
        """The player as an HTML fragment (a ``<div>`` with its own style, data and script)."""
        data: dict[str, Any] = {"captions": self.captions, "counters": self.counters}
        if self._shared:
            svg, shared = self._shared_frames()
            data.update(shared)
            frames = f'<div class="ef-frame" data-frame="shared">{svg}</div>'
        else:
            data["shared"] = False
            frames = "\n".join(
                f'<div class="ef-frame" data-frame="{k}" style="display:{"block" if k == 0 else "none"}">{svg}</div>'
                for k, svg in enumerate(self.svgs())
            )
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        last = len(self) - 1
        return f"""<div class="ef-player" tabindex="0">
<style>{_PLAYER_CSS}</style>
<div class="ef-controls">
<button type="button" class="ef-prev" disabled>◀ Prev</button>
<input type="range" class="ef-slider" min="0" max="{last}" step="1" value="0" aria-label="step">
<button type="button" class="ef-next"{" disabled" if last == 0 else ""}>Next ▶</button>
<span class="ef-counter">{self.counters[0]}</span>
<button type="button" class="ef-zoom" title="full size / fit to the window">1:1</button>
</div>
<p class="ef-caption">{_html(self.captions[0])}</p>
{frames}
<script type="application/json" class="ef-data">{payload}</script>
<script>{_PLAYER_JS}</script>
</div>"""

    def _repr_html_(self) -> str:
        return self.html()

    def page(self) -> str:
        """A complete HTML page with the player (what :meth:`save` writes)."""
        return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>errorflow: backpropagation step by step</title>\n</head>\n<body>\n"
                f"{self.html()}\n</body>\n</html>\n")

    def save(self, path: str | Path, *, dpi: float = 110, duration: float = 1.5) -> Path:
        """Write the player to ``path``, creating missing directories; returns the path. By the suffix:

        * ``.pdf`` — one page per frame, its caption on top (for slides and printouts where scripts do not run);
        * ``.gif`` or ``.png`` (an animated PNG) — the frames as an animation, ``duration`` seconds each;
        * anything else (``.html``) — :meth:`page`, the interactive player (UTF-8).

        The static exports render every frame with Graphviz at ``dpi`` (one ``dot`` run per frame: bound a big
        graph with ``max_frames``, ``skip_leaves`` or ``collapse``). Written by :func:`autodiff.fileio.atomic_write`:
        a failure leaves the previous file as it was.
        """
        suffix = Path(path).suffix.lower()
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
            raise ValueError(f"duration must be a positive number of seconds per frame, got {duration!r}")
        example = f"steps{suffix}" if suffix in _IMAGES else "steps.html"
        check_target(path, make_parents=True, example=example)  # refuse before rendering every frame
        data = self._images(suffix, dpi=dpi, duration=duration) if suffix in _IMAGES else self.page()
        atomic_write(path, data, make_parents=True, example=example)
        return Path(path)

    def _images(self, suffix: str, *, dpi: float, duration: float) -> bytes:
        """The frames rendered as images, each titled with its counter and caption, in one PDF, GIF or APNG."""
        import io

        from PIL import Image

        images = []
        for frame, counter, caption in zip(self.frames, self.counters, self.captions):
            titled = frame.copy()
            words = caption if caption.startswith(counter) else f"{counter}: {caption}"
            text = "".join(line + "\\l" for line in textwrap.wrap(words, 110))  # \l: a left-justified line
            titled.attr(label=text, labelloc="t", labeljust="l", fontsize="13")
            images.append(Image.open(io.BytesIO(titled.file_bytes("frame.png", dpi=dpi))).convert("RGB"))
        width, height = max(i.width for i in images), max(i.height for i in images)
        pages = []
        for image in images:  # one size for every frame: the animation must not jump
            page = Image.new("RGB", (width, height), "white")
            page.paste(image, (0, 0))
            pages.append(page)
        out = io.BytesIO()
        first, rest = pages[0], pages[1:]
        if suffix == ".pdf":
            first.save(out, format="PDF", save_all=True, append_images=rest, resolution=float(dpi))
        else:
            first.save(out, format="GIF" if suffix == ".gif" else "PNG", save_all=True, append_images=rest,
                       duration=int(duration * 1000), loop=0)
        return out.getvalue()
