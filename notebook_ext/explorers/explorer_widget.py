"""The gradient explorer's front end (an anywidget, ``static/explorer.js``). The kernel
sends the curves on the slider grid once, as float32 bytes; the browser redraws from
them as a slider moves and reports the position back (at most ten times a second)."""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .._esm import css, module
from ._params import parameter_names

# matplotlib's viridis at nine stops (0-255), for the 2-D filled contours.
VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
           [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]]


class GradientWidget(anywidget.AnyWidget):
    _esm = module("explorer.js")
    _css = css("explorer.css")

    spec = traitlets.Dict().tag(sync=True)
    curves = traitlets.Bytes().tag(sync=True)
    index = traitlets.List(traitlets.Int()).tag(sync=True)
    h = traitlets.Float(1e-3).tag(sync=True)

    def __init__(self, explorer):
        from .gradient import y_range

        self.following = False  # True while the kernel moves the point itself
        self.explorer = e = explorer
        names = parameter_names(e.fun, 2 if e.two_d else 1, lambda k: "xy"[k])
        spec = {"two_d": e.two_d, "names": names, "xs": [float(v) for v in e.xs],
                "colormap": VIRIDIS}
        if e.two_d:
            spec["ys"] = [float(v) for v in e.ys]
        else:
            spec["y_range"] = list(y_range(e.curves))
        super().__init__(spec=spec, curves=self._pack(), index=e.nearest(*_xy(e.values)), h=e.h)

    def _pack(self) -> bytes:
        e = self.explorer
        keys = ("f", "gx", "gy", "fdx", "fdy") if e.two_d else ("f", "df", "d2f", "fd")
        both = {**e.curves, **e.fd}
        return np.concatenate([np.asarray(both[k], np.float32).ravel() for k in keys]).tobytes()

    @traitlets.observe("index")
    def _moved(self, change):
        if self.following:
            return
        e = self.explorer
        e.compute(*e.point(change["new"]), h=e.h)

    @traitlets.observe("h")
    def _step(self, change):
        e = self.explorer
        e.h = float(change["new"])
        e.fd = e._differences(e.h)
        self.curves = self._pack()
        e.compute(*e.point(self.index), h=e.h)


def _xy(values):
    return (values["x"], values["y"]) if "y" in values else (values["x"],)
