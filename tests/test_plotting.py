"""The figures of d2l_helpers.plotting, drawn with real matplotlib and IPython.

The display formats are checked through a real IPython shell in this process (what
IPython would send to a notebook) and, for the live training plot, in a real Jupyter
kernel. Every test restores matplotlib's settings and closes its figures.
"""

import base64
import io
import re
import warnings

import matplotlib
import mxnet as mx
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from matplotlib import pyplot as plt
from matplotlib.text import Text

import d2l_helpers as d2l
from d2l_helpers.plotting import FIGURE_STYLE, in_notebook

WHITE = (1.0, 1.0, 1.0, 1.0)


@pytest.fixture(autouse=True)
def clean_matplotlib():
    """Each test starts from matplotlib's settings and leaves no figure open."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


@pytest.fixture
def shell():
    """A real IPython shell in this process (not a kernel), removed afterwards."""
    with warnings.catch_warnings():  # IPython 8.39 on matplotlib_inline's formats
        warnings.filterwarnings("ignore", "backend2gui is deprecated")
        yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def formats(shell: InteractiveShell, figure) -> dict:
    """Return what IPython would send for a figure: MIME type -> data."""
    data, _ = shell.display_formatter.format(figure)
    return data


def png_pixels(data: str) -> np.ndarray:
    """Decode IPython's base64 PNG into an RGB(A) float array."""
    return plt.imread(io.BytesIO(base64.b64decode(data)))


def assert_white_png(pixels: np.ndarray) -> None:
    """An opaque image whose four corners are white."""
    assert pixels.shape[2] == 3 or (pixels[..., 3] == 1).all()
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1], :3]
    np.testing.assert_array_equal(corners, np.ones_like(corners))


def test_use_svg_display_sets_the_book_style():
    d2l.use_svg_display()
    for key, value in FIGURE_STYLE.items():
        assert plt.rcParams[key] == value, key
    assert plt.rcParams["savefig.transparent"] is False


def test_use_svg_display_emits_svg_and_png(shell):
    d2l.use_svg_display()
    figure, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 4])
    data = formats(shell, figure)
    assert {"image/svg+xml", "image/png"} <= data.keys()
    svg = data["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert_white_png(png_pixels(data["image/png"]))


def test_plot_keeps_png_that_d2l_alone_drops(shell):
    """d2l's own plot selects SVG only; the book's plot, used after it, keeps PNG."""
    from d2l import mxnet as d2l_mxnet

    d2l_mxnet.plot(np.arange(3), [np.arange(3)])
    assert "image/png" not in formats(shell, plt.gcf())  # the PDF would lack it
    d2l.plot(np.arange(3), [np.arange(3), np.ones(3)], "x", "f(x)", legend=["a", "b"])
    figure = plt.gcf()
    assert {"image/svg+xml", "image/png"} <= formats(shell, figure).keys()
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "a",
        "b",
    ]


def test_use_svg_display_outside_ipython_only_sets_the_style():
    assert not InteractiveShell.initialized()
    d2l.use_svg_display()  # no shell to configure: no error
    assert plt.rcParams["figure.facecolor"] == "white"


def test_set_figsize_sets_the_size_and_the_style():
    d2l.set_figsize((5.0, 2.0))
    figure = plt.figure()
    assert tuple(figure.get_size_inches()) == (5.0, 2.0)
    assert figure.get_facecolor() == WHITE


@pytest.mark.parametrize("kind", ["numpy", "mx.np", "mx.nd"])
def test_show_images_draws_the_grid_with_titles(kind, fashion_arrays):
    images = fashion_arrays[2][:5]  # five real test images, uint8 28 x 28
    batch = {
        "numpy": images,
        "mx.np": mx.np.array(images[:, None]),  # (5, 1, 28, 28), as a batch
        "mx.nd": mx.nd.array(images[:, None]),
    }[kind]
    titles = [f"image {i}" for i in range(5)]
    d2l.show_images(batch, 2, 3, titles=titles, scale=2.0)
    figure = plt.gcf()
    assert tuple(figure.get_size_inches()) == (6.0, 4.0)  # (columns, rows) x scale
    axes = figure.axes
    assert len(axes) == 6
    assert [len(ax.images) for ax in axes] == [1, 1, 1, 1, 1, 0]  # one cell spare
    assert [ax.get_title() for ax in axes[:5]] == titles
    for ax, image in zip(axes, images):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
        assert ax.images[0].get_cmap().name == "gray"
        assert not ax.get_xaxis().get_visible() and not ax.get_yaxis().get_visible()
        assert ax.title.get_fontsize() == 9


def test_show_images_without_titles(fashion_arrays):
    d2l.show_images(fashion_arrays[2][:3], 1, 3)
    assert [ax.get_title() for ax in plt.gcf().axes] == ["", "", ""]


def visible_texts(figure) -> list[Text]:
    """The non-empty visible texts of a drawn figure (labels, ticks, legend, titles)."""
    figure.canvas.draw()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_figures_are_white_with_fonts_of_at_least_9_points(fashion_arrays):
    d2l.use_svg_display()
    plot = d2l.TrainingPlot(["train loss", "train acc", "test acc"], 3)
    plot.add(1, (0.8, 0.7, 0.6))
    plt.figure()  # d2l's plot draws into the current axes, the training plot's
    d2l.plot(np.arange(3), [np.arange(3), np.ones(3)], "x", "f(x)", legend=["a", "b"])
    d2l.show_images(fashion_arrays[2][:3], 1, 3, titles=["t-shirt\nshirt"] * 3)
    figures = [plot.fig, *map(plt.figure, plt.get_fignums())]
    assert len(set(figures)) == 3
    for figure in figures:
        texts = visible_texts(figure)
        assert len(texts) >= 3
        assert min(t.get_fontsize() for t in texts) >= 9
        assert figure.get_facecolor() == WHITE
        assert all(ax.get_facecolor() == WHITE for ax in figure.axes)


def test_training_plot_outside_a_notebook_draws_and_prints_nothing(capsys):
    assert not in_notebook()
    plot = d2l.TrainingPlot(["train loss", "test acc"], 4)
    for epoch, values in enumerate([(0.9, 0.6), (0.6, 0.7), (0.5, 0.75)], start=1):
        plot.add(epoch, values)
    assert capsys.readouterr().out == ""  # display() would print "Figure(450x300)"
    assert plot.handle is None and plt.gcf() is plot.fig
    ax = plot.fig.axes[0]
    curves = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.lines]
    assert curves == [([1, 2, 3], [0.9, 0.6, 0.5]), ([1, 2, 3], [0.6, 0.7, 0.75])]
    assert ax.get_xlim() == (1, 4) and ax.get_ylim() == (0.0, 1.0)
    assert ax.get_xlabel() == "epoch"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["train loss", "test acc"]
    plot.close()
    assert plot.fig.number not in plt.get_fignums()


def curve_points(svg: str, color: str) -> list[tuple[float, float]]:
    """The vertices of the first data curve (clipped to the axes) of a color."""
    pattern = rf'<path d="([^"]*)" clip-path="[^"]*" style="fill: none; stroke: {color}'
    path = re.search(pattern, svg).group(1)
    return [tuple(map(float, p)) for p in re.findall(r"([\d.]+) ([\d.]+)", path)]


@pytest.mark.slow  # starts a Jupyter kernel (about 10 s)
def test_training_plot_in_a_notebook_is_one_figure_updated_in_place():
    """Three epochs leave one output, SVG and PNG, that shows all three points."""
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import numpy as np, d2l_helpers as d2l\n"
        "from d2l_helpers.plotting import in_notebook\n"
        "plot = d2l.TrainingPlot(['train loss', 'test acc'], 3)\n"
        "for epoch in (1, 2, 3):\n"
        "    plot.add(epoch, (1 / epoch, epoch / 4))\n"
        "plot.close()",
        "d2l.show_images(np.zeros((2, 28, 28)), 1, 2, titles=['a', 'b'])",
        "print(in_notebook())",
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells]
    )
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    plot_out, images_out, check_out = (cell.outputs for cell in notebook.cells)
    assert [o.output_type for o in plot_out] == ["display_data"]  # updated in place
    assert [o.output_type for o in images_out] == ["display_data"]
    assert check_out[0].text == "True\n"
    for output in (plot_out[0], images_out[0]):
        assert {"image/svg+xml", "image/png"} <= output.data.keys()
        assert_white_png(png_pixels(output.data["image/png"]))
    (x1, y1), (x2, y2), (x3, y3) = curve_points(
        plot_out[0].data["image/svg+xml"], "#1f77b4"
    )  # the loss curve 1, 1/2, 1/3 (SVG's y grows downwards)
    assert x2 - x1 == pytest.approx(x3 - x2, rel=1e-3)  # epochs evenly spaced
    assert (y2 - y1) / (y3 - y1) == pytest.approx((1 - 1 / 2) / (1 - 1 / 3), rel=1e-3)
