"""Figures: image grids, a live training plot, and the book's figure style.

d2l's ``set_axes`` is reused as is; ``plot`` is d2l's, drawn in the book's style.
``use_svg_display`` makes figures with a white background (readable in dark mode),
fonts of at least 9 pt, shown as SVG (web) and PNG (PDF edition).
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from d2l import mxnet as d2l_mxnet
from d2l.mxnet import set_axes
from IPython import get_ipython
from IPython.display import DisplayHandle, display
from matplotlib import pyplot as plt
from matplotlib_inline import backend_inline

__all__ = [
    "FIGURE_STYLE",
    "TrainingPlot",
    "in_notebook",
    "plot",
    "set_axes",
    "set_figsize",
    "show_images",
    "use_svg_display",
]

FIGURE_STYLE = {
    "figure.facecolor": "white",  # opaque: readable on the theme's dark background
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "font.size": 10,  # points; no text below 9 pt
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
}
FIGURE_FORMATS = ("svg", "png")  # SVG for the web pages, PNG for the PDF edition


def in_notebook() -> bool:
    """Return True when running inside a Jupyter kernel (where figures can be shown)."""
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _select_formats() -> None:
    """Make IPython show figures as SVG and PNG (nothing to do outside IPython)."""
    if get_ipython() is not None:
        backend_inline.set_matplotlib_formats(*FIGURE_FORMATS)


def use_svg_display() -> None:
    """Draw figures in the book's style: white, fonts >= 9 pt, shown as SVG and PNG."""
    plt.rcParams.update(FIGURE_STYLE)
    _select_formats()


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Set the size of the figures made next (inches), in the book's style."""
    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def plot(*args: Any, **kwargs: Any) -> None:
    """Plot data points with d2l's ``plot`` (same arguments), in the book's style."""
    use_svg_display()
    d2l_mxnet.plot(*args, **kwargs)
    _select_formats()  # d2l's plot selects SVG alone; the PDF edition needs PNG too


def show_images(
    imgs: Sequence | np.ndarray,
    num_rows: int,
    num_cols: int,
    titles: Sequence[str] | None = None,
    scale: float = 1.5,
) -> None:
    """Draw a grid of grayscale images, with optional titles above them (9 pt)."""
    use_svg_display()
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        img = img.asnumpy() if hasattr(img, "asnumpy") else np.asarray(img)
        ax.imshow(img.squeeze(), cmap="gray")
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)


class TrainingPlot:
    """A figure of per-epoch curves, redrawn in place in Jupyter (one final figure).

    Inside a Jupyter kernel the figure is shown at the first ``add`` and updated in
    place at each later one. Elsewhere (a script, a terminal) nothing is shown or
    printed: the curves are drawn into ``fig``, matplotlib's current figure, for
    ``plt.savefig`` or ``plt.show()``.
    """

    def __init__(
        self,
        legend: Sequence[str],
        num_epochs: int,
        xlabel: str = "epoch",
        ylim: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        use_svg_display()
        self.legend = list(legend)
        self.fig, self.ax = plt.subplots(figsize=(4.5, 3.0))
        self.xlim, self.ylim, self.xlabel = (1, max(num_epochs, 2)), ylim, xlabel
        self.xs: list[float] = []
        self.ys: list[list[float]] = [[] for _ in self.legend]
        self.handle: DisplayHandle | None = None

    def add(self, x: float, values: Sequence[float]) -> None:
        """Append one point per curve and redraw the figure in place."""
        self.xs.append(x)
        for ys, value in zip(self.ys, values):
            ys.append(value)
        self.ax.cla()
        for ys, fmt in zip(self.ys, ("-", "m--", "g-.", "r:")):
            self.ax.plot(self.xs, ys, fmt)
        set_axes(
            self.ax,
            self.xlabel,
            None,
            self.xlim,
            self.ylim,
            "linear",
            "linear",
            self.legend,
        )
        if not in_notebook():
            return  # outside Jupyter, display() would print "Figure(450x300)"
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def close(self) -> None:
        """Release the figure so that Jupyter does not show it a second time."""
        plt.close(self.fig)
