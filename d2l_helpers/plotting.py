"""Figures: image grids and a live training plot (d2l's generic plot helpers are reused)."""

from collections.abc import Sequence

import numpy as np
from d2l.mxnet import plot, set_axes, set_figsize, use_svg_display
from IPython import get_ipython
from IPython.display import DisplayHandle, display
from matplotlib import pyplot as plt

__all__ = ["plot", "set_axes", "set_figsize", "use_svg_display", "show_images",
           "TrainingPlot", "in_notebook"]


def in_notebook() -> bool:
    """Return True when running inside a Jupyter kernel (where figures can be shown)."""
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show_images(imgs: Sequence | np.ndarray, num_rows: int, num_cols: int,
                titles: Sequence[str] | None = None, scale: float = 1.5) -> None:
    """Draw a grid of grayscale images with optional titles."""
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
    """A figure of per-epoch curves that redraws in place in Jupyter (one final figure)."""

    def __init__(self, legend: Sequence[str], num_epochs: int, xlabel: str = "epoch",
                 ylim: tuple[float, float] | None = (0.0, 1.0)) -> None:
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
        set_axes(self.ax, self.xlabel, None, self.xlim, self.ylim, "linear", "linear", self.legend)
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def close(self) -> None:
        """Release the figure so that Jupyter does not show it a second time."""
        plt.close(self.fig)
