"""How well `kehoach import` reads plans: field by field against hand-written plan files.

Imports the three seed texts (../shared/seeds/, beside the repository) and compares each
draft with its hand-written config/plans/*.yaml (the file that names the seed); then the
repository's own test documents (tests/importer/documents/) with their expected YAML.
Scores: tasks (recall and precision by section number), lead and coordinating units (exact
set per task), deadlines (exact day/month, due rule, quarter/month window or milestone, over those the
document writes; dates the office chose itself are counted apart), recipients (name and units), signer. The last line
is one JSON object; its "overall" holds the seeds' scores, "extra" the repository's documents'.

    python benchmarks/import_accuracy.py
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ruamel.yaml import YAML  # noqa: E402

from kehoach.importer.document import read_document  # noqa: E402
from kehoach.importer.draft import build_draft  # noqa: E402
from kehoach.importer.text import words  # noqa: E402
from kehoach.plans.loader import load_directory  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"
DOCUMENTS = REPO / "tests" / "importer" / "documents"
COUNTS = ("tasks_gold", "tasks_found", "tasks_hit", "lead_hit", "coord_hit", "deadlines_gold", "deadlines_hit",
          "deadlines_unwritten", "recipients_gold", "recipients_hit", "signer_fields", "signer_hit")


def _yaml(path: Path) -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _dates(plan: dict[str, Any]) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for t in plan.get("tasks", []):
        if t.get("due"):
            out[("task", t["section"])] = str(t["due"])
        if w := t.get("window"):
            out[("task", t["section"], "window")] = (f"quy {w['quarter']}" if w.get("quarter") else
                                                     f"thang {w.get('month')}") + f"/{w.get('year', '')}"
        for i, m in enumerate(t.get("milestones", [])):
            out[("task", t["section"], "milestone", str(i))] = str(m["due"])
    for r in plan.get("reports", []):
        out[("report", r["period"], "units")] = str(r["due"])
        if r.get("upward"):
            out[("report", r["period"], "upward")] = str(r["upward"]["due"])
    for c in plan.get("campaigns", []):
        out[("campaign", "start")], out[("campaign", "end")] = str(c["start"]), str(c["end"])
    for o in plan.get("occasions", []):
        out[("occasion", str(o["date"]))] = str(o["date"])
    return out


_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


def _written(value: str, text: str) -> bool:
    """The deadline is in the document: a date, a rule relative to the period, or a quarter/month."""
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?", value):
        year = rf"\s*/\s*{m[3]}" if m[3] else ""
        return re.search(rf"(?<!\d)0?{int(m[1])}\s*/\s*0?{int(m[2])}{year}(?!\d)", text) is not None
    folded = words(text)
    if m := re.fullmatch(r"ngày (\d{1,2}) của tháng (cuối kỳ|sau)", value):
        month = "cuoi" if m[2] == "cuối kỳ" else "sau"
        return re.search(rf"\bngay 0?{m[1]} (?:cua )?thang {month}\b", folded) is not None
    if m := re.fullmatch(r"(quy|thang) (\d{1,2})/(\d{4})", value):
        number = f"(?:{m[2]}|{_ROMAN[m[2]]})" if m[1] == "quy" else m[2]
        return re.search(rf"\b{m[1]} {number} {m[3]}\b", folded) is not None
    return False


def _recipient_key(r: dict[str, Any]) -> tuple[str, frozenset[str]]:
    return words(r["name"]), frozenset(r.get("units", []))


def compare(gold: dict[str, Any], found: dict[str, Any], text: str) -> dict[str, int]:
    c = dict.fromkeys(COUNTS, 0)
    gold_tasks = {t["section"]: t for t in gold["tasks"]}
    found_tasks = {t["section"]: t for t in found["tasks"]}
    c["tasks_gold"], c["tasks_found"] = len(gold_tasks), len(found_tasks)
    for section, g in gold_tasks.items():
        f = found_tasks.get(section)
        if f is None:
            continue
        c["tasks_hit"] += 1
        c["lead_hit"] += set(g["lead"]) == set(f["lead"])
        c["coord_hit"] += set(g.get("coordinating", [])) == set(f.get("coordinating", []))
    gold_dates, found_dates = _dates(gold), _dates(found)
    for key, value in gold_dates.items():
        if not _written(value, text):
            c["deadlines_unwritten"] += 1
            continue
        c["deadlines_gold"] += 1
        c["deadlines_hit"] += found_dates.get(key) == value
    gold_r = [_recipient_key(r) for r in gold["recipients"]]
    found_r = [_recipient_key(r) for r in found["recipients"]]
    c["recipients_gold"] = len(gold_r)
    c["recipients_hit"] = sum(1 for r in gold_r if r in found_r)
    for field in ("authority", "title", "position", "name"):
        if gold["signer"].get(field) or found["signer"].get(field):
            c["signer_fields"] += 1
            c["signer_hit"] += gold["signer"].get(field) == found["signer"].get(field)
    return c


def scores(c: dict[str, int]) -> dict[str, float]:
    def ratio(a: str, b: str) -> float:
        return round(c[a] / c[b], 3) if c[b] else 1.0

    return {"tasks_recall": ratio("tasks_hit", "tasks_gold"), "tasks_precision": ratio("tasks_hit", "tasks_found"),
            "deadlines": ratio("deadlines_hit", "deadlines_gold"), "lead_units": ratio("lead_hit", "tasks_gold"),
            "coordinating_units": ratio("coord_hit", "tasks_gold"),
            "recipients": ratio("recipients_hit", "recipients_gold"), "signer": ratio("signer_hit", "signer_fields"),
            "deadlines_counted": c["deadlines_gold"], "deadlines_not_written_in_text": c["deadlines_unwritten"]}


def seed_cases() -> list[tuple[Path, Path, Path]]:
    """(document, hand-written plan, directory) for each seed a plan file names."""
    cases = []
    for plan in sorted((REPO / "config" / "plans").glob("*.yaml")):
        head = plan.read_text(encoding="utf-8")[:2000]
        for seed in sorted(SEEDS.glob("*.txt")):
            if seed.name in head:
                cases.append((seed, plan, REPO / "config" / "contacts.yaml"))
    return cases


def document_cases(workdir: Path) -> list[tuple[Path, Path, Path]]:
    """The repository's own documents; the .docx ones are made by their script first."""
    sys.path.insert(0, str(REPO))
    from tests.importer.make_documents import write_documents

    made = write_documents(workdir)
    cases = []
    for expected in sorted(DOCUMENTS.glob("*.expected.yaml")):
        stem = expected.name.removesuffix(".expected.yaml")
        doc = next((p for p in [*made, *DOCUMENTS.glob(f"{stem}.txt")] if p.stem == stem), None)
        if doc is not None:
            cases.append((doc, expected, DOCUMENTS / "contacts.yaml"))
    return cases


def run(cases: list[tuple[Path, Path, Path]], label: str) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    total = dict.fromkeys(COUNTS, 0)
    per_plan = {}
    for document, plan, contacts in cases:
        draft = build_draft(read_document(document), document.name, load_directory(contacts))
        text = " ".join(line.text for line in read_document(document))
        c = compare(_yaml(plan), json.loads(json.dumps(draft.data)), text)
        for k in COUNTS:
            total[k] += c[k]
        per_plan[document.name] = scores(c)
        s = per_plan[document.name]
        print(f"{label:6} {document.name:32} tasks R {s['tasks_recall']:.2f} P {s['tasks_precision']:.2f}  "
              f"lead {s['lead_units']:.2f}  coord {s['coordinating_units']:.2f}  deadlines {s['deadlines']:.2f} "
              f"({s['deadlines_counted']} written, {s['deadlines_not_written_in_text']} chosen by the office)  "
              f"recipients {s['recipients']:.2f}  signer {s['signer']:.2f}")
    return per_plan, total


def main() -> None:
    seeds = seed_cases()
    if not seeds:
        sys.exit(f"no seed found in {SEEDS} named by a config/plans/*.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        seed_plans, seed_total = run(seeds, "seed")
        extra_plans, extra_total = run(document_cases(Path(tmp)), "extra")
    print(json.dumps({"plans": {**seed_plans, **extra_plans}, "extra": scores(extra_total),
                      "overall": scores(seed_total)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
