"""Gradient explorer: move a point with sliders and watch f, f', f'' (by composing
``mx.grad``), the tangent line and a finite-difference check; for two variables, a
contour plot with the gradient field and the gradient at a movable point."""

from __future__ import annotations

import base64

import numpy as np

import lumex.core as mx

from .._theme import figure_png, figure_svg
from ._figure import new_figure


def _scalar(x) -> float:
    return float(np.asarray(x))


class GradientExplorer:
    """``GradientExplorer(f, x0)`` for ``f: R -> R``; ``GradientExplorer(f, (x0, y0))``
    for ``f(x, y) -> R``. ``.widget`` is the ipywidgets UI; ``.values`` holds the numbers
    for the current point (updated whenever a slider moves)."""

    def __init__(self, fun, x0=0.5, *, lo=-3.0, hi=3.0, h=1e-3, points=121):
        self.fun = fun
        self.two_d = isinstance(x0, (tuple, list))
        self.lo, self.hi, self.points = lo, hi, points
        self.values: dict = {}
        if self.two_d:
            self.df = mx.grad(fun, argnums=(0, 1))
        else:
            self.df = mx.grad(fun)
            self.d2f = mx.grad(self.df)
        self._build(x0, h)

    # ---- numbers ------------------------------------------------------------
    def _curve(self, fn, xs) -> np.ndarray:
        """fn on a grid through vmap (one graph for all points)."""
        return np.asarray(mx.vmap(fn)(mx.array(xs.astype(np.float32))), dtype=np.float64)

    def compute(self, x, y=None, h=None):
        h = h if h is not None else self.values.get("h", 1e-3)
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
        return self.values

    # ---- pictures -----------------------------------------------------------
    def figure(self):
        v = self.values
        if self.two_d:
            fig = new_figure(5.2, 4.4)
            ax = fig.add_subplot()
            g = np.linspace(self.lo, self.hi, 41, dtype=np.float32)
            X, Y = np.meshgrid(g, g)
            inner = mx.vmap(self.fun, in_axes=(0, 0))
            Z = np.asarray(inner(mx.array(X.ravel()), mx.array(Y.ravel()))).reshape(X.shape)
            ax.contourf(X, Y, Z, levels=20, cmap="viridis")
            q = g[::5]
            QX, QY = np.meshgrid(q, q)
            gx, gy = mx.vmap(self.df, in_axes=(0, 0))(mx.array(QX.ravel()), mx.array(QY.ravel()))
            ax.quiver(QX, QY, np.asarray(gx).reshape(QX.shape), np.asarray(gy).reshape(QX.shape),
                      color="white", alpha=0.7)
            ax.plot([v["x"]], [v["y"]], "o", color="#d6336c")
            ax.annotate("", xy=(v["x"] + 0.3 * v["grad"][0], v["y"] + 0.3 * v["grad"][1]),
                        xytext=(v["x"], v["y"]), arrowprops={"color": "#d6336c", "width": 2})
            ax.set_title(f"f={v['f']:.4g}  ∇f=({v['grad'][0]:.4g}, {v['grad'][1]:.4g})")
            return fig
        fig = new_figure()
        ax = fig.add_subplot()
        xs = np.linspace(self.lo, self.hi, self.points)
        for fn, label in ((self.fun, "f"), (self.df, "f′ = grad(f)"), (self.d2f, "f″ = grad(grad(f))")):
            ax.plot(xs, self._curve(fn, xs), label=label)
        x0, f0, d0 = v["x"], v["f"], v["df"]
        t = np.array([x0 - 1, x0 + 1])
        ax.plot(t, f0 + d0 * (t - x0), "--", color="gray", label="tangent")
        ax.plot([x0], [f0], "o", color="#d6336c")
        ax.axhline(0, color="gray", lw=0.5)
        ax.legend(loc="best", fontsize=8)
        ax.set_title(f"x={x0:.3g}: f={f0:.4g}, f′={d0:.4g}, f″={v['d2f']:.4g}; "
                     f"finite difference {v['fd']:.4g} (error {v['fd_error']:.1e})", fontsize=9)
        return fig

    def _text(self) -> str:
        v = self.values
        if self.two_d:
            return (f"f({v['x']:.3g}, {v['y']:.3g}) = {v['f']:.6g}; grad = ({v['grad'][0]:.6g}, "
                    f"{v['grad'][1]:.6g}); finite differences = ({v['fd'][0]:.6g}, {v['fd'][1]:.6g})")
        return (f"f = {v['f']:.6g}, f′ = {v['df']:.6g}, f″ = {v['d2f']:.6g}; "
                f"central difference (h={v['h']:.0e}) = {v['fd']:.6g}, |error| = {v['fd_error']:.2e}")

    # ---- widget -------------------------------------------------------------
    def _build(self, x0, h):
        import ipywidgets as W

        step = (self.hi - self.lo) / 200
        if self.two_d:
            self.sliders = [W.FloatSlider(value=x0[0], min=self.lo, max=self.hi, step=step, description="x"),
                            W.FloatSlider(value=x0[1], min=self.lo, max=self.hi, step=step, description="y")]
        else:
            self.sliders = [W.FloatSlider(value=x0, min=self.lo, max=self.hi, step=step, description="x")]
        self.h_slider = W.FloatLogSlider(value=h, base=10, min=-6, max=-1, description="h (FD)")
        self.label = W.HTML()
        self.image = W.HTML()  # the figure as inline SVG: follows the light/dark theme
        for s in [*self.sliders, self.h_slider]:
            s.observe(self.update, names="value")
        self.widget = W.VBox([W.HBox(self.sliders + [self.h_slider]), self.label, self.image])
        self.update()

    def update(self, _=None):
        args = [s.value for s in self.sliders]
        self.compute(*args, h=self.h_slider.value)
        self.label.value = f"<code>{self._text()}</code>"
        self.image.value = figure_svg(self.figure())

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["image/png"] = base64.b64encode(figure_png(self.figure())).decode()
        bundle["text/plain"] = f"GradientExplorer({self._text()})"
        return bundle


def gradient_explorer(fun, x0=0.5, **kwargs) -> GradientExplorer:
    return GradientExplorer(fun, x0, **kwargs)
