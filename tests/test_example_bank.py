"""The bank of worked examples (src/polis_seed/data/examples): source sentences from public documents, each with
what a careful writer makes of it for a Polis vote (a statement, or why there is none). It ships as package data;
these tests read it the way the package does (importlib.resources) and fail when a record, a source or a
statement is broken."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections import Counter
from importlib import resources

import pytest
import yaml

from polis_seed.rules import Context, check_statement

ANGLES = {"benefit", "cost", "feasibility", "fairness", "risks", "alternatives", "scale", "staffing", "services"}
WHYS = {"fact", "number", "plan", "event", "procedure", "announcement", "question-without-view", "heading"}
FIELDS = {"id", "lang", "document", "topic", "source", "kind", "statement", "angle", "side", "why"}
SOURCE_FIELDS = {"url", "title", "publisher", "date", "language", "topic", "kind", "licence", "attribution"}
MOST_CHARS = {"ja": 50, "en": 100}
LEAST_CHARS = {"ja": 15, "en": 25}
MIN_DOCUMENTS = 45
MIN_RECORDS = 400


def examples_folder():
    return resources.files("polis_seed") / "data" / "examples"


def load_bank() -> list[dict]:
    text = (examples_folder() / "bank.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_sources() -> dict:
    return yaml.safe_load((examples_folder() / "sources.yaml").read_text(encoding="utf-8"))


BANK = load_bank()
SOURCES = load_sources()
VIEWS = [record for record in BANK if record["kind"] == "view"]


def record_problems(record: dict) -> list[str]:
    """What is wrong with one record's form (its statement's wording is the rules' business)."""
    where, problems = record.get("id"), []
    if set(record) != FIELDS:
        return [f"{where}: fields {sorted(set(record) ^ FIELDS)} missing or unknown"]
    if not (re.fullmatch(r"(ja|en)-\d{4}", str(record["id"])) and record["id"].startswith(f"{record['lang']}-")):
        problems.append(f"{where}: the id is not <lang>-<4 digits>")
    if not record["source"] or record["source"].strip() != record["source"]:
        problems.append(f"{where}: empty or untrimmed source")
    if record["kind"] == "view":
        statement = record["statement"]
        if not isinstance(statement, str) or statement.strip() != statement:
            problems.append(f"{where}: a view needs a trimmed statement")
        elif not LEAST_CHARS[record["lang"]] <= len(statement) <= MOST_CHARS[record["lang"]]:
            problems.append(f"{where}: {len(statement)} characters")
        if record["angle"] not in ANGLES or record["side"] not in ("pro", "con") or record["why"] is not None:
            problems.append(f"{where}: a view needs an angle and a side, and no why")
    elif record["kind"] == "no-claim":
        if record["statement"] is not None or record["angle"] is not None or record["side"] is not None:
            problems.append(f"{where}: a no-claim has no statement, angle or side")
        if record["why"] not in WHYS:
            problems.append(f"{where}: why {record['why']!r} is not one of {sorted(WHYS)}")
    else:
        problems.append(f"{where}: kind {record['kind']!r}")
    return problems


def bank_problems(bank: list[dict], sources: dict) -> list[str]:
    """What is wrong with the bank as a whole: its records, their sources, its size and its spread."""
    problems = [problem for record in bank for problem in record_problems(record)]
    if problems:
        return problems
    ids = [record["id"] for record in bank]
    for lang in ("ja", "en"):
        numbers = [int(i.split("-")[1]) for i in ids if i.startswith(lang)]
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"{lang} ids are not numbered 1, 2, 3, … in order")
    documents, licences = sources.get("documents") or {}, sources.get("licences") or {}
    if {record["document"] for record in bank} != set(documents):
        problems.append("the bank's documents and sources.yaml's documents differ")
    for document_id, source in documents.items():
        if set(source) != SOURCE_FIELDS:
            problems.append(f"{document_id}: source fields {sorted(set(source) ^ SOURCE_FIELDS)}")
            continue
        if source["licence"] not in licences:
            problems.append(f"{document_id}: licence {source['licence']!r} is not described under licences")
        if not str(source["url"]).startswith(("https://", "http://")):
            problems.append(f"{document_id}: no url")
        problems += [f"{document_id}: no {name}" for name in ("title", "publisher", "topic", "attribution", "kind")
                     if not str(source[name] or "").strip()]
    for record in bank:
        source = documents.get(record["document"])
        if source and (record["lang"], record["topic"]) != (source.get("language"), source.get("topic")):
            problems.append(f"{record['id']}: language or topic differs from its document's")
    views = [record for record in bank if record["kind"] == "view"]
    if len(documents) < MIN_DOCUMENTS or len(bank) < MIN_RECORDS:
        problems.append(f"{len(documents)} documents and {len(bank)} records: at least {MIN_DOCUMENTS} and "
                        f"{MIN_RECORDS}")
    if {record["lang"] for record in bank} != {"ja", "en"} or {record["kind"] for record in bank} != {"view",
                                                                                                     "no-claim"}:
        problems.append("both languages and both kinds are needed")
    if {record["angle"] for record in views} != ANGLES or {record["side"] for record in views} != {"pro", "con"}:
        problems.append("every angle and both sides are needed")
    per_document = Counter(record["document"] for record in bank)
    problems += [f"{document}: {count} records, not 8-15" for document, count in per_document.items()
                 if not 8 <= count <= 15]
    if not 0.45 <= len(views) / max(len(bank), 1) <= 0.65:
        problems.append(f"views are {len(views) / len(bank):.0%} of the records, not about 55 %")
    repeated = Counter(unicodedata.normalize("NFKC", record["source"]) for record in bank)
    problems += [f"source sentence used twice: {text}" for text, count in repeated.items() if count > 1]
    said = Counter(unicodedata.normalize("NFKC", record["statement"]).casefold().rstrip("。.") for record in views)
    problems += [f"statement written twice: {text}" for text, count in said.items() if count > 1]
    pointer = re.compile(r"^(?:この|その|本市|本町|当市|同市|市は|町は|It\b|This\b|These\b|The (?:plan|proposal|change)\b)")
    problems += [f"{record['id']}: starts with a pointer" for record in views if pointer.match(record["statement"])]
    return problems


def test_the_shipped_bank_is_sound():
    assert bank_problems(BANK, SOURCES) == []


def _broken(change) -> list[str]:
    bank, sources = copy.deepcopy(BANK), copy.deepcopy(SOURCES)
    change(bank, sources)
    return bank_problems(bank, sources)


def first_view(bank):
    return next(record for record in bank if record["kind"] == "view")


def first_no_claim(bank):
    return next(record for record in bank if record["kind"] == "no-claim")


@pytest.mark.parametrize("change", [
    lambda bank, sources: first_view(bank).update(angle="price"),
    lambda bank, sources: first_view(bank).update(side=None),
    lambda bank, sources: first_view(bank).update(statement=None),
    lambda bank, sources: first_view(bank).update(statement="x" * 120),
    lambda bank, sources: first_no_claim(bank).update(why="opinion"),
    lambda bank, sources: first_no_claim(bank).update(statement="A claim after all."),
    lambda bank, sources: bank[0].pop("topic"),
    lambda bank, sources: bank.append(dict(bank[0])),
    lambda bank, sources: bank.__setitem__(slice(MIN_RECORDS - 1, None), []),
    lambda bank, sources: next(iter(sources["documents"].values())).update(licence="all rights reserved"),
    lambda bank, sources: sources["documents"].pop(bank[0]["document"]),
    lambda bank, sources: first_view(bank).update(statement=bank[-1]["statement"] if bank[-1]["statement"]
                                                  else first_view(bank[::-1])["statement"]),
    lambda bank, sources: bank.__setitem__(slice(None), [r for r in bank if r["kind"] == "view"]),
], ids=["angle", "side", "no statement", "too long", "why", "no-claim with a statement", "field", "repeated record",
        "too small", "licence", "no source", "repeated statement", "views only"])
def test_a_broken_bank_is_caught(change):
    assert _broken(change) != []


@pytest.mark.parametrize("record", VIEWS, ids=lambda record: record["id"])
def test_every_statement_passes_the_rules(record):
    """No error from the rule engine, as lint checks a statement with the passage it quotes."""
    checked = check_statement(record["statement"], Context(max_chars=140, quote=record["source"]))
    assert [f.as_reason() for f in checked.findings if f.severity == "error"] == []
    assert checked.language == record["lang"]


@pytest.mark.parametrize("record", VIEWS, ids=lambda record: record["id"])
def test_every_statement_is_what_generate_would_keep(record):
    """No warning either, checked as generate checks a candidate against its source sentence: an example that the
    rules send back (a near-copy, off its source, two claims, no subject, …) would teach the model to be sent back."""
    lang = record["lang"]
    context = Context(max_chars=140, language=lang, source=record["source"], min_chars=LEAST_CHARS[lang])
    assert [f.as_reason() for f in check_statement(record["statement"], context).findings] == []


def test_the_wheel_ships_the_bank():
    """The wheel is built from the package folder (hatch), so data files inside it ship unless excluded."""
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "src/polis_seed" in wheel["packages"]
    assert not any(pattern for pattern in wheel.get("exclude", []) if "data" in pattern or "json" in pattern)
