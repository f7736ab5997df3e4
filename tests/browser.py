"""Checks of a built Jupyter Book in a real browser: headless Chromium (Selenium).

``chromium`` starts the browser (the book is served by ``http_server.serving``), and a
``PageChecker`` opens pages one by one and reports what a reader would see go wrong:
console errors, images that did not load, equations MathJax did not typeset, cells that
show an error, and internal links whose file or anchor does not exist. ``PageContent``
counts what a page must show, read from its source. The accessibility helpers switch
the colour mode, run axe-core, and check headings, alt texts and link texts.
"""

import base64
import contextlib
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag

import yaml
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from _ext.course_setup import resolve_repository_url
from scripts.layout import ROOT, html_folder

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-proxy-server",
    "--window-size=1280,900",
)
TIMEOUT_S = 30
DIRECT = urllib.request.build_opener(
    urllib.request.ProxyHandler({})
)  # never via a proxy
MAX_SCREENSHOT_HEIGHT = 40_000
# Resolve once every image of the page has loaded (or failed), after a repaint.
IMAGES_SETTLED_JS = """
const done = arguments[arguments.length - 1];
Promise.all([...document.images].map(img => img.decode().catch(() => null)))
  .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
"""

# Runs in the page once it has loaded: waits for MathJax and the images, then reports.
# Cells tagged raises-exception show an error on purpose and are not counted.
PAGE_STATE_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const mathjaxLoaded = Boolean(
    window.MathJax && MathJax.startup && MathJax.startup.promise);
  if (mathjaxLoaded) await MathJax.startup.promise;
  const images = [...document.querySelectorAll("img")];
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.complete ? null : new Promise(settle => {
    img.addEventListener("load", settle);
    img.addEventListener("error", settle);
    setTimeout(settle, 10000);
  })));
  const main = document.querySelector("main") || document.body;
  const prose = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("pre, code, script, style, mjx-container")) {
      prose.push(node.textContent);
    }
  }
  const shown = el => !el.closest(".tag_raises-exception");
  const math = [...document.querySelectorAll(".math")];
  return {
    mathjaxLoaded,
    equations: math.length,
    untypeset: math.filter(el => !el.querySelector("mjx-container"))
      .map(el => el.textContent.trim()),
    mathErrors: [...document.querySelectorAll("mjx-merror")].map(el => el.textContent),
    prose: prose.join(" "),
    images: images.map(img => ({src: img.currentSrc || img.src,
                                ok: img.complete && img.naturalWidth > 0})),
    figures: document.querySelectorAll(".cell_output img, figure img").length,
    captionedFigures: [...document.querySelectorAll("figure")]
      .filter(fig => fig.querySelector("img") && fig.querySelector("figcaption"))
      .length,
    codeCells: document.querySelectorAll("div.cell").length,
    exercises: document.querySelectorAll("div.exercise").length,
    errorOutputs: [...document.querySelectorAll(
      ".cell_output .traceback, .cell_output .error")]
      .filter(shown).map(el => el.textContent.trim().slice(0, 200)),
    tracebackTexts: [...document.querySelectorAll(".cell_output")].filter(shown)
      .filter(el => el.textContent.includes("Traceback")).length,
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
  };
})().then(done, error => done({scriptError: String(error)}));
"""


@contextlib.contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Start headless Chromium (fresh profile), keeping its console log; quit after."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS + (f"--user-data-dir={profile}",):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(
            options=options,
            service=webdriver.ChromeService(executable_path=CHROMEDRIVER),
        )
        try:
            driver.set_page_load_timeout(TIMEOUT_S)
            driver.set_script_timeout(TIMEOUT_S)
            yield driver
        finally:
            driver.quit()


class _AnchorCollector(HTMLParser):
    """Collect the ids (and old-style anchor names) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the id of every element and the name of every <a>."""
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.anchors.add(value)


@dataclass(frozen=True)
class PageContent:
    """How many equations, figures, code cells and exercises a page shows."""

    equations: int = 0
    figures: int = 0
    captioned_figures: int = 0
    code_cells: int = 0
    exercises: int = 0


# MyST's syntax as Jupyter Book 1 enables it by default (_config.yml adds none).
MYST_EXTENSIONS = {"colon_fence", "dollarmath", "linkify", "substitution", "tasklist"}
MATH_TOKENS = {"math_inline", "math_block", "math_block_label", "amsmath"}
SOURCE_FENCES = {"{code-cell}", "{code}", "{code-block}", "{literalinclude}"}


def _count_math(tokens: list, parser: "MarkdownIt") -> int:
    """Count the equations of parsed MyST, inside directives (exercises, notes) too."""
    count = 0
    for token in tokens:
        directive = token.info.split(" ", 1)[0] if token.type == "fence" else ""
        if token.type in MATH_TOKENS or directive == "{math}":
            count += 1
        elif directive.startswith("{") and directive not in SOURCE_FENCES:
            count += _count_math(parser.parse(token.content), parser)
        count += _count_math(token.children or [], parser)
    return count


def expected_content(source: Path) -> PageContent:
    """Return what the HTML of a MyST Markdown page must show, counted in its source.

    Equations: every $...$, $$...$$ and {math} block (MathJax typesets each into one
    ``.math`` element). Figures: every code cell with MyST-NB figure metadata (one
    figure per cell, the book's rule), each an image with a numbered caption. Code
    cells: every code cell not tagged remove-cell. Exercises: every {exercise}.
    """
    import jupytext
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    parser = create_md_parser(
        MdParserConfig(enable_extensions=MYST_EXTENSIONS), RendererHTML
    )
    notebook = jupytext.read(source, fmt="md:myst")
    prose = "\n\n".join(
        cell.source for cell in notebook.cells if cell.cell_type == "markdown"
    )
    code = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and "remove-cell" not in cell.metadata.get("tags", [])
    ]
    figures = sum("figure" in cell.metadata.get("mystnb", {}) for cell in code)
    exercises = len(
        re.findall(r"^(`{3,}|:{3,})\{exercise(-start)?\}", prose, re.MULTILINE)
    )
    return PageContent(
        equations=_count_math(parser.parse(prose), parser),
        figures=figures,
        captioned_figures=figures,
        code_cells=len(code),
        exercises=exercises,
    )


@dataclass
class PageReport:
    """What a page showed: the problems found, and how much was checked."""

    page: str
    problems: list[str] = field(default_factory=list)
    content: "PageContent" = field(default_factory=lambda: PageContent())
    internal_links: int = 0


class PageChecker:
    """Open pages of one served site in one browser and report their problems."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver, self.base_url = driver, base_url
        self._targets: dict[str, tuple[int, set[str] | None]] = {}

    def check(self, page: str, screenshot: Path | None = None) -> PageReport:
        """Load a page, wait for MathJax and images, check it; maybe a screenshot."""
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.get(self.base_url + page)
        WebDriverWait(self.driver, TIMEOUT_S).until(
            lambda driver: (
                driver.execute_script("return document.readyState") == "complete"
            )
        )
        state = self.driver.execute_async_script(PAGE_STATE_JS)
        report = PageReport(page)
        if "scriptError" in state:
            report.problems.append(f"page check script failed: {state['scriptError']}")
            return report
        report.content = PageContent(
            equations=state["equations"],
            figures=state["figures"],
            captioned_figures=state["captionedFigures"],
            code_cells=state["codeCells"],
            exercises=state["exercises"],
        )
        report.problems += self._console_errors()
        report.problems += self._image_problems(state)
        report.problems += self._math_problems(state)
        report.problems += self._cell_problems(state)
        report.problems += self._link_problems(state["links"], report)
        if screenshot is not None:
            self.save_screenshot(screenshot)
        return report

    def _console_errors(self) -> list[str]:
        """Return the SEVERE entries of the console since the page was opened."""
        return [
            f"console error: {entry['message']}"
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE"
        ]

    @staticmethod
    def _image_problems(state: dict) -> list[str]:
        """Return one problem per image that did not decode to a non-empty picture."""
        return [
            f"broken image: {image['src']}"
            for image in state["images"]
            if not image["ok"]
        ]

    @staticmethod
    def _math_problems(state: dict) -> list[str]:
        """Return equation problems: no MathJax, not typeset, TeX errors, raw TeX."""
        problems = []
        if state["equations"] and not state["mathjaxLoaded"]:
            problems.append(
                f"MathJax did not load, {state['equations']} equation(s) not typeset"
            )
        problems += [f"equation not typeset: {tex[:80]}" for tex in state["untypeset"]]
        problems += [f"MathJax error: {error}" for error in state["mathErrors"]]
        for delimiter in ("$$", "\\[", "\\("):
            if delimiter in state["prose"]:
                problems.append(f"raw TeX delimiter {delimiter} left in the text")
        return problems

    @staticmethod
    def _cell_problems(state: dict) -> list[str]:
        """Return problems for cell outputs that show an error or a traceback."""
        problems = [
            f"cell shows an error output: {text}" for text in state["errorOutputs"]
        ]
        if state["tracebackTexts"]:
            problems.append(
                f"{state['tracebackTexts']} cell output(s) show a Traceback"
            )
        return problems

    def _link_problems(self, links: list[str], report: PageReport) -> list[str]:
        """Fetch every link's target in the site; report missing files and anchors."""
        problems = []
        internal = sorted({link for link in links if link.startswith(self.base_url)})
        report.internal_links = len(internal)
        for link in internal:
            url, fragment = urldefrag(link)
            status, anchors = self._target(url)
            if status != 200:
                problems.append(f"broken link: {link} (HTTP {status})")
            elif fragment and anchors is not None and unquote(fragment) not in anchors:
                problems.append(
                    f"broken link: {link} (no element with id {unquote(fragment)!r})"
                )
        return problems

    def _target(self, url: str) -> tuple[int, set[str] | None]:
        """Return a URL's HTTP status and, for an HTML page, its anchors (cached)."""
        if url not in self._targets:
            try:
                with DIRECT.open(url, timeout=TIMEOUT_S) as response:
                    anchors = None
                    if response.headers.get_content_type() == "text/html":
                        collector = _AnchorCollector()
                        collector.feed(response.read().decode("utf-8", "replace"))
                        anchors = collector.anchors
                    self._targets[url] = (response.status, anchors)
            except urllib.error.HTTPError as error:
                self._targets[url] = (error.code, None)
        return self._targets[url]

    def save_screenshot(self, path: Path) -> None:
        """Save a PNG of the whole page (up to a height limit), not just the window.

        The window is made as tall as the page for the capture: capturing beyond the
        viewport instead leaves lazily painted figures and code blank in long pages.
        """
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})[
            "cssContentSize"
        ]
        width = self.driver.execute_script("return window.innerWidth")
        height = int(min(size["height"], MAX_SCREENSHOT_HEIGHT))
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        try:
            self.driver.execute_async_script(IMAGES_SETTLED_JS)
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png"}
            )
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


def launch_buttons_configured(book: Path) -> bool:
    """Return whether the book has launch buttons: a repository URL and a service.

    The URL is resolved as the build resolves it (_ext/course_setup.py): environment
    variable, _config.yml, or the clone's public origin remote.
    """
    config = yaml.safe_load((book / "_config.yml").read_text())
    url = resolve_repository_url((config.get("repository") or {}).get("url"), book)
    launch = config.get("launch_buttons") or {}
    return bool(url) and any(launch.get(s) for s in ("binderhub_url", "colab_url"))


# --- Accessibility: colour mode, axe-core, structure of the page ---------------------

COLOR_MODES = ("light", "dark")
# The axe rules whose outcome a colour mode can change; the others see the same DOM in
# both modes, so the full audit runs in the first mode and these in the others.
COLOR_RULES = ("color-contrast", "link-in-text-block")
BLOCKING_IMPACTS = ("serious", "critical")
AXE_TIMEOUT_S = (
    240  # a long page full of equations takes axe a minute on a busy machine
)
# Resolve once MathJax has typeset the page and every image has settled.
PAGE_SETTLED_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise)
    await MathJax.startup.promise;
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
})().then(() => done(true), () => done(true));
"""
# The headings, images and links of a page, as a screen reader meets them.
STRUCTURE_JS = """
const named = el => el.getAttribute("aria-label") || "";
const textOf = a => {
  const text = a.textContent.replace(/\\s+/g, " ").trim();
  const alts = [...a.querySelectorAll("img[alt]")].map(img => img.alt.trim()).join(" ");
  return named(a) || (/[\\p{L}\\p{N}]/u.test(text) ? text : "") || alts || a.title
    || text;
};
return {
  headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(h => !h.closest("[aria-hidden=true], template, .onlyprint"))
    .map(h => ({level: Number(h.tagName[1]), text: h.textContent.trim().slice(0, 80)})),
  images: [...document.querySelectorAll("img")]
    .map(img => ({src: img.getAttribute("src") || "", alt: img.getAttribute("alt")})),
  links: [...document.querySelectorAll("a[href]")]
    .filter(a => !a.closest("[aria-hidden=true]"))
    .map(a => ({href: a.href, internal: a.origin === location.origin,
                text: textOf(a)})),
};
"""
FILE_NAME_IN_ALT = re.compile(r"/|_images|\.(png|svg|jpe?g|gif|webp)\b", re.IGNORECASE)
VAGUE_LINK_TEXTS = {
    "here",
    "click here",
    "this",
    "this page",
    "link",
    "more",
    "read more",
}


def set_color_mode(driver: webdriver.Chrome, mode: str) -> None:
    """Switch the book's theme to light or dark, as its button does, and reload."""
    driver.execute_script(
        "localStorage.setItem('mode', arguments[0]);"
        "localStorage.setItem('theme', arguments[0]);",
        mode,
    )
    driver.refresh()
    WebDriverWait(driver, TIMEOUT_S).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    shown = driver.execute_script("return document.documentElement.dataset.theme")
    if shown != mode:
        raise RuntimeError(f"asked the theme for {mode} mode, the page shows {shown!r}")


def open_settled(driver: webdriver.Chrome, url: str) -> None:
    """Load a page and wait until MathJax has typeset it and its images have settled."""
    driver.get(url)
    WebDriverWait(driver, TIMEOUT_S).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    driver.execute_async_script(PAGE_SETTLED_JS)


def axe_audit(
    driver: webdriver.Chrome, context: str | None = None, rules: tuple[str, ...] = ()
) -> dict:
    """Run axe-core 4 on the open page (after MathJax), or on the elements a CSS
    selector names, with all its rules or the ones named; return its full results.

    axe-core comes from axe-core-python (4.4; axe-selenium-python bundles 3.1 of 2018,
    whose outdated DPUB-ARIA rules flag Sphinx's bibliography markup).
    """
    from axe_core_python.selenium import Axe

    driver.execute_async_script(PAGE_SETTLED_JS)
    options = {"runOnly": {"type": "rule", "values": list(rules)}} if rules else None
    driver.set_script_timeout(AXE_TIMEOUT_S)
    try:
        return Axe().run(driver, context, options)
    finally:
        driver.set_script_timeout(TIMEOUT_S)


def blocking_violations(results: dict) -> list[str]:
    """Return one line per serious or critical axe violation: rule, impact, where."""
    lines = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = [
                " ".join(map(str, node["target"])) + _contrast(node)
                for node in violation["nodes"]
            ]
            lines.append(
                f"{violation['impact']} {violation['id']} ({violation['help']}) "
                f"at {len(targets)} element(s): {'; '.join(targets[:5])}"
            )
    return lines


def _contrast(node: dict) -> str:
    """Return the colours and ratio axe measured for a node, if it measured them."""
    data = next(
        (
            check.get("data")
            for check in node.get("any", [])
            if isinstance(check.get("data"), dict) and "contrastRatio" in check["data"]
        ),
        None,
    )
    if not data:
        return ""
    return f" ({data['fgColor']} on {data['bgColor']}: {data['contrastRatio']}:1)"


def violations_by_impact(results: dict) -> dict[str, int]:
    """Count an axe result's violating elements by impact (minor to critical)."""
    counts = {"minor": 0, "moderate": 0, "serious": 0, "critical": 0}
    for violation in results["violations"]:
        counts[violation["impact"]] += len(violation["nodes"])
    return counts


def structure_problems(driver: webdriver.Chrome) -> list[str]:
    """Return the problems of the open page's headings, alt texts and link texts."""
    state = driver.execute_script(STRUCTURE_JS)
    return (
        _heading_problems(state["headings"])
        + _alt_problems(state["images"])
        + _link_text_problems(state["links"])
    )


def _heading_problems(headings: list[dict]) -> list[str]:
    """One h1, first; no level skipped on the way down (h2 -> h4)."""
    problems = []
    h1s = [h["text"] for h in headings if h["level"] == 1]
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 headings, expected one: {h1s}")
    if headings and headings[0]["level"] != 1:
        problems.append(
            f"first heading is h{headings[0]['level']}: {headings[0]['text']!r}"
        )
    for before, after in zip(headings, headings[1:]):
        if after["level"] > before["level"] + 1:
            problems.append(
                f"heading level skipped: h{before['level']} {before['text']!r} "
                f"-> h{after['level']} {after['text']!r}"
            )
    return problems


def _alt_problems(images: list[dict]) -> list[str]:
    """Every image has an alt text that describes it, not a file name or path."""
    problems = []
    for image in images:
        alt = (image["alt"] or "").strip()
        if not alt:
            problems.append(f"image without alt text: {image['src']}")
        elif FILE_NAME_IN_ALT.search(alt):
            problems.append(f"alt text is a file name: {alt!r} ({image['src']})")
    return problems


def _link_text_problems(links: list[dict]) -> list[str]:
    """Internal links say where they go: no empty, vague ("here") or bare-URL texts."""
    problems = []
    for link in links:
        text = link["text"]
        if not link["internal"]:
            continue
        if not text:
            problems.append(f"link without text: {link['href']}")
        elif text.lower().strip(".:") in VAGUE_LINK_TEXTS:
            problems.append(
                f"link text {text!r} does not say where it goes: {link['href']}"
            )
        elif re.match(r"(https?://|www\.)", text) or text == link["href"]:
            problems.append(f"link text is a bare URL: {text!r}")
    return problems


# --- The lesson first: nothing above a chapter's title ------------------------------

# What a reader sees above the page's H1 in its article: visible elements with text, or
# controls, code cells and images (empty anchors and the title's own section are fine).
ABOVE_TITLE_JS = """
const h1 = document.querySelector("main article h1");
if (!h1) return ["the page's article has no h1"];
const article = h1.closest("article");
const found = [];
const walker = document.createTreeWalker(article, NodeFilter.SHOW_ELEMENT);
let reported = null;
while (walker.nextNode()) {
  const el = walker.currentNode;
  if (el === h1) break;
  if (el.contains(h1) || (reported && reported.contains(el))) continue;
  const box = el.getBoundingClientRect();
  const shown = box.width > 0 && box.height > 0
    && getComputedStyle(el).visibility !== "hidden";
  const text = (el.innerText || "").trim();
  if (shown && (text || el.matches("img, svg, button, input, details, .cell, pre"))) {
    found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")}: `
               + text.slice(0, 80));
    reported = el;
  }
}
return found;
"""


def above_title(driver: webdriver.Chrome) -> list[str]:
    """Return what the open page shows above its H1, in its article."""
    return driver.execute_script(ABOVE_TITLE_JS)


def first_screen(driver: webdriver.Chrome, path: Path) -> None:
    """Save a PNG of what the window shows at the top of the open page."""
    driver.execute_script("window.scrollTo(0, 0)")
    driver.execute_async_script(IMAGES_SETTLED_JS)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))


# --- Self-check quizzes (d2l_helpers.quiz) in a page ---------------------------------

QUIZ_CARD = ".d2l-quiz"
# The state of each question of a quiz card: kind, choices, feedback shown.
QUIZ_STATE_JS = """
const card = document.querySelector(arguments[0]);
if (!card) return null;
return [...card.querySelectorAll(".Quiz")].map(q => {
  const fb = q.querySelector(".Feedback");
  return {
    numeric: Boolean(q.querySelector("input.Input-text")),
    choices: q.querySelectorAll("label.MCButton").length,
    feedback: fb ? fb.innerText.trim() : "",
    verdict: fb ? (fb.classList.contains("correct") ? "correct"
             : fb.classList.contains("incorrect") ? "incorrect" : "") : "",
  };
});
"""
FEEDBACK_ANIMATION_S = 1.0  # jupyterquiz colours a picked choice over 0.8 s


def quiz_selector(key: str) -> str:
    """Return the CSS selector of the quiz card of a question set ("chapter:name")."""
    return f'{QUIZ_CARD}[data-quiz="{key}"]'


def quiz_state(driver: webdriver.Chrome, key: str) -> list[dict] | None:
    """Return the state of each question of a quiz card, or None when absent."""
    return driver.execute_script(QUIZ_STATE_JS, quiz_selector(key))


def wait_for_quiz(driver: webdriver.Chrome, key: str, questions: int) -> None:
    """Wait until jupyterquiz has drawn the card's questions."""
    WebDriverWait(driver, TIMEOUT_S).until(
        lambda d: len(quiz_state(d, key) or []) == questions,
        f"the quiz {key} did not show its {questions} questions",
    )


def wait_for_verdict(
    driver: webdriver.Chrome, key: str, number: int, verdict: str
) -> dict:
    """Wait until question `number` of a quiz card shows a verdict; return its state.

    Returns the state as soon as the card marks the answer ``verdict``, or, after
    the timeout, whatever it shows then (the caller's assertion says what is wrong).
    """
    try:
        WebDriverWait(driver, TIMEOUT_S).until(
            lambda d: quiz_state(d, key)[number]["verdict"] == verdict
        )
    except TimeoutException:
        pass
    return quiz_state(driver, key)[number]


def right_and_wrong(question: dict) -> tuple[object, object]:
    """Return, for a question, an answer that is right and one that is wrong.

    Numeric: a right value (or a right range's middle) and a listed wrong value (or
    a number no range holds); choices: the index of a right one and of a wrong one.
    """
    answers = question["answers"]
    if question["type"] != "numeric":
        right = next(i for i, a in enumerate(answers) if a["correct"])
        wrong = next(i for i, a in enumerate(answers) if not a["correct"])
        return right, wrong
    right = next(a for a in answers if a.get("correct"))
    right = right["value"] if right["type"] == "value" else sum(right["range"]) / 2
    wrong = next(
        (
            a["value"]
            for a in answers
            if a.get("type") == "value" and not a.get("correct")
        ),
        None,
    )
    if wrong is None:
        bounds = [b for a in answers if a.get("type") == "range" for b in a["range"]]
        wrong = max(bounds + [0]) * 10 + 1000
    return right, wrong


def expected_feedback(question: dict, answer: object) -> str:
    """Return the feedback a question gives for an answer (as the quiz shows it)."""
    answers = question["answers"]
    if question["type"] != "numeric":
        text = answers[answer]["feedback"]
    else:
        text = next(
            (
                a["feedback"]
                for a in answers
                if (a.get("type") == "value" and a["value"] == answer)
                or (
                    a.get("type") == "range" and a["range"][0] <= answer < a["range"][1]
                )
            ),
            next(a["feedback"] for a in answers if a.get("type") == "default"),
        )
    return re.sub(r"[`*]", "", text).strip()


def answer(
    driver: webdriver.Chrome,
    key: str,
    number: int,
    question: dict,
    value: object,
    keyboard: bool = False,
    settle: bool = True,
) -> None:
    """Answer question `number` (0-based) of a quiz card, by mouse or by keyboard.

    Numeric: focus its field (Tab by keyboard), type the number, Enter. Choice: click
    the choice, or focus its radio button and press Space. With ``settle``, return
    once the feedback's colours have settled (for checks of colour and contrast).
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    wrapper = driver.find_elements(By.CSS_SELECTOR, f"{quiz_selector(key)} .Quiz")[
        number
    ]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", wrapper)
    if question["type"] == "numeric":
        field = wrapper.find_element(By.CSS_SELECTOR, "input.Input-text")
        if keyboard:
            driver.execute_script("arguments[0].focus()", field)
        else:
            field.click()
        driver.switch_to.active_element.send_keys(
            f"{value:g}" if isinstance(value, float) else str(value), Keys.ENTER
        )
    else:
        choice = wrapper.find_elements(By.CSS_SELECTOR, "label.MCButton")[value]
        if keyboard:
            radio = choice.find_element(By.CSS_SELECTOR, "input[type=radio]")
            driver.execute_script("arguments[0].focus()", radio)
            driver.switch_to.active_element.send_keys(Keys.SPACE)
        else:
            choice.click()
    if settle:
        time.sleep(FEEDBACK_ANIMATION_S)


# A book of one page that shows a quiz: the quiz in the book's theme and CSS, whatever
# the chapters hold (they get their quizzes from the content's authors).
QUIZ_BOOK_CONFIG = """\
title: A quiz
execute:
  execute_notebooks: force
  timeout: 300
sphinx:
  config:
    html_context:
      default_mode: auto
"""
QUIZ_BOOK_PAGE = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page with a self-check

Some text before the quiz: a learner reads the section, then checks what stuck.

```{{code-cell}} ipython3
import d2l_helpers as d2l

d2l.show_quiz("demo", folder={folder!r})
```

Some text after the quiz.
"""
QUIZ_BOOK_QUESTIONS = {
    "quiz": [
        {
            "question": "How many parameters does `nn.Dense(10)` hold after a batch of "
            "28 x 28 images?",
            "type": "numeric",
            "answers": [
                {
                    "type": "range",
                    "range": [7849.5, 7850.5],
                    "correct": True,
                    "feedback": "Right: a 784 x 10 weight and 10 biases.",
                },
                {
                    "type": "value",
                    "value": 7840,
                    "correct": False,
                    "feedback": "That is the weight alone: add one bias per class.",
                },
                {"type": "default", "feedback": "Count the weights and the biases."},
            ],
        },
        {
            "question": (
                "What does `SoftmaxCrossEntropyLoss` take as its first argument?"
            ),
            "type": "multiple_choice",
            "answers": [
                {
                    "answer": "Logits",
                    "correct": True,
                    "feedback": "Yes: it applies the log-softmax itself.",
                },
                {
                    "answer": "Probabilities",
                    "correct": False,
                    "feedback": "No: a softmax would then be applied twice.",
                },
                {
                    "answer": "One-hot labels",
                    "correct": False,
                    "feedback": "No: the labels are its second argument.",
                },
            ],
        },
        {
            "question": "Which of these are hyperparameters?",
            "type": "many_choice",
            "answers": [
                {
                    "answer": "The learning rate",
                    "correct": True,
                    "feedback": "Yes: chosen, not learned.",
                },
                {
                    "answer": "The batch size",
                    "correct": True,
                    "feedback": "Yes: chosen, not learned.",
                },
                {
                    "answer": "The weights",
                    "correct": False,
                    "feedback": "No: training learns them.",
                },
            ],
        },
    ]
}
QUIZ_BOOK_KEY = "demo:quiz"


def build_quiz_book(folder: Path) -> Path:
    """Build the one-page quiz book (with the book's own CSS) in folder; return its
    HTML folder."""
    import json
    import shutil
    import subprocess
    import sys

    quizzes = folder / "quizzes"
    quizzes.mkdir(parents=True)
    (quizzes / "demo.json").write_text(json.dumps(QUIZ_BOOK_QUESTIONS))
    (folder / "_config.yml").write_text(QUIZ_BOOK_CONFIG)
    (folder / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (folder / "index.md").write_text(QUIZ_BOOK_PAGE.format(folder=str(quizzes)))
    shutil.copytree(
        ROOT / "_static", folder / "_static", ignore=shutil.ignore_patterns("latex")
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("jupyter-book")),
            "build",
            str(folder),
            "--path-output",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    html = html_folder(folder)
    if (
        not (html / "index.html").is_file()
        or "d2l-quiz" not in (html / "index.html").read_text()
    ):
        raise RuntimeError(
            f"the quiz book did not build:\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return html
