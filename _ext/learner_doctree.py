"""Doctree changes for the learner notebooks (``-b jupyter``, sphinx-tojupyter) only.

sphinx-tojupyter writes exercises and solutions as headings, generic admonitions as
top-level headings, and drops the outputs of code cells with the captions of the
figures among them. Before it translates a page, this rewrites those nodes into ones
it renders as Markdown that Jupyter shows well: an exercise as a bold title and its
text, a solution as ``<details><summary>`` (or, when it holds code cells, as a bold
title and the cells, left open), an admonition (notes too) as an HTML block quote
with a bold title, and a figure's caption as a line below its cell, with an anchor
that cross-references reach.
Raw HTML of other extensions is dropped first. The outputs are copied afterwards
(``scripts/learner_notebooks.py``).
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

BUILDER = "jupyter"


def html(text: str) -> nodes.raw:
    """Return a raw HTML node (kept: ``tojuyter_drop_html_raw`` is off)."""
    return nodes.raw("", text, format="html")


def anchors(node: nodes.Element) -> list[nodes.raw]:
    """Return an anchor for each id of node, so that links to it still land.

    sphinx-exercise names solutions by document path ("chapters/x-solution-1"): the
    learner's notebook keeps the last part, since it has no chapters/ folder.
    """
    names = [node_id.rsplit("/", 1)[-1] for node_id in node["ids"]]
    return [html(f'<a id="{name}"></a>') for name in names]


def number(app: Sphinx, docname: str, kind: str, node_id: str) -> str:
    """Return the number Sphinx gave an exercise or figure ('3.1'), or ''."""
    numbers = app.env.toc_fignumbers.get(docname, {}).get(kind, {}).get(node_id)
    return ".".join(map(str, numbers)) if numbers else ""


def titled(title: str, body: list[nodes.Node]) -> list[nodes.Node]:
    """Return a bold title paragraph followed by body."""
    return [nodes.paragraph("", "", nodes.strong(title, title)), *body]


def exercise_title(app: Sphinx, docname: str, node: nodes.Element) -> str:
    """Return 'Exercise 3.1 (subtitle)' for an exercise node."""
    label = node.get("label", "")
    subtitle = node.children[0].astext().strip() if node.children else ""
    found = number(app, docname, "exercise", label)
    name = f"Exercise {found}" if found else "Exercise"
    return (
        f"{name} {subtitle}".strip()
        if subtitle.startswith("(")
        else f"{name} ({subtitle})"
        if subtitle
        else name
    )


def rewrite_exercise(
    app: Sphinx, docname: str, node: nodes.Element
) -> list[nodes.Node]:
    """Turn an exercise into its anchor, a bold numbered title and its text."""
    return anchors(node) + titled(exercise_title(app, docname, node), node.children[1:])


def rewrite_solution(node: nodes.Element) -> list[nodes.Node]:
    """Turn a solution into <details> (prose only) or a bold title over its cells."""
    title = node.children[0].astext().strip() if node.children else "Solution"
    body = node.children[1:]
    if any(is_code_cell(child) for child in node.findall(nodes.container)):
        note = "The cells below compute it: try the exercise first."
        return anchors(node) + titled(
            title, [nodes.paragraph("", "", nodes.emphasis(note, note)), *body]
        )
    return (
        anchors(node)
        + [html(f"<details>\n<summary>{title}</summary>\n")]
        + body
        + [html("</details>")]
    )


def rewrite_admonition(node: nodes.Element) -> list[nodes.Node]:
    """Turn an admonition into an HTML block quote that starts with its bold title."""
    if isinstance(node.children[0], nodes.title):
        title, body = node.children[0].astext(), node.children[1:]
    else:
        title, body = node.tagname.capitalize(), node.children
    return [html("<blockquote>\n"), *titled(title, body), html("</blockquote>")]


def is_code_cell(node: nodes.Node) -> bool:
    """Tell whether node is a MyST-NB code cell."""
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def caption_lines(app: Sphinx, docname: str, cell: nodes.Element) -> list[nodes.Node]:
    """Return, for each captioned figure a cell draws, its anchor and caption line."""
    lines: list[nodes.Node] = []
    for figure in cell.findall(nodes.figure):
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is None:
            continue
        found = next((number(app, docname, "figure", i) for i in figure["ids"]), "")
        label = app.config.numfig_format["figure"] % found if found else "Figure"
        text = f"{label}: {caption.astext()}"
        lines += anchors(figure) + [nodes.paragraph("", "", nodes.emphasis(text, text))]
    return lines


def rewrite_for_learners(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Rewrite exercises, solutions, admonitions and figure captions (jupyter only)."""
    if app.builder.name != BUILDER:
        return
    for node in list(doctree.findall(nodes.raw)):  # e.g. sphinx-thebe's configuration
        node.parent.remove(node)
    for node in list(doctree.findall(solution_node)):
        node.replace_self(rewrite_solution(node))
    for node in list(
        doctree.findall(
            lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))
        )
    ):
        node.replace_self(rewrite_exercise(app, docname, node))
    for node in list(doctree.findall(nodes.Admonition)):
        node.replace_self(rewrite_admonition(node))
    for cell in list(doctree.findall(is_code_cell)):
        lines = caption_lines(app, docname, cell)
        if lines:
            cell.parent.insert(cell.parent.index(cell) + 1, lines)


def setup(app: Sphinx) -> dict:
    """Register the rewrite; keep raw HTML in the learner notebooks."""
    app.connect("doctree-resolved", rewrite_for_learners, priority=900)  # the last
    app.config.tojuyter_drop_html_raw = False
    return {"parallel_read_safe": True, "parallel_write_safe": True}
