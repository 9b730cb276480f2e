"""The Jacobian of a vector function as a heatmap, computed the way reverse mode builds
it: one ``vjp`` per output, batched by ``vmap`` over the rows of the identity
(``mx.vmap(lambda ct: mx.vjp(f, [x], [ct])[1][0])(mx.eye(m))``), beside a central
finite-difference Jacobian and their difference.

HTML tables (kept by sanitisers and nbconvert), each cell coloured by its value on a
scale symmetric about zero and titled with the exact numbers.
"""

from __future__ import annotations

import numpy as np

import lumex.core as mx

from ._html import esc, wrap
from .explorers._params import parameter_names

MAX_NUMBERS = 12  # larger matrices are drawn without the numbers in their cells


def _colour(v: float, scale: float) -> tuple[str, str]:
    """(background, text colour): blue below zero, red above, white at zero."""
    if not np.isfinite(v):
        return "#868e96", "#fff"
    t = max(-1.0, min(1.0, v / scale)) if scale else 0.0
    base = (214, 51, 108) if t > 0 else (28, 126, 214)
    a = abs(t)
    r, g, b = (round(255 + (c - 255) * a) for c in base)
    return f"rgb({r},{g},{b})", ("#fff" if a > 0.55 else "#212529")


def heatmap(m: np.ndarray, title: str, scale: float, rows: str, cols: str) -> str:
    numbers = max(m.shape) <= MAX_NUMBERS
    size = 34 if numbers else max(6, min(18, 420 // max(m.shape)))
    head = "".join(f'<th style="font-weight:normal">{j}</th>' for j in range(m.shape[1])) if numbers else ""
    body = []
    for i in range(m.shape[0]):
        cells = []
        for j in range(m.shape[1]):
            bg, ink = _colour(float(m[i, j]), scale)
            text = f"{m[i, j]:.2g}" if numbers else ""
            cells.append(f'<td title="[{i}, {j}] = {m[i, j]:.6g}" style="background:{bg};color:{ink};'
                         f'width:{size}px;height:{size * 0.6 if numbers else size}px;padding:0 2px;'
                         f'text-align:center;font-size:11px;white-space:nowrap">{text}</td>')
        label = f'<th style="font-weight:normal">{i}</th>' if numbers else ""
        body.append(f"<tr>{label}{''.join(cells)}</tr>")
    top = f"<tr><th></th>{head}</tr>" if numbers else ""
    return (f'<div style="display:inline-block;vertical-align:top;margin-right:18px">'
            f"<div><b>{esc(title)}</b></div><div class='lmx-muted'>rows: {esc(rows)}, columns: {esc(cols)}</div>"
            f'<table style="border-collapse:collapse">{top}{"".join(body)}</table></div>')


class JacobianView:
    """``jacobian`` (by vmap over vjp), ``finite_difference`` and ``max_error``;
    displays the three heatmaps."""

    def __init__(self, fun, x, h: float = 1e-3):
        x = x if isinstance(x, mx.array) else mx.array(x)
        if x.ndim != 1:
            raise ValueError(f"jacobian_explorer: x must be a vector (1-D array), got shape {tuple(x.shape)}")
        y = fun(x)
        if not isinstance(y, mx.array) or y.ndim > 1:
            raise ValueError("jacobian_explorer: f(x) must return a scalar or a vector (an array of ndim <= 1)")
        self.fun, self.x, self.h = fun, x, float(h)
        scalar = y.ndim == 0
        f = (lambda v: fun(v).reshape(1)) if scalar else fun
        m = 1 if scalar else y.shape[0]
        self.input_name = parameter_names(fun, 1, lambda k: "x")[0]

        def row(ct):
            return mx.vjp(f, [x], [ct])[1][0]

        self.jacobian = np.asarray(mx.vmap(row)(mx.eye(m, dtype=y.dtype)), dtype=np.float64)
        cols = []
        xs = np.asarray(x, dtype=np.float64)
        for j in range(x.shape[0]):
            e = np.zeros_like(xs)
            e[j] = self.h
            up = np.asarray(f(mx.array((xs + e).astype(np.float32))), np.float64)
            down = np.asarray(f(mx.array((xs - e).astype(np.float32))), np.float64)
            cols.append((up - down) / (2 * self.h))
        self.finite_difference = np.stack(cols, axis=1)
        self.error = np.abs(self.jacobian - self.finite_difference)
        self.max_error = float(self.error.max()) if self.error.size else 0.0
        scale = float(np.max(np.abs(self.jacobian))) if self.jacobian.size else 1.0
        self.tolerance = 1e-2 * max(scale, 1.0)

    @property
    def agrees(self) -> bool:
        return self.max_error <= self.tolerance

    def to_html(self) -> str:
        J, F = self.jacobian, self.finite_difference
        scale = float(np.max(np.abs(np.concatenate([J.ravel(), F.ravel()])))) or 1.0
        n = self.input_name
        rows, cols = "outputs f_i", f"inputs {n}_j"
        verdict = ("agree" if self.agrees else "DISAGREE") + f" (max |J − FD| = {self.max_error:.2e}, h = {self.h:g})"
        name = getattr(self.fun, "__name__", "f")
        head = (f"<div><b>Jacobian of {esc('f' if name == '<lambda>' else name)}</b> at {n} of shape "
                f"{tuple(self.x.shape)}: {J.shape[0]} × {J.shape[1]}; reverse mode and finite differences "
                f"{esc(verdict)}</div><div class='lmx-muted'><code>J = mx.vmap(lambda ct: mx.vjp(f, [{esc(n)}], "
                f"[ct])[1][0])(mx.eye({J.shape[0]}))</code>: one vjp per row, batched</div>")
        err_scale = float(self.error.max()) or 1.0
        return wrap(head + heatmap(J, "J by vmap(vjp)", scale, rows, cols)
                    + heatmap(F, "central finite difference", scale, rows, cols)
                    + heatmap(self.error, "|J − FD|", err_scale, rows, cols))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": f"JacobianView({self.jacobian.shape}, max |J - FD| = {self.max_error:.2e})",
                "text/html": self.to_html()}


def jacobian_explorer(fun, x, h: float = 1e-3) -> JacobianView:
    """The Jacobian of ``fun`` (vector -> vector, or scalar) at ``x`` as a heatmap,
    computed by ``mx.vmap`` over ``mx.vjp`` (one row per output), with a central
    finite-difference Jacobian (step ``h``) and their difference beside it."""
    return JacobianView(fun, x, h)
