"""Markup turned into the document's own text.

Markdown is parsed by markdown-it-py and rendered to HTML; that HTML, and any HTML page, is walked by one block
reader (BeautifulSoup), so both keep the same things: the text of headings, paragraphs, list items, table cells,
quotes and of the HTML blocks inside Markdown. Tags, attributes, comments, link targets and images leave no text;
Markdown code blocks and template macros (`{{first:2022-05-06}}`, `{% include x %}`) are dropped. A block that is
nothing but links (「[会議録を見る](…)」, a menu, a list of related pages) points elsewhere: it is navigation,
left out like a page's <nav>. A `.txt` file can be recognised as Markdown or HTML (`detect_markup`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Front matter: YAML between --- lines (or TOML between +++ lines) at the very start of a Markdown file.
_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\n(.*?)\n(?:\1|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_MATTER_KEY = re.compile(r"^[A-Za-z_][\w-]*[ \t]*[:=]", re.M)
_FRONT_MATTER_TITLE = re.compile(r"""^title[ \t]*[:=][ \t]*["']?(.+?)["']?[ \t]*$""", re.M)
# Hugo shortcodes and Jinja, Liquid or MediaWiki-style macros: instructions to a site generator, not text.
_TEMPLATE_MACRO = re.compile(r"\{\{[^{}]*\}\}|\{%.*?%\}", re.S)
# Real tags only (a letter after `<`), so 「<注>」 or "a < b" in plain text survive.
_HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+")


def _front_matter(text: str) -> re.Match | None:
    """Front matter holds `key: value` lines; text between two rules (---) at the top of a note is text."""
    match = _FRONT_MATTER.match(text)
    return match if match and _FRONT_MATTER_KEY.search(match.group(2)) else None


def without_template_macros(text: str) -> str:
    while True:  # an inner macro first: {{a|{{b}}}}
        stripped = _TEMPLATE_MACRO.sub("", text)
        if stripped == text:
            return text
        text = stripped


def clean_markup(text: str) -> str:
    """Markup left in text that was not parsed (plain text, or Markdown written inside an HTML block, which
    CommonMark leaves as it is): front matter, template macros, HTML tags and comments, images, URLs;
    link text is kept."""
    text = split_front_matter(text)[1]
    text = without_template_macros(text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _URL.sub("", text)
    return text


@dataclass
class MarkupText:
    text: str
    title: str | None = None
    headings: list[str] = field(default_factory=list)


# Elements that hold no text of the document: code, page furniture, form controls, ruby readings.
_NEVER_TEXT = frozenset("""script style noscript template head title iframe object svg canvas video audio
nav header footer aside button select option textarea label rt rp""".split())
# Code blocks are the document's text on a web page (<pre> in an article) but not in Markdown notes.
_MARKDOWN_ONLY_DROPS = frozenset({"pre"})
_HEADINGS = frozenset(f"h{level}" for level in range(1, 7))
_BLOCKS = _HEADINGS | frozenset("""address article blockquote caption dd details dialog div dl dt fieldset figcaption
figure form hr legend li main ol p pre section summary table tbody td tfoot th thead tr ul""".split())
_WORD_CHARACTER = re.compile(r"\w")


@dataclass
class _Block:
    pieces: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)  # the text outside any <a href>
    heading: bool = False

    def text(self) -> str:
        lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(self.pieces).split("\n"))
        return "\n".join(line for line in lines if line)

    def is_link_only(self) -> bool:
        """Only links, with at most separators or a note on the link (「（PDF：256KB）」) beside them: a menu entry,
        not a sentence with a link in it. A heading that is a link (a blog title linking to its own page) still
        names the document."""
        from ..language.text import without_bracketed_notes

        outside = "".join(self.unlinked)
        # Markdown links written inside an HTML block reach here unparsed: they are links too.
        outside = without_bracketed_notes(_MD_LINK.sub("", _MD_IMAGE.sub("", outside)))
        return not self.heading and not _WORD_CHARACTER.search(clean_markup(outside))


def _blocks(root, dropped: frozenset[str]) -> tuple[list[str], list[str]]:
    """The text of each block under `root`, in order, and the headings among them."""
    from bs4 import NavigableString, Tag

    blocks: list[str] = []
    headings: list[str] = []
    current = _Block()

    def flush() -> None:
        nonlocal current
        text = clean_markup(current.text()).strip()
        if text and not current.is_link_only():
            blocks.append(text)
            if current.heading:
                headings.append(text)
        current = _Block()

    # A loop over a stack, not recursion: old pages nest thousands of unclosed <font> or <p> tags.
    end_of_block = object()
    stack: list = [(child, False, False) for child in reversed(list(root.children))]
    while stack:
        item = stack.pop()
        if item is end_of_block:
            flush()
            continue
        node, in_link, in_heading = item
        if isinstance(node, NavigableString):
            if type(node) is not NavigableString:  # comments, doctypes, CDATA, processing instructions
                continue
            # A newline in the source is a space; only <br> (or a Markdown line break) ends a line.
            current.pieces.append(str(node).replace("\n", " "))
            if not in_link:
                current.unlinked.append(str(node))
            current.heading = current.heading or in_heading
        elif isinstance(node, Tag) and node.name not in dropped:
            if node.name == "br":
                current.pieces.append("\n")
                continue
            in_link = in_link or (node.name == "a" and node.has_attr("href"))
            in_heading = in_heading or node.name in _HEADINGS
            if node.name in _BLOCKS:
                flush()
                stack.append(end_of_block)
            stack.extend((child, in_link, in_heading) for child in reversed(list(node.children)))
    flush()
    return blocks, headings


def html_text(html: str) -> MarkupText:
    """The main content of a page: <main>, else <article>, else <body>; page furniture and navigation left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else None
    main = soup.find("main") or soup.find("article") or soup.body or soup
    blocks, headings = _blocks(main, _NEVER_TEXT)
    return MarkupText("\n\n".join(blocks), title or None, headings)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """The front matter's title (when it has one) and the text after the front matter."""
    match = _front_matter(text)
    if match is None:
        return None, text
    title = _FRONT_MATTER_TITLE.search(match.group(2))
    title_text = without_template_macros(title.group(1)).strip() if title else ""
    return title_text or None, text[match.end():]


def markdown_text(source: str) -> MarkupText:
    """Markdown read as Markdown. The title is the front matter's, else the first heading."""
    from markdown_it import MarkdownIt
    from bs4 import BeautifulSoup

    title, body = split_front_matter(source)
    # `breaks`: a line break in a paragraph stays a line break, so the chunker can rejoin a hard-wrapped
    # Japanese line without a space, as it does for plain text. Indented code is off: in notes and minutes an
    # indented paragraph is prose, while fenced code blocks (```) are what people use for code.
    parser = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"]).disable("code")
    html = parser.render(without_template_macros(body))
    blocks, headings = _blocks(BeautifulSoup(html, "html.parser"), _NEVER_TEXT | _MARKDOWN_ONLY_DROPS)
    return MarkupText("\n\n".join(blocks), title or (headings[0][:80] if headings else None), headings)


_DOCUMENT_START = re.compile(r"\A\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.I)
_KNOWN_TAG = re.compile(r"</?(?:html|head|body|div|span|p|a|br|hr|img|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|"
                        r"h[1-6]|section|article|main|nav|header|footer|aside|fieldset|legend|form|strong|em|b|i|u|"
                        r"blockquote|pre|code|meta|link|script|style|font|center|small|sup|sub)(?:\s[^<>]*)?/?>", re.I)
_MARKDOWN_SIGNS = {
    "headings": re.compile(r"^#{1,6}[ \t]+\S", re.M),
    "links": re.compile(r"!?\[[^\]\n]+\]\([^)\s]+[^)\n]*\)|^\[[^\]\n]+\]:[ \t]*\S+", re.M),
    "lists": re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.M),
    "code blocks": re.compile(r"^(?:```|~~~)", re.M),
    "tables": re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M),
    "emphasis": re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),
}
# A list alone is ordinary plain text (「- 日時」); two list lines make it a list.
_MINIMUM_HITS = {"lists": 2}


@dataclass
class DetectedMarkup:
    kind: str  # "markdown" or "html"
    evidence: str  # what gave it away, for the warning


def detect_markup(text: str) -> DetectedMarkup | None:
    """Is this plain-text file really HTML or Markdown? HTML: a page (<!DOCTYPE html>, <html>) or tags on a third
    of its lines; Markdown: front matter, or two kinds of Markdown syntax (headings, links, lists, code blocks,
    tables, emphasis). A stray `<`, `#` or list line is not enough: such a file stays plain text."""
    if _DOCUMENT_START.match(text):
        return DetectedMarkup("html", "the markup of an HTML page")
    if _front_matter(text):
        return DetectedMarkup("markdown", "Markdown front matter")
    signs = [name for name, pattern in _MARKDOWN_SIGNS.items()
             if len(pattern.findall(text)) >= _MINIMUM_HITS.get(name, 1)]
    if len(signs) >= 2:
        return DetectedMarkup("markdown", "Markdown " + ", ".join(signs))
    lines = [line for line in text.splitlines() if line.strip()]
    tagged = sum(1 for line in lines if _KNOWN_TAG.search(line))
    tags = len(_KNOWN_TAG.findall(text))
    if tags >= 5 and tagged * 3 >= len(lines):
        return DetectedMarkup("html", f"{tags} HTML tags")
    return None
