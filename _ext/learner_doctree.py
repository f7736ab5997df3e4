"""Doctree changes for the learner notebooks (``-b jupyter``) and the PDF (``latex``).

**Learner notebooks.** sphinx-tojupyter writes exercises and solutions as headings,
generic admonitions as top-level headings, and drops the outputs of code cells with
the captions of the figures among them. Before it translates a page, this rewrites
those nodes into ones it renders as Markdown that Jupyter shows well: an exercise as
a heading one level below its section ("Exercise 3.1 (title)") over its text and
cells; its solution as a heading of the same level ("Solution to Exercise 3.1
(title)") over its text and cells, which ``scripts/learner_notebooks.py`` then
collapses (JupyterLab and Colab), so that the answer stays hidden until asked for; an
admonition (notes too) as an HTML block quote with a bold title; and a figure's
caption as a line below its cell, with an anchor that cross-references reach. Raw
HTML of other extensions is dropped first; a table's cells become plain Markdown text
(sphinx-tojupyter writes inline markup in a cell outside the table). The outputs are
copied afterwards (``scripts/learner_notebooks.py``).

**PDF.** As printed textbooks do, each chapter's solutions move to a section
"Solutions" at the chapter's end, and each exercise ends with "Solution on page N".
A self-check quiz (``d2l.show_quiz``) prints its questions where it stands, without
its code cell, and its answers (the part of its print representation after
``d2l_helpers.quiz.ANSWERS_MARK``) move to the chapter's solutions, referenced by
page; an exercise's numeric self-check is answered at the top of that exercise's
solution.
"""

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

BUILDER = "jupyter"
LATEX_BUILDER = "latex"
# The print representation of d2l_helpers.quiz.Quiz: marks around its parts.
QUIZ_QUESTIONS = re.compile(r"<!-- d2l-quiz (\S+):(\S+) -->")
QUIZ_ANSWERS = re.compile(r"<!-- d2l-quiz-answers (\S+):(\S+) -->")
SOLUTIONS_TITLE = "Solutions"


def html(text: str) -> nodes.raw:
    """Return a raw HTML node (kept: ``tojuyter_drop_html_raw`` is off)."""
    return nodes.raw("", text, format="html")


def latex(text: str) -> nodes.raw:
    """Return a raw LaTeX node."""
    return nodes.raw("", text, format="latex")


def titled(target: nodes.raw, title: str) -> nodes.paragraph:
    """Return a bold title paragraph holding the target: the label lands on its page."""
    return nodes.paragraph("", "", target, nodes.strong(title, title))


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


def heading(title: str, body: list[nodes.Node]) -> nodes.section:
    """Return a section (a heading one level below the enclosing one) over body."""
    return nodes.section("", nodes.title(title, title), *body)


def rewrite_exercise(app: Sphinx, docname: str, node: nodes.Element) -> nodes.section:
    """Turn an exercise into a heading over its anchor, text and cells."""
    title = exercise_title(app, docname, node)
    return heading(title, anchors(node) + list(node.children[1:]))


def rewrite_solution(node: nodes.Element) -> nodes.section:
    """Turn a solution into a heading over its anchor, text and cells.

    scripts/learner_notebooks.py collapses the heading, which hides what follows it
    up to the next heading of its level: the next exercise, or the next section.
    """
    title = node.children[0].astext().strip() if node.children else "Solution"
    return heading(title, anchors(node) + list(node.children[1:]))


def rewrite_admonition(node: nodes.Element) -> list[nodes.Node]:
    """Turn an admonition into an HTML block quote that starts with its bold title."""
    if isinstance(node.children[0], nodes.title):
        title, body = node.children[0].astext(), node.children[1:]
    else:
        title, body = node.tagname.capitalize(), node.children
    bold = nodes.paragraph("", "", nodes.strong(title, title))
    return [html("<blockquote>\n"), bold, *body, html("</blockquote>")]


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


def notebook_uri(uri: str) -> str:
    """Return a link to another page as a link to its notebook, as tojupyter writes.

    "softmax_concise#chap-x" -> "softmax_concise.ipynb#chap-x"; URLs stay.
    """
    if not uri or re.match(r"[a-z]+:", uri) or uri.startswith("#"):
        return uri
    path, hash_, fragment = uri.partition("#")
    if path and "." not in path.rsplit("/", 1)[-1]:
        path += ".ipynb"
    return path + hash_ + fragment


def inline_markdown(node: nodes.Node) -> str:
    """Return inline nodes as Markdown text (code, emphasis, strong, links)."""
    if isinstance(node, nodes.Text):
        return node.astext().replace("|", "\\|")
    inner = "".join(inline_markdown(child) for child in node.children)
    if isinstance(node, nodes.literal):
        return f"`{inner}`"
    if isinstance(node, nodes.emphasis):
        return f"*{inner}*"
    if isinstance(node, nodes.strong):
        return f"**{inner}**"
    if isinstance(node, nodes.reference):
        refid = node.get("refid")
        target = notebook_uri(node.get("refuri", "")) or (f"#{refid}" if refid else "")
        return f"[{inner}]({target})" if target else inner
    return inner


def flatten_table(table: nodes.table) -> None:
    """Write each cell of a table as one Markdown text, and end the table's block.

    sphinx-tojupyter writes the markup of code, emphasis and links in a cell outside
    the table (a link before the header row, one cell too many there), and starts the
    next paragraph on the line after the last row, where Markdown reads it as a row.
    """
    for entry in table.findall(nodes.entry):
        for paragraph in list(entry.findall(nodes.paragraph)):
            text = inline_markdown(paragraph)
            paragraph.children = []
            paragraph += nodes.Text(text)
    table.parent.insert(table.parent.index(table) + 1, html("\n"))


def rewrite_for_learners(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Rewrite exercises, solutions, admonitions and figure captions (jupyter only)."""
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
    for table in list(doctree.findall(nodes.table)):
        flatten_table(table)
    for cell in list(doctree.findall(is_code_cell)):
        lines = caption_lines(app, docname, cell)
        if lines:
            cell.parent.insert(cell.parent.index(cell) + 1, lines)


# --- The PDF: solutions and quiz answers at the end of each chapter ------------------
# The LaTeX builder assembles one tree from all documents, and sphinx-jupyterbook-latex
# regroups it into parts: the nodes' ``parent`` links are not all updated, so this part
# finds parents by walking the tree from its root (Tree).


class Tree:
    """The parent of every node of a doctree, as found by walking it from the root."""

    def __init__(self, root: nodes.Node) -> None:
        self.parents: dict[int, nodes.Element] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            for child in getattr(node, "children", []):
                self.parents[id(child)] = node
                stack.append(child)

    def parent(self, node: nodes.Node) -> nodes.Element | None:
        """Return the node's parent in this tree."""
        return self.parents.get(id(node))

    def ancestors(self, node: nodes.Node):
        """Yield the node's ancestors, nearest first."""
        parent = self.parent(node)
        while parent is not None:
            yield parent
            parent = self.parent(parent)

    def remove(self, node: nodes.Node) -> nodes.Element:
        """Detach node from its parent; return the parent."""
        parent = self.parent(node)
        parent.children.remove(node)
        return parent

    def insert(self, parent: nodes.Element, index: int, new: list[nodes.Node]) -> None:
        """Insert nodes into parent at index."""
        parent[index:index] = new
        for node in new:
            self.parents[id(node)] = parent


def page_reference(label: str, text: str) -> nodes.paragraph:
    """Return a paragraph "<text> page N." that links to a LaTeX label."""
    return nodes.paragraph(
        "",
        "",
        latex(
            rf"\hyperref[{label}]{{\sphinxstyleemphasis{{{text}"
            rf"~\pageref*{{{label}}}.}}}}"
        ),
    )


def is_cell_input(node: nodes.Node) -> bool:
    """Tell whether node is, or wraps (sphinx-jupyterbook-latex), a cell's code."""
    return isinstance(node, nodes.Element) and any(
        found.get("nb_element") == "cell_code_source"
        for found in node.findall(nodes.Element)
    )


def is_exercise(node: nodes.Node) -> bool:
    """Tell whether node is an exercise (plain or gated)."""
    return isinstance(node, (exercise_node, exercise_enumerable_node))


class ChapterSolutions:
    """Gather one chapter's solutions and quiz answers into a section at its end."""

    def __init__(self, chapter: nodes.Element, tree: Tree, counter: list[int]) -> None:
        self.chapter, self.tree = chapter, tree
        self.counter = counter  # labels stay unique across the whole book
        slug = re.sub(r"[^\w-]", "-", chapter.get("docname", "chapter"))
        self.section = nodes.section("", ids=[f"d2l-solutions-{slug}"])
        self.section += nodes.title(SOLUTIONS_TITLE, SOLUTIONS_TITLE)
        self.section += nodes.paragraph()  # the introduction, written by finish()
        self.solutions: dict[str, nodes.Element] = {}
        self.quizzes = 0

    def label(self, kind: str) -> str:
        """Return a new LaTeX label."""
        self.counter[0] += 1
        return f"d2l-{kind}-{self.counter[0]}"

    def move_solution(self, solution: nodes.Element) -> None:
        """Move a solution to the section; its exercise refers to its page."""
        label = self.label("solution")
        parent = self.tree.remove(solution)
        self.section += latex(rf"\phantomsection\label{{{label}}}")
        self.section += solution
        target = solution.get("target_label", "")
        self.solutions[target] = solution
        exercise = next(
            (n for n in self.chapter.findall(is_exercise) if n.get("label") == target),
            None,
        )
        if exercise is not None:
            exercise += page_reference(label, "Solution on page")
        self.drop_if_empty(parent)

    def drop_if_empty(self, section: nodes.Element) -> None:
        """Remove a section left with its title only (a chapter's own "Solutions")."""
        if isinstance(section, nodes.section) and all(
            isinstance(child, nodes.title) for child in section.children
        ):
            self.tree.remove(section)

    def move_quiz_answers(self, questions: nodes.raw, answers: nodes.raw) -> None:
        """Move a quiz's answers to the section (or to its exercise's solution).

        The quiz keeps its questions, without its code cell, and "Answers on page N".
        """
        name = QUIZ_QUESTIONS.match(questions.astext()).group(2)
        label = self.label("quiz-answers")
        self.quizzes += 1
        output = self.tree.parent(answers)
        start = output.index(answers)
        body = [
            node
            for node in output.children[start + 1 :]
            if node.astext().strip() != "Answers."  # the section names them
        ]
        output[start:] = [page_reference(label, "Answers on page")]
        output.children.remove(questions)
        cell = next((a for a in self.tree.ancestors(output) if is_code_cell(a)), None)
        if cell is not None:  # a reader of the PDF has no cell to run
            cell.children = [c for c in cell.children if not is_cell_input(c)]
        target = latex(rf"\phantomsection\label{{{label}}}")
        solution = self.solutions.get(name)
        if solution is not None:  # an exercise's self-check: answered in its solution
            title = "Answers to the self-check of this exercise"
            position = 1 if solution.children else 0  # after the solution's title
            solution[position:position] = [titled(target, title), *body]
            return
        title = "Answers to the self-check"
        self.section[2:2] = [titled(target, title), *body]

    def finish(self) -> None:
        """Append the section to the chapter's top section when it holds anything."""
        if len(self.section.children) <= 2:
            return
        parts = ["the answers to the self-check"] * bool(self.quizzes) + [
            "the solutions to the exercises"
        ] * bool(self.solutions)
        intro = (
            f"{' and '.join(parts).capitalize()} of this chapter. Try each one "
            "yourself before you read the answer."
        )
        self.section[1] += nodes.Text(intro)
        top = next(iter(self.chapter.findall(nodes.section)), self.chapter)
        top += self.section


def gather_for_print(app: Sphinx, doctree: nodes.document) -> None:
    """Move every chapter's solutions and quiz answers to its end (latex only)."""
    tree, counter = Tree(doctree), [0]
    chapters: dict[int, ChapterSolutions] = {}

    def chapter(node: nodes.Node) -> ChapterSolutions | None:
        holder = next(
            (
                a
                for a in tree.ancestors(node)
                if isinstance(a, addnodes.start_of_file)
                and a.get("docname") in app.env.all_docs
            ),
            None,
        )
        if holder is None:
            return None
        if id(holder) not in chapters:
            chapters[id(holder)] = ChapterSolutions(holder, tree, counter)
        return chapters[id(holder)]

    for solution in list(doctree.findall(solution_node)):
        if (gathered := chapter(solution)) is not None:
            gathered.move_solution(solution)
    for questions in list(doctree.findall(nodes.raw)):
        if not QUIZ_QUESTIONS.match(questions.astext()):
            continue
        output = tree.parent(questions)
        answers = next(
            (
                n
                for n in output.children
                if isinstance(n, nodes.raw) and QUIZ_ANSWERS.match(n.astext())
            ),
            None,
        )
        if answers is not None and (gathered := chapter(questions)) is not None:
            gathered.move_quiz_answers(questions, answers)
    for gathered in chapters.values():
        gathered.finish()


def rewrite(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Rewrite for the builder at hand: learner notebooks or the PDF."""
    if app.builder.name == BUILDER:
        rewrite_for_learners(app, doctree, docname)
    elif app.builder.name == LATEX_BUILDER:
        gather_for_print(app, doctree)


def setup(app: Sphinx) -> dict:
    """Register the rewrite; keep raw HTML in the learner notebooks."""
    app.connect("doctree-resolved", rewrite, priority=900)  # the last
    app.config.tojuyter_drop_html_raw = False
    return {"parallel_read_safe": True, "parallel_write_safe": True}
