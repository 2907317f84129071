"""report.html: one self-contained page that shows a run at a glance.

No network, no CDN, no script from elsewhere: the styles and the few lines of script are inside the file,
so it opens from a USB stick. The page is in Japanese or English after the statements' language. It shows
the angle × side grid (checked sides when the stance check ran; an empty cell stands out), every exported
statement with its rule findings, its quote and source document (expand to see the passage), for each cell
no statement fills the document passages that speak to it (report.json's `evidence`), the merged duplicates, the candidates the rules dropped and why, and how many statements each document gave.

`load_run` reads a run folder (the only I/O here); `render_report` turns it into HTML.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..messages import say, term as say_term
from ..models import Reason, Statement, cell_counts, counted_side, sides_checked
from ..stages.lint import findings_by_index

SIDES = ("pro", "con", "unclear")
LABELS = {
    "ja": {"title": "polis-seed 実行レポート", "subject": "主題", "summary": "概要", "grid": "観点 × 立場",
           "pro": "賛成側", "con": "反対側", "unclear": "どちらでもない", "angle": "観点", "total": "計",
           "statements": "シード文", "findings": "ルールの指摘", "quote": "引用", "source": "出典", "passage": "出典の段落を見る",
           "merged": "統合された重複", "kept": "残した文", "absorbed": "統合された文", "tier": "方式", "reason": "理由",
           "near": "近いが別の主張として残した組", "dropped": "ルールで落とした候補", "reasons": "落とした理由",
           "documents": "文書ごとのシード文", "document": "文書", "count": "数", "none": "なし",
           "empty_cell": "空欄: この観点・立場のシード文がありません", "exported": "出力したシード文", "generated": "生成した文",
           "strategy": "方式", "model": "モデル", "quoted": "「{}」", "notes": "注記", "side_checked": "立場は文面から判定したもの",
           "side_asked": "立場は依頼した側（立場の判定なし）", "no_statements": "シード文がありません",
           "rows": "行"},
    "en": {"title": "polis-seed run report", "subject": "Subject", "summary": "Summary", "grid": "Angle × side",
           "pro": "pro", "con": "con", "unclear": "unclear", "angle": "angle", "total": "total",
           "statements": "Statements", "findings": "rule findings", "quote": "quote", "source": "source",
           "passage": "show the passage", "merged": "Merged duplicates", "kept": "kept", "absorbed": "absorbed",
           "tier": "tier", "reason": "reason", "near": "Near misses kept apart", "dropped": "Candidates the rules dropped",
           "reasons": "why", "documents": "Statements per document", "document": "document", "count": "statements",
           "none": "none", "empty_cell": "empty: no statement for this angle and side", "exported": "exported",
           "generated": "generated", "strategy": "strategy", "model": "model", "quoted": "“{}”", "notes": "Notes",
           "side_checked": "sides as the stance check read them", "side_asked": "sides as asked (no stance check)",
           "no_statements": "no statements", "rows": "rows"},
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",Meiryo,sans-serif;margin:0;
 color:#1d1d1f;background:#fafafa;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:1.5rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}
th,td{border:1px solid #d0d0d0;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.n{text-align:center;font-variant-numeric:tabular-nums;width:6rem}
td.empty{background:#ffe1e1;color:#a40000;font-weight:bold}td.empty a{color:inherit}
.cell-evidence{background:#fff;border:1px solid #e0c0c0;border-left:5px solid #d88;border-radius:.3rem;
 margin:.5rem 0;padding:.4rem .7rem}
.cell-evidence h3{font-size:1rem;margin:.1rem 0 .3rem}.cell-evidence ol{margin:.2rem 0;padding-left:1.4rem}
.cell-evidence li{margin:.3rem 0}.evidence-text{font-size:.95rem}
.pro{color:#0a6b2d}.con{color:#a03000}.unclear{color:#666}
.tag{display:inline-block;border-radius:.6rem;padding:0 .45rem;font-size:.8rem;border:1px solid currentColor;
 margin-right:.3rem}
.finding{color:#8a5a00;font-size:.85rem}
.quote{color:#444;font-size:.9rem}.support{color:#245;font-size:.85rem}
details{font-size:.85rem;color:#333}summary{cursor:pointer;color:#0645ad}
.passage{white-space:pre-wrap;background:#f6f6f6;border-left:3px solid #bbb;padding:.4rem .6rem;margin:.3rem 0}
.meta{color:#555;font-size:.9rem}
mark{background:#fff2a8}
"""


@dataclass
class RunView:
    """What report.html shows, read from a run folder."""

    folder: Path
    language: str
    topic: str | None
    exported: list[Statement]
    generated: list[Statement]
    angles: list[dict]
    merges: list[dict]
    dropped: list[dict]
    documents: list[dict]
    passages: dict[str, str]
    evidence: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # angle → side → passages
    notes: list[str] = field(default_factory=list)  # in English
    notes_why: list[dict] = field(default_factory=list)  # the same as message ids and parameters (models.Reason)
    strategy: str = ""
    model: str = ""
    max_chars: int = 140


def _jsonl(path: Path) -> list[Statement]:
    if not path.is_file():
        return []
    return [Statement.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_run(folder: Path, max_chars: int = 140) -> RunView:
    """A run folder (what `polis-seed run -o DIR` wrote) → RunView. Raises InputError when it is not one."""
    report_file = folder / "report.json"
    if not report_file.is_file():
        raise InputError(f"{folder}: no report.json here; give the folder `polis-seed run -o DIR` wrote")
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{report_file}: not valid JSON ({error.msg}); run polis-seed run again") from None
    generated = _jsonl(folder / "statements.jsonl")
    exported = _jsonl(folder / "reviewed.jsonl") or _jsonl(folder / "deduped.jsonl") or generated
    merges: list[dict] = []
    if (folder / "merges.csv").is_file():
        merges = list(csv.DictReader(io.StringIO((folder / "merges.csv").read_text(encoding="utf-8"))))
    language = report.get("language") or ("ja" if any(_is_japanese(s.text) for s in exported) else "en")
    usage = report.get("usage") or {}
    return RunView(
        folder=folder, language=language if language in LABELS else "en",
        topic=(report.get("topic") or {}).get("name"), exported=exported, generated=generated,
        angles=report.get("angles") or [], merges=merges,
        dropped=(report.get("report") or {}).get("dropped") or [], documents=report.get("documents") or [],
        passages=report.get("passages") or {}, evidence=report.get("evidence") or {},
        notes=report.get("notes") or [], notes_why=report.get("notes_why") or [],
        strategy=report.get("strategy") or "", model=str(usage.get("model") or ""), max_chars=max_chars)


def angle_name(angle: dict, language: str) -> str:
    from ..models import Angle

    try:
        return Angle.model_validate(angle).text("name", language, None)
    except ValueError:
        return str(angle.get("name") or angle.get("id"))


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" for ch in text)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def grid(view: RunView) -> tuple[list[str], dict[str, Counter]]:
    """Angles in file order (then any others the statements name) and the count per side each counts on."""
    order = [angle["id"] for angle in view.angles]
    order += [s.angle for s in view.exported if s.angle and s.angle not in order]
    counts: dict[str, Counter] = {angle: Counter() for angle in order}
    for (angle, side), count in cell_counts(view.exported).items():
        counts[angle][side] += count
    return order, counts


def drop_reasons(drop: dict, language: str, names: dict[str, str] | None = None) -> list[str]:
    """Why a candidate was dropped, in the page's language: from its reasons as ids and parameters (`why`), or
    the English text a run before them kept."""
    if drop.get("why"):
        return [Reason.model_validate(reason).as_reason(language, names) for reason in drop["why"]]
    return [str(reason) for reason in drop.get("reasons") or []]


def merge_reason(merge: dict, language: str) -> str:
    """Why dedupe merged two statements or kept them apart, in the page's language (a merges.csv from before its
    `why` column says it in English)."""
    try:
        return Reason.model_validate_json(merge["why"]).text(language)
    except (KeyError, TypeError, ValueError):
        return str(merge.get("reason") or "")


def empty_cells(view: RunView) -> list[tuple[str, str]]:
    """The angle × side cells (pro and con) no exported statement counts on, in grid order: the cells whose
    evidence the page shows. A statement whose side read as unclear fills neither."""
    order, counts = grid(view)
    return [(angle, side) for angle in order for side in ("pro", "con") if counts[angle][side] == 0]


def cell_id(angle: str, side: str) -> str:
    return f"evidence-{angle}-{side}"


def _evidence_section(view: RunView, names: dict[str, str]) -> str:
    """For each empty cell the document passages that speak to it, with their source and context."""
    language = view.language
    cells = empty_cells(view)
    if not cells:
        return ""
    parts = [f'<section id="evidence"><h2>{_e(say("evidence.title", language=language))} ({len(cells)})</h2>',
             f'<p class="meta">{_e(say("evidence.intro", {"command": f"polis-seed review {view.folder.name}"}, language))}'
             "</p>"]
    for angle, side in cells:
        passages = (view.evidence.get(angle) or {}).get(side) or []
        title = say("evidence.cell", {"angle": angle, "side": side}, language, names)
        parts.append(f'<div class="cell-evidence" id="{_e(cell_id(angle, side))}" data-angle="{_e(angle)}" '
                     f'data-side="{side}"><h3 class="{side}">{_e(title)}</h3>')
        if not passages:
            parts.append(f'<p class="meta">{_e(say("evidence.none", language=language))}</p></div>')
            continue
        parts.append("<ol>")
        for passage in passages:
            source = " — ".join(part for part in (passage.get("title"), passage.get("path")) if part)
            context = "\n".join(part for part in (passage.get("before"), passage.get("text"), passage.get("after")) if part)
            parts.append(f'<li class="passage-item"><div class="evidence-text">{_e(passage.get("text", ""))}</div>'
                         f'<div class="meta">{_e(say("evidence.source", language=language))}: {_e(source)}</div>')
            if passage.get("before") or passage.get("after"):
                parts.append(f'<details><summary>{_e(say("evidence.context", language=language))}</summary>'
                             f'<div class="passage">{_highlight(context, passage.get("text"))}</div></details>')
            parts.append("</li>")
        parts.append("</ol></div>")
    parts.append("</section>")
    return "".join(parts)


SHOWN_ROWS = 20


def held_by(statement: Statement, language: str) -> str:
    """"held by 12 of 607 comments (rows …)" / 「コメント607件中12件が持つ主張（行 …）」, in the page's language."""
    support = statement.support
    if support is None:
        return ""
    rows = [holder.row for holder in support.holders if holder.row]
    if not rows:
        return say("held-by", {"count": support.count, "of": support.of, "unit": support.unit}, language)
    return say("held-by.row" if len(rows) == 1 else "held-by.rows", {"count": support.count, "of": support.of, "unit": support.unit,
                                "rows": rows[:SHOWN_ROWS], "more": ", …" if len(rows) > SHOWN_ROWS else ""}, language)


def merge_score(merge: dict) -> str:
    """How alike the pair is, each scale named: "ratio 89 · cosine 0.9512" (a merges.csv from before the two columns
    has one `score`)."""
    shown = [f"{name} {merge[column]}" for name, column in (("ratio", "fuzzy_ratio"), ("cosine", "cosine"))
             if merge.get(column)]
    return " · ".join(shown) if shown else str(merge.get("score") or "")


def _highlight(passage: str, quote: str | None) -> str:
    if quote and quote in passage:
        before, _, after = passage.partition(quote)
        return f"{_e(before)}<mark>{_e(quote)}</mark>{_e(after)}"
    return _e(passage)


def render_report(view: RunView) -> str:
    t = LABELS[view.language]
    names = {angle["id"]: angle_name(angle, view.language) for angle in view.angles}
    checked = sides_checked(view.exported)
    order, counts = grid(view)
    parts = [f'<!DOCTYPE html><html lang="{view.language}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width,initial-scale=1">',
             # Nothing may be fetched: no network at all, even by accident.
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{_e(t['title'])}</title><style>{STYLE}</style></head><body><main>",
             f"<h1>{_e(t['title'])}</h1>"]
    if view.topic:
        parts.append(f"<p><strong>{_e(t['subject'])}:</strong> {_e(view.topic)}</p>")
    parts.append(f'<p class="meta">{_e(t["exported"])}: <strong id="exported-count">{len(view.exported)}</strong> · '
                 f'{_e(t["generated"])}: {len(view.generated)} · {_e(t["strategy"])}: {_e(view.strategy or "-")} · '
                 f'{_e(t["model"])}: {_e(view.model or "-")} · {_e(view.folder.name)}</p>')

    # The grid.
    parts.append(f'<section id="grid"><h2>{_e(t["grid"])}</h2><p class="meta">'
                 f'{_e(t["side_checked"] if checked else t["side_asked"])}</p>')
    parts.append(f'<table class="grid"><tr><th>{_e(t["angle"])}</th>'
                 + "".join(f'<th class="{side}">{_e(t[side])}</th>' for side in SIDES) + f'<th>{_e(t["total"])}</th></tr>')
    for angle in order:
        row = counts[angle]
        cells = []
        for side in SIDES:
            value = row[side]
            missing = value == 0 and side != "unclear"
            shown = f'<a href="#{_e(cell_id(angle, side))}">{value}</a>' if missing else str(value)
            cells.append(f'<td class="n{" empty" if missing else ""}" data-angle="{_e(angle)}" data-side="{side}"'
                         + (f' title="{_e(t["empty_cell"])}"' if missing else "") + f">{shown}</td>")
        parts.append(f'<tr><th title="{_e(angle)}">{_e(names.get(angle, angle))}</th>{"".join(cells)}'
                     f'<td class="n">{sum(row.values())}</td></tr>')
    parts.append("</table></section>")
    parts.append(_evidence_section(view, names))

    # Every statement.
    findings = findings_by_index(view.exported, view.max_chars)
    parts.append(f'<section id="statements"><h2>{_e(t["statements"])} ({len(view.exported)})</h2>')
    if not view.exported:
        parts.append(f"<p>{_e(t['no_statements'])}</p>")
    documents = {document["id"]: document for document in view.documents}
    parts.append('<table class="statements"><tr><th>#</th><th>' + _e(t["statements"]) + "</th><th>"
                 + _e(t["angle"]) + "</th></tr>")
    for index, statement in enumerate(view.exported):
        side = counted_side(statement, checked)
        asked = (f' <span class="meta">({_e(t[statement.stance])})</span>'
                 if statement.stance and statement.stance != side else "")
        cell = [f'<div class="text">{_e(statement.text)}</div>']
        for finding in findings.get(index, []):
            cell.append(f'<div class="finding">⚠ {_e(finding.rule)}: {_e(finding.text(view.language))}</div>')
        if statement.quote:
            source = statement.source_path or documents.get(statement.document_id or "", {}).get("path", "")
            quoted = t["quoted"].format(_e(statement.quote))  # in the page's quotation marks
            cell.append(f'<div class="quote">{_e(t["quote"])}: {quoted} — {_e(t["source"])}: {_e(source)}</div>')
            passage = view.passages.get(statement.chunk_id or "")
            if passage:
                cell.append(f'<details><summary>{_e(t["passage"])}</summary><div class="passage">'
                            f"{_highlight(passage, statement.quote)}</div></details>")
        if statement.support:
            cell.append(f'<div class="support">{_e(held_by(statement, view.language))}</div>')
        if statement.merged:
            cell.append(f'<details><summary>{_e(t["merged"])} ({len(statement.merged)})</summary><ul>'
                        + "".join(f"<li>{_e(text)}</li>" for text in statement.merged) + "</ul></details>")
        parts.append(f'<tr data-id="{_e(statement.id or "")}"><td class="n">{index + 1}</td><td>{"".join(cell)}</td>'
                     f'<td>{_e(names.get(statement.angle or "", statement.angle or "-"))}<br>'
                     f'<span class="tag {side}">{_e(t[side])}</span>{asked}</td></tr>')
    parts.append("</table></section>")

    # Merges and near misses.
    merged = [m for m in view.merges if m.get("decision", "merged") != "kept apart"]
    near = [m for m in view.merges if m.get("decision") == "kept apart"]
    for section, title, rows in (("merges", t["merged"], merged), ("near-misses", t["near"], near)):
        parts.append(f'<section id="{section}"><h2>{_e(title)} ({len(rows)})</h2>')
        if not rows:
            parts.append(f"<p>{_e(t['none'])}</p></section>")
            continue
        parts.append(f'<table class="merges"><tr><th>{_e(t["kept"])}</th><th>{_e(t["absorbed"])}</th>'
                     f'<th>{_e(t["tier"])}</th><th>{_e(t["reason"])}</th></tr>')
        for merge in rows:
            parts.append(f"<tr><td>{_e(merge.get('kept', ''))}</td><td>{_e(merge.get('absorbed', ''))}</td>"
                         f"<td>{_e(say_term(merge.get('tier', ''), view.language))} {_e(merge_score(merge))}</td>"
                         f"<td>{_e(merge_reason(merge, view.language))}</td></tr>")
        parts.append("</table></section>")

    # Dropped candidates.
    parts.append(f'<section id="dropped"><h2>{_e(t["dropped"])} ({len(view.dropped)})</h2>')
    if view.dropped:
        parts.append(f'<table class="dropped"><tr><th>{_e(t["statements"])}</th><th>{_e(t["angle"])}</th>'
                     f'<th>{_e(t["reasons"])}</th></tr>')
        for drop in view.dropped:
            angle, stance = drop.get("angle", ""), drop.get("stance") or ""
            parts.append(f"<tr><td>{_e(drop.get('text', ''))}</td>"
                         f"<td>{_e(names.get(angle, angle))} {_e(t.get(stance, stance))}</td>"
                         f"<td>{'<br>'.join(map(_e, drop_reasons(drop, view.language, names)))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append(f"<p>{_e(t['none'])}</p>")
    parts.append("</section>")

    # Per document.
    per_document = Counter(s.document_id for s in view.exported if s.document_id)
    parts.append(f'<section id="documents"><h2>{_e(t["documents"])}</h2><table class="documents"><tr><th>'
                 f'{_e(t["document"])}</th><th>{_e(t["count"])}</th></tr>')
    for document in view.documents:
        count = per_document.get(document["id"], 0)
        parts.append(f'<tr><td>{_e(document.get("title") or document["path"])}<div class="meta">{_e(document["path"])}'
                     f'</div></td><td class="n{" empty" if count == 0 else ""}">{count}</td></tr>')
    parts.append("</table></section>")
    notes = [Reason.model_validate(note).text(view.language, names) for note in view.notes_why] or view.notes
    if notes:
        parts.append(f"<h2>{_e(t['notes'])}</h2><ul>" + "".join(f"<li>{_e(note)}</li>" for note in notes) + "</ul>")
    parts.append("</main></body></html>\n")
    return "".join(parts)


def write_report(folder: Path, output: Path | None, max_chars: int) -> str:
    """Write report.html for a run folder (default DIR/report.html); returns what to tell the user."""
    from ..io.files import atomic_write_text

    output = output or folder / "report.html"
    view = load_run(folder, max_chars=max_chars)
    atomic_write_text(output, render_report(view))
    return f"wrote {output} ({len(view.exported)} statements); open it in any browser, no network needed"
