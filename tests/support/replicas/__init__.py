"""Local replicas of the watched sites' structure, served by the mock server.

Built from the bundled samples (``profilewatch/samples``, copies of ``../shared/sites/samples``):
the real templates' markup with the site's absolute URLs pointed at the mock server, plus the
pages around them that discovery walks (home country list and theme tabs, section listings with
``?page=N`` pagination, language versions, a sitemap). Each ``serve_*`` function programs the
server and returns what a crawl should find.
"""

from __future__ import annotations

import html

from profilewatch import samples


def page(title: str, body: str, *, lang: str = "en", head: str = "") -> str:
    """A small page in the sites' common Drupal layout: header menu, main content, footer."""
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="ltr"><head><meta charset="utf-8" /><title>{html.escape(title)}</title>
{head}</head><body>
<header role="banner"><nav role="navigation"><ul class="menu"><li><a href="/">Home</a></li>
<li><a href="/about">About</a></li><li><a href="/node/385">Terms and Conditions</a></li></ul></nav>
</header>
<main role="main">{body}</main>
<footer role="contentinfo"><p>&copy; 2024</p><a href="/contact">Contact</a></footer>
</body></html>"""


def paragraphs(topic: str, n: int = 3) -> str:
    """Distinct, long enough paragraphs about ``topic`` (real pages are 2-30k characters)."""
    return "\n".join(
        f"<p>{topic}: paragraph {i} describes the programme, the partners involved, the schools "
        f"and the children it reached, and what the evaluation of {topic.lower()} found in the "
        f"year under review, with figures from the ministry and the implementing agencies.</p>"
        for i in range(1, n + 1))


def sample(name: str, base: str, real_base: str) -> str:
    """A bundled sample with its real site's absolute URLs pointing at ``base``."""
    return samples.load_sample(name).replace(real_base, base)
