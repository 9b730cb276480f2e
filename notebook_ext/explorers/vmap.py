"""vmap explorer: for ``fun``, ``in_axes``, ``out_axes`` and inputs, show which slice
of each input every call sees, the per-call results, how the output is assembled along
``out_axes``, and a naive loop against ``mx.vmap`` (timing)."""

from __future__ import annotations

import time

import numpy as np

import lumex.core as mx

from .._html import esc, shape_text, tag, wrap
from ._params import parameter_names


def _axes(in_axes, n):
    return list(in_axes) if isinstance(in_axes, (tuple, list)) else [in_axes] * n


def _table(values: np.ndarray, axis, index) -> str:
    """A 0/1/2-D array as an HTML table, the slice ``index`` along ``axis`` highlighted."""
    v = np.asarray(values)
    if v.ndim > 2 or v.size > 400:
        return f"<div>{esc(shape_text(v.shape))} (too large to draw)</div>"
    grid = v.reshape((1, -1)) if v.ndim == 1 else v.reshape((1, 1)) if v.ndim == 0 else v
    rows = []
    for i in range(grid.shape[0]):
        cells = []
        for j in range(grid.shape[1]):
            hit = axis is not None and ((v.ndim == 1 and j == index) or
                                        (v.ndim == 2 and (i, j)[axis] == index))
            cls = ' class="lmx-hi"' if hit or axis is None else ""
            cells.append(f"<td{cls}>{grid[i, j]:.4g}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def speedup_text(loop: float, batched: float) -> str:
    """"3.0× faster batched" or "3.0× slower batched" (never "0.3× faster")."""
    loop, batched = max(loop, 1e-12), max(batched, 1e-12)
    if loop >= batched:
        return f"{loop / batched:.1f}× faster batched"
    return f"{batched / loop:.1f}× slower batched"


class VmapExplorer:
    """Explain ``mx.vmap(fun, in_axes, out_axes)(*inputs)`` call by call."""

    def __init__(self, fun, in_axes, out_axes, *inputs, repeats=5):
        self.fun, self.in_axes, self.out_axes = fun, in_axes, out_axes
        self.inputs = list(inputs)
        self.axes = _axes(in_axes, len(inputs))
        sizes = {x.shape[a] for x, a in zip(self.inputs, self.axes) if a is not None}
        if len(sizes) != 1:
            raise ValueError(f"vmap_explorer: inputs disagree on the batch size: {sorted(sizes)}")
        self.size = sizes.pop()
        self.np_inputs = [np.asarray(x) for x in self.inputs]
        self.names = parameter_names(fun, len(self.inputs), lambda k: f"x{k}")
        self.slices = [[self._slice(i, k) for k in range(len(self.inputs))] for i in range(self.size)]
        self.results = [np.asarray(fun(*[mx.array(s) for s in call])) for call in self.slices]
        self.assembled = np.stack(self.results, axis=out_axes)
        self.vmapped = np.asarray(mx.vmap(fun, in_axes=in_axes, out_axes=out_axes)(*self.inputs))
        self.matches = bool(np.allclose(self.assembled, self.vmapped, equal_nan=True))
        self.timing = self._time(repeats)
        self._build()

    def _slice(self, i, k):
        a = self.axes[k]
        x = self.np_inputs[k]
        return x if a is None else np.take(x, i, axis=a)

    def _time(self, repeats) -> dict:
        vf = mx.vmap(self.fun, in_axes=self.in_axes, out_axes=self.out_axes)

        # The loop gets its slices ready-made, so it is timed on calls and stacking only.
        calls = [[x if a is None else mx.array(self.slices[i][k])
                  for k, (x, a) in enumerate(zip(self.inputs, self.axes))] for i in range(self.size)]

        def loop():
            mx.eval(mx.stack([self.fun(*args) for args in calls], axis=self.out_axes))

        def batched():
            mx.eval(vf(*self.inputs))

        out = {}
        for name, fn in (("loop", loop), ("vmap", batched)):
            fn()
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t)
            out[name] = best
        return out

    def call_html(self, i: int) -> str:
        parts = [f"<div><b>call {i}</b> of {self.size}: "
                 f"<code>{esc(self.fun_name)}({', '.join(self._arg_text(k, i) for k in range(len(self.inputs)))})</code></div>"]
        cols = []
        for k, (x, a) in enumerate(zip(self.np_inputs, self.axes)):
            note = "whole input (in_axes None)" if a is None else f"slice {i} along axis {a}"
            cols.append(f"<td><div>{esc(self.names[k])} {esc(shape_text(x.shape))}: {esc(note)}</div>"
                        f"{_table(x, a, i)}</td>")
        r = self.results[i]
        cols.append(f"<td><div>result of call {i} {esc(shape_text(r.shape))}</div>{_table(r, None, 0)}</td>")
        cols.append(f"<td><div>output {esc(shape_text(self.assembled.shape))}: call {i} lands at index "
                    f"{i} of axis {self.out_axes}</div>{_table(self.assembled, self.out_axes, i)}</td>")
        t = self.timing
        foot = (f"<div>{tag('vmap result matches the stacked loop' if self.matches else 'MISMATCH')} "
                f"naive loop {t['loop'] * 1e3:.3f} ms, vmap {t['vmap'] * 1e3:.3f} ms "
                f"({esc(speedup_text(t['loop'], t['vmap']))})</div>")
        return wrap("".join(parts) + "<table><tr>" + "".join(cols) + "</tr></table>" + foot)

    @property
    def fun_name(self) -> str:
        name = getattr(self.fun, "__name__", "fun")
        return "fun" if name == "<lambda>" else name

    def _arg_text(self, k, i):
        """``row[1, :]`` for a batched input, ``b`` for a shared one."""
        a = self.axes[k]
        if a is None:
            return self.names[k]
        nd = self.np_inputs[k].ndim
        return f"{self.names[k]}[{', '.join(str(i) if d == a else ':' for d in range(nd))}]"

    def _build(self):
        import ipywidgets as W

        self.slider = W.IntSlider(value=0, min=0, max=self.size - 1, description="call")
        self.view = W.HTML(self.call_html(0))
        self.slider.observe(lambda ch: setattr(self.view, "value", self.call_html(ch["new"])), names="value")
        self.widget = W.VBox([self.slider, self.view])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.call_html(self.slider.value)
        bundle["text/plain"] = (f"VmapExplorer({self.size} calls, output {self.assembled.shape}, "
                                f"matches={self.matches})")
        return bundle


def vmap_explorer(fun, in_axes, out_axes, *inputs, **kwargs) -> VmapExplorer:
    return VmapExplorer(fun, in_axes, out_axes, *inputs, **kwargs)
