"""``digest.html``: one self-contained page (inline CSS and JS, no external requests but
the audio itself).

* an ``<audio>`` player (``audio_href``, else the episode's ``audio_url``);
* the items: a time button per item that seeks the player there (``data-t`` seconds),
  category, headline, summary, entities and the item's full text;
* the transcript, one paragraph per segment (each with its own seek button), with every
  glossary correction wrapped in ``<mark class="corr">`` showing *before → after* on hover.

Everything that comes from data is HTML-escaped; the inline script is a constant that reads
only ``data-`` attributes, so a ``</script>`` in a title cannot break out of it.
"""

from __future__ import annotations

import html
import logging

from audio2digest.render import Renderer, register
from audio2digest.render.common import LABELS, clock, episode_title, is_web_url, is_zh, source_url, timed_url
from audio2digest.text.language import is_cjk_language
from audio2digest.types import Correction, Digest, Transcript

logger = logging.getLogger("audio2digest.render")


def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


CSS = """
:root{--fg:#1d1d1f;--muted:#6e6e73;--accent:#0a66c2;--bg:#fff;--mark:#fff3b0}
*{box-sizing:border-box}
body{font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:860px;padding:1rem 1.2rem 4rem}
header{position:sticky;top:0;background:var(--bg);padding:.5rem 0;border-bottom:1px solid #ddd;z-index:2}
h1{font-size:1.5rem;margin:.2rem 0}
.meta{color:var(--muted);font-size:.9rem;margin:.2rem 0 .5rem}
audio{width:100%}
ol.items{padding-left:1.4rem}
li.item{margin:1rem 0;padding:.2rem .4rem;border-radius:6px}
li.item.playing{background:#eef5ff}
li.item.intro,li.item.outro{color:var(--muted)}
.seek{font:inherit;font-variant-numeric:tabular-nums;color:var(--accent);background:none;border:1px solid #c9d7ea;
border-radius:4px;padding:0 .35rem;cursor:pointer;margin-right:.4rem}
.seek:hover{background:#eef5ff}
.cat{display:inline-block;font-size:.8rem;color:#fff;background:#5b6b7f;border-radius:3px;padding:0 .35rem;margin-right:.3rem}
.summary{margin:.2rem 0}
.entities{font-size:.9rem;color:var(--muted)}
.ent{display:inline-block;border:1px solid #ddd;border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0}
details{margin:.2rem 0}
#transcript p{margin:.4rem 0}
mark.corr{background:var(--mark);position:relative;border-bottom:1px dotted #b58900;cursor:help}
mark.corr:hover::after{content:attr(data-before) " \\2192  " attr(data-after);position:absolute;left:0;top:1.6em;
white-space:nowrap;background:#222;color:#fff;font-size:.8rem;padding:.1rem .4rem;border-radius:3px;z-index:3}
.nosrc{color:var(--muted);font-size:.9rem}
"""

# A constant: never formatted with data.
SCRIPT = """
(function () {
  var player = document.getElementById("player");
  function seek(t) {
    if (!player || isNaN(t)) return;
    try { player.currentTime = t; } catch (e) { return; }
    var p = player.play && player.play();
    if (p && p.catch) p.catch(function () {});
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target && ev.target.closest ? ev.target.closest("[data-t]") : null;
    if (!el) return;
    ev.preventDefault();
    seek(parseFloat(el.getAttribute("data-t")));
  });
  var items = Array.prototype.slice.call(document.querySelectorAll("li.item[data-start]"));
  if (player) player.addEventListener("timeupdate", function () {
    var t = player.currentTime;
    items.forEach(function (li) {
      var s = parseFloat(li.getAttribute("data-start")), e = parseFloat(li.getAttribute("data-end"));
      li.classList.toggle("playing", t >= s && t < e);
    });
  });
})();
"""


def _seg_offsets(transcript: Transcript, cjk: bool) -> list[tuple[int, int]]:
    """Character span of each segment's stripped text inside ``transcript.text``."""
    sep = "" if cjk else " "
    spans = []
    pos = 0
    first = True
    for s in transcript.segments:
        t = s.text.strip()
        if not t:
            spans.append((pos, pos))
            continue
        if not first:
            pos += len(sep)
        spans.append((pos, pos + len(t)))
        pos += len(t)
        first = False
    return spans


def _corrections_by_segment(
    transcript: Transcript, cjk: bool
) -> dict[int, list[tuple[int, int, Correction]]]:
    """Corrections as (start, end) offsets into each segment's stripped text, by position."""
    out: dict[int, list[tuple[int, int, Correction]]] = {}
    segs = transcript.segments
    by_id = {s.id: k for k, s in enumerate(segs)}
    offsets = _seg_offsets(transcript, cjk)
    for c in transcript.corrections:
        if c.segment is not None and c.segment >= 0:
            # audio2digest.text.correct numbers segments by position in transcript.segments
            k = c.segment if c.segment < len(segs) else by_id.get(c.segment)
            if k is None:
                continue
            raw = segs[k].text
            lead = len(raw) - len(raw.lstrip())
            a, b = c.start - lead, c.end - lead
        else:
            k = next((j for j, (s, e) in enumerate(offsets) if s <= c.start < e), None)
            if k is None:
                continue
            a, b = c.start - offsets[k][0], c.end - offsets[k][0]
        text = segs[k].text.strip()
        if not (0 <= a < b <= len(text)) or text[a:b] != c.after:
            found = text.find(c.after) if c.after else -1
            if found < 0:
                logger.debug("correction %r → %r not found in segment %d", c.before, c.after, k)
                continue
            a, b = found, found + len(c.after)
        out.setdefault(k, []).append((a, b, c))
    return out


def _highlight(text: str, spans: list[tuple[int, int, Correction]]) -> str:
    out = []
    pos = 0
    for a, b, c in sorted(spans, key=lambda x: x[0]):
        if a < pos:
            continue  # overlapping: keep the first
        out.append(esc(text[pos:a]))
        tip = f"{c.before} → {c.after}"
        out.append(
            f'<mark class="corr" title="{esc(tip)}" data-before="{esc(c.before)}" '
            f'data-after="{esc(c.after)}" data-rule="{esc(c.rule)}">{esc(text[a:b])}</mark>'
        )
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def render(digest: Digest, transcript: Transcript | None = None, audio_href: str | None = None) -> str:
    zh = is_zh(digest)
    L = LABELS[zh]
    title = episode_title(digest)
    ep = digest.episode
    src = source_url(digest)
    # audio_href comes from the command line (checked there); ep.audio_url from a digest.json
    # that may come from elsewhere: http(s) only, never javascript:/data:/file:
    href = audio_href or (ep.audio_url if is_web_url(ep.audio_url) else "")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else esc(digest.language or "en")}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="audio2digest">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
    ]
    meta = [m for m in (ep.date, ep.uploader) if m]
    if digest.duration:
        meta.append(clock(digest.duration))
    meta_html = " · ".join(esc(m) for m in meta)
    if src:
        meta_html += (
            " · " if meta_html else ""
        ) + f'<a href="{esc(src)}" rel="noopener">{esc(L["source"])}</a>'
    parts.append(f'<p class="meta">{meta_html}</p>')
    if href:
        parts.append(f'<audio id="player" controls preload="metadata" src="{esc(href)}"></audio>')
    else:
        parts.append('<audio id="player" controls preload="none"></audio>')
        parts.append('<p class="nosrc">(no audio file given)</p>')
    parts.append("</header>")
    parts.append("<main>")
    parts.append(f'<section id="items"><h2>{esc(L["overview"])}</h2>')
    if not digest.items:
        parts.append(f"<p>{esc(L['none'])}</p>")
    parts.append('<ol class="items">')
    for n, it in enumerate(digest.items, 1):
        attrs = f'class="item {esc(it.kind)}" id="item-{n}"'
        if it.start is not None:
            attrs += (
                f' data-start="{it.start:.3f}" data-end="{(it.end if it.end is not None else it.start):.3f}"'
            )
        parts.append(f"<li {attrs}>")
        head = []
        if it.start is not None:
            link = timed_url(src, it.start) if src else f"#t={it.start:.2f}"
            head.append(
                f'<a class="seek" href="{esc(link)}" data-t="{it.start:.3f}" '
                f'title="{esc(clock(it.start))}">{esc(clock(it.start))}</a>'
            )
        if it.category:
            head.append(f'<span class="cat">{esc(it.category)}</span>')
        head.append(f'<strong class="title">{esc(it.title)}</strong>')
        parts.append("<div>" + "".join(head) + "</div>")
        if it.summary:
            parts.append(f'<p class="summary">{esc(it.summary)}</p>')
        if it.entities:
            ents = "".join(
                f'<span class="ent" title="{esc(e.category)}">{esc(e.term)}</span>' for e in it.entities
            )
            parts.append(f'<div class="entities">{esc(L["entities"])}: {ents}</div>')
        if it.text and it.text.strip() != (it.summary or "").strip():
            parts.append(f"<details><summary>{esc(L['details'])}</summary><p>{esc(it.text)}</p></details>")
        parts.append("</li>")
    parts.append("</ol></section>")
    if transcript is not None and transcript.segments:
        cjk = is_cjk_language(transcript.language, transcript.text)
        corr = _corrections_by_segment(transcript, cjk)
        parts.append(f'<section id="transcript"><h2>{esc(L["transcript"])}</h2>')
        for k, seg in enumerate(transcript.segments):
            text = seg.text.strip()
            if not text:
                continue
            parts.append(
                f'<p class="seg" id="seg-{k}"><a class="seek ts" href="#t={seg.start:.2f}" '
                f'data-t="{seg.start:.3f}">{esc(clock(seg.start))}</a>{_highlight(text, corr.get(k, []))}</p>'
            )
        parts.append("</section>")
    parts.append("</main>")
    parts.append(f"<script>{SCRIPT}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


register(Renderer("html", "digest.html", render, "one self-contained HTML page with player"))
