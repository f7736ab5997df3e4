"""Checks of a built Jupyter Book in a real browser: headless Chromium driven by Selenium.

``serve`` serves an HTML folder on 127.0.0.1, ``chromium`` starts the browser, and a
``PageChecker`` opens pages one by one and reports what a reader would see go wrong:
console errors, images that did not load, equations MathJax did not typeset, cells that
show an error, and internal links whose file or anchor does not exist.
"""

import base64
import contextlib
import functools
import http.server
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag

import yaml
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-quic", "--no-proxy-server",
                  "--window-size=1280,900")
TIMEOUT_S = 30
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
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
  const mathjaxLoaded = Boolean(window.MathJax && MathJax.startup && MathJax.startup.promise);
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
    errorOutputs: [...document.querySelectorAll(".cell_output .traceback, .cell_output .error")]
      .filter(shown).map(el => el.textContent.trim().slice(0, 200)),
    tracebackTexts: [...document.querySelectorAll(".cell_output")].filter(shown)
      .filter(el => el.textContent.includes("Traceback")).length,
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
  };
})().then(done, error => done({scriptError: String(error)}));
"""


def toc_pages(book: Path) -> list[str]:
    """Return the HTML paths of every page in a book's _toc.yml, in reading order."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    files = [toc["root"]]

    def collect(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            collect(entry.get("sections", []) + entry.get("chapters", []))

    collect(toc.get("parts", []) + toc.get("chapters", []))
    return [str(PurePosixPath(f).with_suffix(".html")) for f in files]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing."""


class _QuietServer(http.server.ThreadingHTTPServer):
    """An HTTP server that ignores clients hanging up (the browser leaving a page)."""

    def handle_error(self, request: object, client_address: tuple) -> None:
        """Report errors other than a closed connection."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1 from a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with _QuietServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/"
        finally:
            server.shutdown()
            thread.join()


@contextlib.contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Start headless Chromium with a fresh profile, keeping its console log; quit after."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS + (f"--user-data-dir={profile}",):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options,
                                  service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
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


@dataclass
class PageReport:
    """What a page showed: the problems found, and how much was checked."""

    page: str
    problems: list[str] = field(default_factory=list)
    equations: int = 0
    figures: int = 0
    internal_links: int = 0


class PageChecker:
    """Open pages of one served site in one browser and report their problems."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver, self.base_url = driver, base_url
        self._targets: dict[str, tuple[int, set[str] | None]] = {}

    def check(self, page: str, screenshot: Path | None = None) -> PageReport:
        """Load a page, wait for MathJax and images, check it, optionally save a screenshot."""
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.get(self.base_url + page)
        WebDriverWait(self.driver, TIMEOUT_S).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")
        state = self.driver.execute_async_script(PAGE_STATE_JS)
        report = PageReport(page)
        if "scriptError" in state:
            report.problems.append(f"page check script failed: {state['scriptError']}")
            return report
        report.equations, report.figures = state["equations"], state["figures"]
        report.problems += self._console_errors()
        report.problems += self._image_problems(state)
        report.problems += self._math_problems(state)
        report.problems += self._cell_problems(state)
        report.problems += self._link_problems(state["links"], report)
        if screenshot is not None:
            self.save_screenshot(screenshot)
        return report

    def _console_errors(self) -> list[str]:
        """Return the SEVERE entries of the browser console since the page was opened."""
        return [f"console error: {entry['message']}" for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE"]

    @staticmethod
    def _image_problems(state: dict) -> list[str]:
        """Return one problem per image that did not decode to a non-empty picture."""
        return [f"broken image: {image['src']}" for image in state["images"] if not image["ok"]]

    @staticmethod
    def _math_problems(state: dict) -> list[str]:
        """Return problems with equations: MathJax missing, not typeset, TeX errors, raw TeX."""
        problems = []
        if state["equations"] and not state["mathjaxLoaded"]:
            problems.append(f"MathJax did not load, {state['equations']} equation(s) not typeset")
        problems += [f"equation not typeset: {tex[:80]}" for tex in state["untypeset"]]
        problems += [f"MathJax error: {error}" for error in state["mathErrors"]]
        for delimiter in ("$$", "\\[", "\\("):
            if delimiter in state["prose"]:
                problems.append(f"raw TeX delimiter {delimiter} left in the text")
        return problems

    @staticmethod
    def _cell_problems(state: dict) -> list[str]:
        """Return problems for cell outputs that show an error or a traceback."""
        problems = [f"cell shows an error output: {text}" for text in state["errorOutputs"]]
        if state["tracebackTexts"]:
            problems.append(f"{state['tracebackTexts']} cell output(s) show a Traceback")
        return problems

    def _link_problems(self, links: list[str], report: PageReport) -> list[str]:
        """Fetch the target of every link into the site; report missing files and anchors."""
        problems = []
        internal = sorted({link for link in links if link.startswith(self.base_url)})
        report.internal_links = len(internal)
        for link in internal:
            url, fragment = urldefrag(link)
            status, anchors = self._target(url)
            if status != 200:
                problems.append(f"broken link: {link} (HTTP {status})")
            elif fragment and anchors is not None and unquote(fragment) not in anchors:
                problems.append(f"broken link: {link} (no element with id {unquote(fragment)!r})")
        return problems

    def _target(self, url: str) -> tuple[int, set[str] | None]:
        """Return the HTTP status of a URL and, for an HTML page, its anchors (cached)."""
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
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        width = self.driver.execute_script("return window.innerWidth")
        height = int(min(size["height"], MAX_SCREENSHOT_HEIGHT))
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        try:
            self.driver.execute_async_script(IMAGES_SETTLED_JS)
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
