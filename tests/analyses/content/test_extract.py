"""Main-content extraction on real-shaped pages: boilerplate out, structure kept."""

import trafilatura
import trafilatura.external

from apps.analyses.content import extract, extract_main
from apps.web.charset import decode_html
from apps.web.document import HtmlDocument

ARTICLE = """<!doctype html><html lang="en"><head><title>Tides explained</title></head><body>
<header><a href="/">Coastal Times</a><nav><a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/weather">Weather</a></nav></header>
<div id="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies?</p>
<button>Accept</button></div>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Mayor opens new pier</a></li>
<li><a href="/b">Storm warning for Friday</a></li></ul></aside>
<article><h1>Why the tide comes in twice a day</h1>
<p>The Moon pulls on the oceans, and the water closest to it bulges towards it. On the far
side of the Earth a second bulge forms, because the Moon pulls the planet itself more strongly
than the distant water. As the Earth turns, every coast passes through both bulges.</p>
<p>That is why most places see <strong>two high tides</strong> and two low tides in a little
more than a day: the Moon moves along its orbit while the Earth turns, so each cycle takes
about twelve hours and twenty-five minutes. <a href="/science/moon">More about the Moon</a>
explains its orbit in detail.</p>
<blockquote><p>The sea is never still; it only waits for the Moon.</p></blockquote>
<h2>Spring and neap tides</h2>
<p>When the Sun and the Moon line up, at new and full moon, their pulls add up and the tides
are larger than usual. A week later they pull at right angles and the range is smallest.</p>
<ul><li>Spring tides: the largest range, twice a month.</li>
<li>Neap tides: the smallest range, between them.</li></ul>
<p><img src="/img/tides.png" alt="Diagram of the two tidal bulges"></p>
</article>
<div class="share-buttons"><a href="https://social.example/share">Share on Social</a></div>
<section class="related"><h3>Related articles</h3><a href="/c">Ten beaches to visit</a></section>
<footer><p>© Coastal Times. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""

DOCS = """<!doctype html><html lang="en"><head><title>Config reference</title></head><body>
<nav class="sidebar"><ul><li><a href="/docs/install">Install</a></li>
<li><a href="/docs/config">Configuration</a></li><li><a href="/docs/faq">FAQ</a></li></ul></nav>
<main><h1 id="config"><a class="anchor" href="#config">Configuration</a></h1>
<p>The service reads its settings from environment variables when it starts; nothing is read
from files. Set them in your shell, in a systemd unit or in the compose file of your choice.</p>
<pre><code class="language-bash">export APP_PORT=8080
export APP_WORKERS=4
app serve --config-from-env</code></pre>
<p>Every variable has a default<!-- see defaults.py --> that suits a small installation, and
the table lists what each one changes.</p>
<table><thead><tr><th>Variable</th><th>Default</th><th>Meaning</th></tr></thead>
<tbody><tr><td><code>APP_PORT</code></td><td>8000</td><td>Port the server listens on</td></tr>
<tr><td><code>APP_WORKERS</code></td><td>2</td><td>Worker processes started</td></tr></tbody>
</table>
<p hidden>Internal note: remove before release.</p>
<p>See <a href="../install">the installation guide</a> for the first steps.</p></main>
<footer>Built with a documentation generator.</footer></body></html>"""


def _extract(html: str, url: str = "https://news.example/science/tides"):
    return extract_main(HtmlDocument.parse(html, url))


def test_an_article_keeps_its_text_and_structure_and_loses_the_boilerplate():
    markdown = _extract(ARTICLE).markdown
    assert markdown.startswith("# Why the tide comes in twice a day")
    assert "## Spring and neap tides" in markdown
    assert "**two high tides**" in markdown
    assert "> The sea is never still; it only waits for the Moon." in markdown
    assert "- Spring tides: the largest range, twice a month." in markdown
    assert "![Diagram of the two tidal bulges](https://news.example/img/tides.png)" in markdown
    assert "[More about the Moon](https://news.example/science/moon)" in markdown
    for boilerplate in ("Coastal Times", "Weather", "cookies", "Most read", "Share on",
                        "Ten beaches", "All rights reserved"):
        assert boilerplate not in markdown, boilerplate


def test_a_docs_page_keeps_code_blocks_tables_and_text_after_comments():
    content = _extract(DOCS, "https://docs.example/docs/config/")
    markdown = content.markdown
    assert markdown.startswith("# Configuration\n")  # the heading's own permalink unwrapped
    assert "```\nexport APP_PORT=8080\nexport APP_WORKERS=4\napp serve --config-from-env\n```" \
        in markdown
    assert "| `APP_PORT` | 8000 | Port the server listens on |" in markdown
    # The text after the HTML comment survives (trafilatura alone drops it).
    assert "that suits a small installation" in markdown
    assert "Internal note" not in markdown  # hidden from everyone
    assert "[the installation guide](https://docs.example/docs/install)" in markdown
    assert "Install" not in markdown.replace("installation", "")  # the sidebar
    # Readability reads the prose only: no code, no table.
    assert "APP_WORKERS" in content.text and "APP_WORKERS" not in content.prose


def test_a_page_without_a_charset_is_decoded_before_extraction():
    text = ("<html><head><title>Crème brûlée</title></head><body><main><h1>Crème brûlée</h1>"
            "<p>" + "Une crème brûlée à la française, préparée avec des œufs frais. " * 8
            + "</p></main></body></html>")
    body = text.encode("windows-1252")  # no <meta charset>, no Content-Type charset
    decoded, _encoding = decode_html(body, "text/html")
    markdown = _extract(decoded, "https://recettes.example/").markdown
    assert "Une crème brûlée à la française, préparée avec des œufs frais." in markdown


def test_a_page_with_no_main_content_gives_empty_content():
    assert _extract("<html><body><nav><a href='/'>Home</a></nav></body></html>").empty
    assert extract_main(None).empty


def test_both_passes_share_one_readability_answer_and_extract_the_same(monkeypatch):
    document = HtmlDocument.parse(ARTICLE, "https://news.example/tides")
    with_memo = extract_main(document)
    calls = []

    def counted(tree):
        calls.append(tree)
        return original(tree)

    original = extract._try_readability
    monkeypatch.setattr(extract, "_try_readability", counted)
    extract_main(document)
    assert len(calls) == 1  # the plain and the rich pass asked about the same tree
    # Without the memo (readability asked by each pass) the content is the same.
    monkeypatch.setattr(trafilatura.external, "try_readability", original)
    assert extract_main(document) == with_memo
    assert len(calls) == 1
    # Outside extract_main, trafilatura's own behaviour: asked every time.
    monkeypatch.setattr(trafilatura.external, "try_readability", extract._memoized_readability)
    trafilatura.extract(ARTICLE)
    assert len(calls) == 2
