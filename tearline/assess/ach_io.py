"""ACH matrices in and out: seeding from a thread, CSV, JSON, Markdown and HTML.

Seeding makes one evidence item per origin cluster (never per fragment), so a
syndicated story enters the matrix once; the analyst then rates the rows.
Exports show the same numbers ``AchMatrix.evaluate`` computes, so a printed
matrix and the stored one cannot disagree.
"""

from __future__ import annotations

import csv
import html
import io
import json

from tearline.assess.ach import AchMatrix, AchResult, EvidenceItem
from tearline.assess.config import AssessConfig, load_config
from tearline.assess.escape import banner_html, banner_md, clean, md_text
from tearline.assess.state import FusionStateSpec, thread_fragments

__all__ = ["seed_evidence", "to_csv", "to_html", "to_json", "to_markdown"]


def seed_evidence(matrix: AchMatrix, state: FusionStateSpec, thread_id: str) -> list[EvidenceItem]:
    """Add one unrated item per origin cluster of the thread that the matrix lacks."""
    config = load_config()
    view = state.threads.view(thread_id)
    have = {f for e in matrix.evidence for f in e.fragment_ids}
    added = []
    frags = {f.id: f for f in thread_fragments(state, thread_id)}
    for cid, ids in sorted(view.origin_clusters.items()):
        if have.intersection(ids):
            continue
        members = [frags[i] for i in ids if i in frags]
        if not members:
            continue
        best = max(members, key=lambda f: (config.grade_weight(f.reliability, f.credibility), f.id))
        item = EvidenceItem(
            f"E{len(matrix.evidence) + 1}", f"{best.external_id or best.source_name}: {best.title}",
            [f.id for f in members], cid, f"{best.reliability}{best.credibility}",
        )
        matrix.add_evidence(item)
        added.append(item)
    return added


def _result(matrix: AchMatrix, config: AssessConfig | None) -> AchResult:
    return matrix.evaluate(config or load_config())


def to_json(matrix: AchMatrix, config: AssessConfig | None = None,
            banner: str | None = None, *, thread_label: str | None = None) -> str:
    """The matrix and its evaluation as one JSON document (with its banner, if given).

    With ``thread_label`` the document names the thread by it (the public id)
    instead of the internal one, which names a report.
    """
    shown = matrix.to_dict()
    if thread_label is not None:
        shown["thread_id"] = thread_label
    doc: dict[str, object] = {"matrix": shown,
                              "result": _result(matrix, config).to_dict()}
    if banner:
        doc["banner"] = banner
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _rows(matrix: AchMatrix, result: AchResult) -> list[list[str]]:
    head = ["item", "description", "grade", "origin", "weight", "diagnosticity"]
    head += [h.id for h in matrix.hypotheses]
    config = load_config()
    rows = [head]
    for e in matrix.evidence:
        row = [e.id, e.description, e.grade, e.origin_cluster or "",
               f"{e.weight(config):.2f}", f"{result.diagnosticity[e.id]:.2f}"]
        row += [matrix.rating(e.id, h.id).value for h in matrix.hypotheses]
        rows.append(row)
    rows.append(["", "weighted inconsistency", "", "", "", ""]
                + [f"{result.inconsistency[h.id]:.2f}" for h in matrix.hypotheses])
    return rows


def to_csv(matrix: AchMatrix, config: AssessConfig | None = None) -> str:
    """One row per item, one column per hypothesis, and a final inconsistency row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(_rows(matrix, _result(matrix, config)))
    return buf.getvalue()


def _summary(matrix: AchMatrix, result: AchResult) -> list[str]:
    """What the scores say, claiming nothing the matrix cannot show.

    "No single item changes the leading hypothesis" is only said when there is
    a leader, a rival to lose to, and evidence that was actually tested.
    """
    labels = {h.id: h.label for h in matrix.hypotheses}
    if not matrix.hypotheses:
        return ["No hypotheses yet: add them with --add-hypothesis (or --seed proposes "
                "the leading one and its rivals), then rate each item against each."]
    lines = []
    if result.tied:
        lines.append("No hypothesis leads yet: " + ", ".join(result.tied) + " tie (rate the "
                     "evidence against each hypothesis to separate them).")
    elif result.most_likely:
        lines.append(
            f"Most likely (least weighted inconsistency): {result.most_likely} — "
            f"{labels[result.most_likely]}"
        )
    for s in result.sensitivity:
        lines.append(f"Sensitive: if {s.item_id} is {s.change}, {s.new_leader} leads instead.")
    if len(matrix.hypotheses) < 2:
        lines.append("Only one hypothesis: add a rival before reading anything into the scores.")
    elif not matrix.evidence:
        lines.append("No evidence yet: add items (--add-evidence, or --seed) and rate them.")
    elif result.most_likely and not result.sensitivity:
        lines.append("No single item, removed or reversed, changes the leading hypothesis.")
    return lines


def to_markdown(matrix: AchMatrix, config: AssessConfig | None = None,
                banner: str | None = None, *, thread_label: str | None = None) -> str:
    """A readable matrix table with hypotheses, scores and sensitivity notes.

    Report text (descriptions, labels) is escaped (``escape.md_text``); the
    ``banner`` computed by the caller from the items' reports opens and closes it.

    ``thread_label`` is the id shown for the thread (the CLI passes the public
    one); the matrix itself keeps the internal id it is stored under.
    """
    result = _result(matrix, config)
    rows = _rows(matrix, result)
    m = md_text
    out = [banner_md(banner), ""] if banner else []
    out += [f"# ACH: {m(thread_label or matrix.thread_id)}", ""]
    out += [f"- **{m(h.id)}**: {m(h.label)}{' (acted on)' if h.acted_on else ''}"
            for h in matrix.hypotheses]
    out.append("")
    out.append("| " + " | ".join(m(c) for c in rows[0]) + " |")
    out.append("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        out.append("| " + " | ".join(m(c) for c in row) + " |")
    out.append("")
    out += [f"- {m(line)}" for line in _summary(matrix, result)]
    if banner:
        out += ["", banner_md(banner)]
    return "\n".join(out) + "\n"


def to_html(matrix: AchMatrix, config: AssessConfig | None = None,
            banner: str | None = None, *, thread_label: str | None = None) -> str:
    """A standalone HTML table; inconsistent cells are shaded so rows read at a glance.

    Every cell is escaped; ``banner`` is shown at the top and the bottom.

    ``thread_label`` is the id shown for the thread (the CLI passes the public
    one); the matrix itself keeps the internal id it is stored under.
    """
    name = thread_label or matrix.thread_id
    result = _result(matrix, config)
    rows = _rows(matrix, result)
    shade = {"II": "#f4a6a6", "I": "#f9d6d6", "C": "#d8efd8", "CC": "#a9dca9"}

    def esc(text: object) -> str:
        return html.escape(clean(text))

    top = [banner_html(banner)] if banner else []
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>ACH {esc(name)}</title>",
        "<style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px}"
        "</style></head><body>", *top,
        f"<h1>ACH: {esc(name)}</h1><ul>",
    ]
    parts += [f"<li><b>{esc(h.id)}</b>: {esc(h.label)}</li>" for h in matrix.hypotheses]
    parts.append("</ul><table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in rows[0]) + "</tr>")
    n_fixed = 6
    for row in rows[1:]:
        cells = []
        for i, c in enumerate(row):
            style = f" style='background:{shade[c]}'" if i >= n_fixed and c in shade else ""
            cells.append(f"<td{style}>{esc(c)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table><ul>")
    parts += [f"<li>{esc(line)}</li>" for line in _summary(matrix, result)]
    parts += ["</ul>", *top, "</body></html>"]
    return "\n".join(parts)
