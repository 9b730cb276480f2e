"""Gradient explorer: move a point with sliders and watch f, f', f'' (by composing
``mx.grad``), the tangent line and a finite-difference check; for two variables, the
function as filled contours with the gradient field and the gradient at a movable point.

Every slider position is a point of a grid the kernel evaluates once (through
``mx.vmap``), so the browser redraws from numbers it already has: no kernel round trip
while a slider moves. The grid is laid through the start point, so the explorer opens
exactly there. The saved notebook keeps a static picture of the start point.
"""

from __future__ import annotations

import math

import numpy as np

import lumex.core as mx

from .._bundle import with_widget
from .._html import data_uri, esc, wrap
from ._figure import new_figure, svg

STEPS = 200  # slider positions across [lo, hi] in 1-D
STEPS_2D = 100  # per axis in 2-D (101 x 101 points)


def _scalar(x) -> float:
    return float(np.asarray(x))


def grid_through(x0: float, lo: float, hi: float, steps: int) -> tuple[np.ndarray, int]:
    """Points ``x0 + k * step`` covering [lo, hi] (widened to hold x0), and the index of
    x0, which is on the grid exactly."""
    lo, hi = min(lo, x0), max(hi, x0)
    step = (hi - lo) / steps
    below = math.floor((x0 - lo) / step + 1e-9)
    above = math.floor((hi - x0) / step + 1e-9)
    k = np.arange(-below, above + 1, dtype=np.float64)
    xs = x0 + k * step
    xs[below] = x0
    return xs, below


def _finite(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return np.where(np.isfinite(v), v, np.nan)


class GradientExplorer:
    """``GradientExplorer(f, x0)`` for ``f: R -> R``; ``GradientExplorer(f, (x0, y0))``
    for ``f(x, y) -> R``. ``.widget`` is the interactive view; ``.values`` holds the
    numbers for the current point; ``.compute(x)`` (or ``compute(x, y)``) moves it."""

    def __init__(self, fun, x0=0.5, *, lo=-3.0, hi=3.0, h=1e-3, points=None):
        self.fun = fun
        self.two_d = isinstance(x0, (tuple, list))
        self.lo, self.hi = float(lo), float(hi)
        self.h = float(h)
        self.values: dict = {}
        if self.two_d:
            self.df = mx.grad(fun, argnums=(0, 1))
            steps = points or STEPS_2D
            self.xs, i0 = grid_through(float(x0[0]), self.lo, self.hi, steps)
            self.ys, j0 = grid_through(float(x0[1]), self.lo, self.hi, steps)
            self.start = [i0, j0]
        else:
            self.df = mx.grad(fun)
            self.d2f = mx.grad(self.df)
            self.xs, i0 = grid_through(float(x0), self.lo, self.hi, points or STEPS)
            self.start = [i0]
        self.curves = self._curves()
        self.fd = self._differences(self.h)
        self.compute(*self.point(self.start), h=self.h)
        self._widget = None

    # ---- numbers ------------------------------------------------------------
    def point(self, index) -> tuple:
        """The coordinates of grid position ``index`` (one int per variable)."""
        if self.two_d:
            return float(self.xs[index[0]]), float(self.ys[index[1]])
        return (float(self.xs[index[0]]),)

    def _grid_args(self, shift=(0.0, 0.0)):
        if not self.two_d:
            return [mx.array((self.xs + shift[0]).astype(np.float32))]
        X, Y = np.meshgrid(self.xs + shift[0], self.ys + shift[1], indexing="ij")
        return [mx.array(X.ravel().astype(np.float32)), mx.array(Y.ravel().astype(np.float32))]

    def _curves(self) -> dict:
        """f and its derivatives on the whole grid, one vmapped graph each."""
        args = self._grid_args()
        if self.two_d:
            f = mx.vmap(self.fun)(*args)
            gx, gy = mx.vmap(self.df)(*args)
            n = (len(self.xs), len(self.ys))
            return {k: _finite(np.asarray(v)).reshape(n) for k, v in
                    (("f", f), ("gx", gx), ("gy", gy))}
        return {"f": _finite(np.asarray(mx.vmap(self.fun)(*args))),
                "df": _finite(np.asarray(mx.vmap(self.df)(*args))),
                "d2f": _finite(np.asarray(mx.vmap(self.d2f)(*args)))}

    def _differences(self, h: float) -> dict:
        """Central differences with step ``h`` at every grid point."""
        f = mx.vmap(self.fun)
        if not self.two_d:
            up, down = f(*self._grid_args((h, 0))), f(*self._grid_args((-h, 0)))
            return {"fd": _finite((np.asarray(up, np.float64) - np.asarray(down, np.float64)) / (2 * h))}
        n = (len(self.xs), len(self.ys))
        out = {}
        for name, shift in (("fdx", (h, 0.0)), ("fdy", (0.0, h))):
            up = np.asarray(f(*self._grid_args(shift)), np.float64)
            down = np.asarray(f(*self._grid_args((-shift[0], -shift[1]))), np.float64)
            out[name] = _finite((up - down) / (2 * h)).reshape(n)
        return out

    def compute(self, x, y=None, h=None):
        """The numbers at ``x`` (and ``y``) with finite-difference step ``h``, computed
        at that exact point; also moves the widget's point to the nearest grid point."""
        h = float(h) if h is not None else self.h
        if self.two_d:
            X, Y = mx.array(float(x)), mx.array(float(y))
            f = _scalar(self.fun(X, Y))
            gx, gy = self.df(X, Y)
            fdx = (_scalar(self.fun(mx.array(x + h), Y)) - _scalar(self.fun(mx.array(x - h), Y))) / (2 * h)
            fdy = (_scalar(self.fun(X, mx.array(y + h))) - _scalar(self.fun(X, mx.array(y - h)))) / (2 * h)
            self.values = {"x": x, "y": y, "h": h, "f": f, "grad": (_scalar(gx), _scalar(gy)),
                           "fd": (fdx, fdy)}
        else:
            X = mx.array(float(x))
            f, d, d2 = _scalar(self.fun(X)), _scalar(self.df(X)), _scalar(self.d2f(X))
            fd = (_scalar(self.fun(mx.array(x + h))) - _scalar(self.fun(mx.array(x - h)))) / (2 * h)
            self.values = {"x": x, "h": h, "f": f, "df": d, "d2f": d2, "fd": fd,
                           "fd_error": abs(fd - d)}
        w = getattr(self, "_widget", None)
        if w is not None and not w.following:
            index = self.nearest(x, y)
            if list(w.index) != index:
                w.following = True  # the widget moves; these exact numbers stay
                try:
                    w.index = index
                finally:
                    w.following = False
        return self.values

    def nearest(self, x, y=None) -> list:
        i = [int(np.abs(self.xs - x).argmin())]
        if self.two_d:
            i.append(int(np.abs(self.ys - y).argmin()))
        return i

    def text(self) -> str:
        v = self.values
        if self.two_d:
            return (f"f({v['x']:.4g}, {v['y']:.4g}) = {v['f']:.6g}; grad = ({v['grad'][0]:.6g}, "
                    f"{v['grad'][1]:.6g}); central differences = ({v['fd'][0]:.6g}, {v['fd'][1]:.6g})")
        return (f"x = {v['x']:.4g}: f = {v['f']:.6g}, f′ = {v['df']:.6g}, f″ = {v['d2f']:.6g}; "
                f"central difference (h={v['h']:.0e}) = {v['fd']:.6g}, |error| = {v['fd_error']:.2e}")

    # ---- the static picture (saved notebooks) --------------------------------
    def figure(self):
        """A matplotlib figure of the current point (what a saved notebook shows)."""
        v = self.values
        if self.two_d:
            fig = new_figure(5.0, 4.2)
            ax = fig.add_subplot()
            c = self.curves
            ax.contourf(self.xs, self.ys, c["f"].T, levels=20, cmap="viridis")
            s = max(len(self.xs) // 10, 1)
            ax.quiver(self.xs[::s], self.ys[::s], c["gx"][::s, ::s].T, c["gy"][::s, ::s].T,
                      color="white", alpha=0.7)
            ax.plot([v["x"]], [v["y"]], "o", color="#d6336c")
            ax.annotate("", xy=(v["x"] + 0.3 * v["grad"][0], v["y"] + 0.3 * v["grad"][1]),
                        xytext=(v["x"], v["y"]), arrowprops={"color": "#d6336c", "width": 2})
            ax.set_xlim(self.xs[0], self.xs[-1])
            ax.set_ylim(self.ys[0], self.ys[-1])
            ax.set_xlabel("x")
            ax.set_ylabel("y")
            ax.set_title(f"f={v['f']:.4g}  ∇f=({v['grad'][0]:.4g}, {v['grad'][1]:.4g})", fontsize=10)
            return fig
        fig = new_figure(7.0, 3.4)
        ax = fig.add_subplot()
        for key, label in (("f", "f"), ("df", "f′ = grad(f)"), ("d2f", "f″ = grad(grad(f))")):
            ax.plot(self.xs, self.curves[key], label=label)
        lo_y, hi_y = y_range(self.curves)
        x0, f0, d0 = v["x"], v["f"], v["df"]
        t = np.array([self.xs[0], self.xs[-1]])
        ax.plot(t, f0 + d0 * (t - x0), "--", color="gray", label="tangent")
        ax.plot([x0], [f0], "o", color="#d6336c")
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_xlim(self.xs[0], self.xs[-1])
        ax.set_ylim(lo_y, hi_y)  # the whole curves, so moving the point never rescales
        ax.legend(loc="best", fontsize=8)
        ax.set_title(f"x={x0:.4g}: f={f0:.4g}, f′={d0:.4g}, f″={v['d2f']:.4g}", fontsize=10)
        return fig

    def to_html(self) -> str:
        img = data_uri(svg(self.figure()))
        return wrap(f"<div><code>{esc(self.text())}</code></div>"
                    f'<img alt="gradient explorer" src="{img}" style="max-width:100%">')

    # ---- widget -------------------------------------------------------------
    @property
    def widget(self):
        if self._widget is None:
            from .explorer_widget import GradientWidget

            self._widget = GradientWidget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        return with_widget({"text/plain": f"GradientExplorer({self.text()})",
                            "text/html": self.to_html()}, lambda: self.widget)


def y_range(curves: dict) -> tuple[float, float]:
    """A fixed vertical range holding the curves (their 1st-99th percentiles, so a pole
    does not flatten the rest)."""
    vals = np.concatenate([v[np.isfinite(v)] for v in curves.values()] or [np.zeros(1)])
    if vals.size == 0:
        return -1.0, 1.0
    lo, hi = np.percentile(vals, [1, 99])
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    return float(lo - pad), float(hi + pad)


def gradient_explorer(fun, x0=0.5, **kwargs) -> GradientExplorer:
    return GradientExplorer(fun, x0, **kwargs)
