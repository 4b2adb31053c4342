"""Cross-lingual sets from ESCO, the ``crosslingual`` command, mix pairs, encoding cost, notebook 02's helpers."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from jobmatch_utils.cache import EmbeddingCache, model_fingerprint
from jobmatch_utils.crosslingual import (
    ESCO_DIRECTIONS,
    add_crosslingual_command,
    available_crosslingual_sets,
    build_crosslingual_set,
    build_directions,
    cmd_crosslingual,
    describe_sets,
    encoding_cost,
    load_crosslingual_sets,
    mix_training_pairs,
    parse_direction,
    rank_directions,
    write_crosslingual_set,
)
from jobmatch_utils.crosslingual_analysis import (
    consistent_query_counts,
    direction_examples,
    direction_metrics,
    load_card_mix_metrics,
    map_titles,
    metric_heatmap,
    neighbour_agreement,
    title_map,
)
from jobmatch_utils.data import REPO_ROOT, SAMPLE_ROOT, load_retrieval_set
from jobmatch_utils.errors import DataFormatError, DataNotFoundError, ParameterError
from jobmatch_utils.metrics import card_metric_keys
from jobmatch_utils.retrieval import Ranking

matplotlib.use("Agg")

HEADER = ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "status"]
#: uri -> language -> (preferred, altLabels field as ESCO writes it: newline-separated, messy)
OCCUPATIONS = {
    "uri:nurse": {"en": ("nurse", "registered nurse\n\n  nurse \nRN\nRN\n"),
                  "es": ("enfermero", "enfermera\n\nenfermero\n  enfermera  "),
                  "de": ("Krankenpfleger", "Krankenpflegerin\n\nKrankenpfleger")},
    # "nurse" is also an alternative label here: one query, relevant = titles of both occupations
    "uri:assistant": {"en": ("nursing assistant", "care assistant\nnurse"),
                      "es": ("auxiliar de enfermería", "cuidador\ncuidadora"),
                      "de": ("Pflegehelfer", "")},
    "uri:chef": {"en": ("chef", "head cook"), "es": ("jefe de cocina", "chef\njefa de cocina"),
                 "de": ("Küchenchef", "Chef\nKoch")},
    "uri:cook": {"en": ("cook", ""), "es": ("cocinero", "cocinera"), "de": ("Koch", "Köchin")},
    # only in English: its queries have no relevant title and are dropped
    "uri:astronaut": {"en": ("astronaut", "cosmonaut")},
    "uri:baker": {"en": ("baker", "bread baker\npastry baker"), "es": ("panadero", "panadera\npastelero\nhornero"),
                  "de": ("Bäcker", "Bäckerin\nKonditor\nBrotbäcker")},
}


def write_esco(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for code in ("en", "es", "de"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        for uri, labels in OCCUPATIONS.items():
            if code in labels:
                writer.writerow(["Occupation", uri, "5120", *labels[code], "", "released"])
        (folder / f"occupations_{code}.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return folder


@pytest.fixture()
def esco(tmp_path: Path) -> Path:
    return write_esco(tmp_path / "esco")


def labels_of(uri: str, code: str, *, preferred_only: bool = False) -> list[str]:
    """An independent reading of the fixture: strip, drop blanks, de-duplicate."""
    if code not in OCCUPATIONS[uri]:
        return []
    preferred, alternatives = OCCUPATIONS[uri][code]
    if preferred_only:
        return [preferred]
    out: list[str] = []
    for label in [preferred, *alternatives.split("\n")]:
        label = " ".join(label.split())
        if label and label not in out:
            out.append(label)
    return out


def brute_force(source: str, target: str, queries: str) -> dict[str, set[str]]:
    """{query text: {relevant corpus text}} from the definition, by enumeration."""
    candidates = {t for uri in OCCUPATIONS for t in labels_of(uri, source, preferred_only=queries == "preferred")}
    expected = {}
    for text in candidates:
        carriers = [uri for uri in OCCUPATIONS if text in labels_of(uri, source)]
        relevant = {t for uri in carriers for t in labels_of(uri, target)}
        if relevant:
            expected[text] = relevant
    return expected


def as_texts(s) -> dict[str, set[str]]:
    return {s.queries[q]: {s.corpus[c] for c in docs} for q, docs in s.relevant.items()}


@pytest.mark.parametrize("queries", ["preferred", "all"])
@pytest.mark.parametrize(("source", "target"), ESCO_DIRECTIONS)
def test_qrels_agree_with_a_brute_force_construction(esco: Path, source: str, target: str, queries: str) -> None:
    s = build_crosslingual_set(esco, source, target, queries=queries).retrieval_set
    assert as_texts(s) == brute_force(source, target, queries)
    assert set(s.corpus.values()) == {t for uri in OCCUPATIONS for t in labels_of(uri, target)}
    assert len(set(s.corpus.values())) == len(s.corpus) and len(set(s.queries.values())) == len(s.queries)
    assert len(s.relevant) == len(s.queries) and all(isinstance(q, str) for q in s.queries)
    assert s.name == f"{source}→{target}" and (s.query_language, s.corpus_language) == (source, target)


def test_blank_lines_and_duplicates_in_alt_labels_are_dropped(esco: Path) -> None:
    s = build_crosslingual_set(esco, "es", "en", queries="all").retrieval_set
    assert sorted(t for t in s.queries.values() if t.startswith("enferm")) == ["enfermera", "enfermero"]
    assert "" not in s.corpus.values() and list(s.corpus.values()).count("nurse") == 1


def test_a_label_of_two_occupations_is_one_query_relevant_to_both(esco: Path) -> None:
    build = build_crosslingual_set(esco, "en", "es", queries="all")
    s = build.retrieval_set
    (qid,) = [q for q, t in s.queries.items() if t == "nurse"]
    assert as_texts(s)["nurse"] == {"enfermero", "enfermera", "auxiliar de enfermería", "cuidador", "cuidadora"}
    assert build.query_uris[qid] == ("uri:nurse", "uri:assistant")
    assert build.info["counts"]["queries_of_several_occupations"] == 1


def test_preferred_or_all_labels_become_queries(esco: Path) -> None:
    preferred = build_crosslingual_set(esco, "en", "de").retrieval_set
    every = build_crosslingual_set(esco, "en", "de", queries="all").retrieval_set
    assert sorted(preferred.queries.values()) == sorted(["nurse", "nursing assistant", "chef", "cook", "baker"])
    assert set(preferred.queries.values()) < set(every.queries.values())
    assert "astronaut" not in every.queries.values() and "RN" in every.queries.values()


def test_min_relevant_drops_queries_before_sampling(esco: Path) -> None:
    build = build_crosslingual_set(esco, "en", "de", queries="all", min_relevant=4)
    assert all(len(docs) >= 4 for docs in build.retrieval_set.relevant.values())
    assert sorted(build.retrieval_set.queries.values()) == ["baker", "bread baker", "pastry baker"]
    counts = build_crosslingual_set(esco, "en", "de", queries="all").info["counts"]
    assert counts["dropped_below_min_relevant"] == 2  # astronaut, cosmonaut


def test_seeded_sample_is_deterministic_and_keeps_ids(esco: Path) -> None:
    full = build_crosslingual_set(esco, "en", "es", queries="all").retrieval_set
    first = build_crosslingual_set(esco, "en", "es", queries="all", max_queries=5, seed=3).retrieval_set
    again = build_crosslingual_set(esco, "en", "es", queries="all", max_queries=5, seed=3).retrieval_set
    other = [build_crosslingual_set(esco, "en", "es", queries="all", max_queries=5, seed=s).retrieval_set.queries
             for s in range(4, 10)]
    assert first.queries == again.queries and first.qrels == again.qrels and len(first.queries) == 5
    assert any(o != first.queries for o in other)
    assert all(full.queries[q] == t and full.qrels[q] == first.qrels[q] for q, t in first.queries.items())
    assert list(first.queries) == sorted(first.queries, key=int)  # file order kept
    assert first.corpus == full.corpus  # the corpus is never sampled


def test_written_set_loads_unchanged_and_records_its_build(esco: Path, tmp_path: Path) -> None:
    build = build_crosslingual_set(esco, "de", "es", queries="all", max_queries=4, seed=1)
    folder = write_crosslingual_set(build, tmp_path / "sets" / "de-es")
    loaded = load_retrieval_set(folder)
    assert (loaded.queries, loaded.corpus, loaded.qrels) == (build.retrieval_set.queries, build.retrieval_set.corpus,
                                                             build.retrieval_set.qrels)
    assert (folder / "queries").read_text(encoding="utf-8").startswith("q_id\tjobtitle\n")
    assert (folder / "corpus_elements").read_text(encoding="utf-8").startswith("c_id\tjobtitle\n")
    first = (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert first[1] == "0" and first[3] == "1" and len(first) == 4
    info = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    assert info["options"] == {"queries": "all", "max_queries": 4, "seed": 1, "min_relevant": 1}
    assert info["counts"]["queries"] == 4 and info["esco_files"]["de"]["file"] == "occupations_de.csv"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_crosslingual_set(build_crosslingual_set(esco, "de", "es", queries="all", max_queries=4, seed=1), folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # byte-identical rebuild


def test_bad_input_raises_the_kits_errors(esco: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="ESCO has no zh"):
        build_crosslingual_set(esco, "en", "zh")
    with pytest.raises(ParameterError, match="same language"):
        build_crosslingual_set(esco, "en", "en")
    with pytest.raises(ParameterError, match="out of range"):
        build_crosslingual_set(esco, "en", "es", max_queries=-1)
    with pytest.raises(DataNotFoundError):
        build_crosslingual_set(tmp_path / "nowhere", "en", "es")
    with pytest.raises(DataFormatError, match="no en query"):
        build_crosslingual_set(esco, "en", "es", min_relevant=99)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataFormatError, match="is a file"):
        write_crosslingual_set(build_crosslingual_set(esco, "en", "es"), tmp_path / "file")


def test_parse_direction() -> None:
    assert parse_direction("en-es") == parse_direction("en→es") == parse_direction(("English", "spanish")) == ("en", "es")
    with pytest.raises(ParameterError):
        parse_direction("en-es-de")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="jobmatch")
    add_crosslingual_command(root.add_subparsers(dest="command", required=True))
    return root


def test_command_writes_one_direction_and_prints_counts(esco: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "en-es"
    args = parser().parse_args(["crosslingual", "--esco", str(esco), "--source", "en", "--target", "es",
                                "--out", str(out), "--queries", "all", "--max-queries", "6", "--seed", "2"])
    assert args.func is cmd_crosslingual and args.func(args) == 0
    printed = capsys.readouterr().out
    s = load_retrieval_set(out)
    assert len(s.queries) == 6 and "en→es: 6 queries" in printed and f"{len(s.corpus)} corpus titles" in printed
    assert json.loads((out / "build.json").read_text())["options"]["seed"] == 2


@pytest.mark.parametrize("argv", [["--source", "zh", "--target", "en"], ["--source", "en", "--target", "en"],
                                  ["--source", "xx", "--target", "en"]])
def test_command_bad_languages_raise_parameter_errors(esco: Path, tmp_path: Path, argv: list[str]) -> None:
    args = parser().parse_args(["crosslingual", "--esco", str(esco), "--out", str(tmp_path / "o"), *argv])
    with pytest.raises(ParameterError):
        cmd_crosslingual(args)


def test_command_missing_esco_folder(tmp_path: Path) -> None:
    args = parser().parse_args(["crosslingual", "--esco", str(tmp_path / "none"), "--source", "en", "--target", "de",
                                "--out", str(tmp_path / "o")])
    with pytest.raises(DataNotFoundError, match="none"):
        cmd_crosslingual(args)


def test_mix_pairs_are_same_occupation_seeded_and_stable(esco: Path) -> None:
    pairs = mix_training_pairs(esco, pairs_per_occupation=3, seed=5)
    assert list(pairs.columns) == ["anchor", "positive", "language", "esco_uri", "isco_group"]
    assert set(pairs["language"]) == {"de", "es"} and "uri:astronaut" not in set(pairs["esco_uri"])
    for row in pairs.itertuples():
        assert row.anchor in labels_of(row.esco_uri, "en") and row.positive in labels_of(row.esco_uri, row.language)
        assert row.anchor.casefold() != row.positive.casefold()  # chef / chef is skipped
    assert pairs.groupby(["esco_uri", "language"]).size().max() <= 3
    assert not pairs.duplicated().any()
    pd.testing.assert_frame_equal(pairs, mix_training_pairs(esco, pairs_per_occupation=3, seed=5))
    assert not pairs.equals(mix_training_pairs(esco, pairs_per_occupation=3, seed=6))
    kept = mix_training_pairs(esco, pairs_per_occupation=3, seed=5, exclude_uris={"uri:chef"})
    expected = pairs[pairs["esco_uri"] != "uri:chef"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, expected)  # excluding one occupation leaves the others' pairs


def test_encoding_cost_counts_distinct_titles_and_ranking_encodes_only_those(esco: Path, tmp_path: Path,
                                                                             tiny_model) -> None:
    written = build_directions(esco, ["en-es", "es-en", "de-es", "en-zh"], tmp_path / "sets", queries="all")
    assert sorted(written) == ["de-es", "en-es", "es-en"]
    sets = load_crosslingual_sets(available_crosslingual_sets(tmp_path / "sets"), ["en-es", "es-en", "de-es"])
    texts = [t for s in sets.values() for t in [*s.queries.values(), *s.corpus.values()]]
    cost = encoding_cost(sets)
    assert (cost.directions, cost.total_titles, cost.distinct_titles) == (3, len(texts), len(set(texts)))
    assert cost.distinct_titles < cost.total_titles and cost.to_dict()["saved"] == round(cost.saved, 4)
    store = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path / "cache")
    rankings = rank_directions(tiny_model, sets, top_k=10, cache=store)
    assert len(store) == cost.distinct_titles  # each distinct title encoded once across directions
    assert set(rankings) == set(sets) and all(r.depth == 10 for r in rankings.values())


def test_available_sets_prefer_given_folders_and_fill_in_the_sample(esco: Path, tmp_path: Path) -> None:
    build_directions(esco, ["en-es"], tmp_path / "built")
    mine = tmp_path / "mine" / "en-zh"
    mine.mkdir(parents=True)
    for name in ("queries", "corpus_elements", "qrels.tsv"):
        (mine / name).write_bytes((SAMPLE_ROOT / "crosslingual" / "en-zh" / name).read_bytes())
    (tmp_path / "mine" / "not-a-direction").mkdir()
    (tmp_path / "mine" / "de-en").mkdir()  # no files: ignored
    found = available_crosslingual_sets(tmp_path / "mine", tmp_path / "built")
    assert found["en-es"] == tmp_path / "built" / "en-es" and found["en-zh"] == mine
    assert found["zh-en"] == SAMPLE_ROOT / "crosslingual" / "zh-en" and "de-en" not in found
    sets = load_crosslingual_sets(found, ["en-es", "en-zh", "zh-en"])
    assert describe_sets(sets)["built from"].tolist() == ["ESCO", "your folder", "bundled sample"]
    with pytest.raises(ParameterError, match="no cross-lingual set for de→zh"):
        load_crosslingual_sets(found, ["de-zh"])


def test_card_reference_table_is_the_cards_numbers() -> None:
    from jobmatch_utils.reference import load_card_metrics

    card = load_card_metrics()
    assert list(card.index) == card_metric_keys()
    assert list(load_card_mix_metrics().columns) == ["mix_es", "mix_de", "mix_zh"]
    text = REPO_ROOT.parent / "shared" / "seed" / "JobBGE-small-en-v1.5_model_card.txt"
    if not text.is_file():
        pytest.skip("the model card (shared/seed) is not here")
    lines = text.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Metric full_en"))
    header = lines[start].split()
    for line in lines[start + 1:start + 1 + len(card)]:
        name, *values = line.split()
        row = dict(zip(header[1:], map(float, values)))
        assert [row[c] for c in card.columns] == card.loc[name.removeprefix("cosine_")].tolist(), name
    accuracies = card.loc[[f"accuracy@{k}" for k in (1, 20, 50, 100, 150, 200)]]
    mix = ["mix_es", "mix_de", "mix_zh"]
    assert [consistent_query_counts(accuracies[c].tolist(), high=3000)[0] for c in mix] == [1923, 1923, 1916]


def test_examples_metrics_and_figures_on_a_hand_made_ranking() -> None:
    from jobmatch_utils.data import RetrievalSet

    s = RetrievalSet("en→es", {"1": "nurse", "2": "cook"}, {"1": "enfermera", "2": "cocinero", "3": "chef", "4": "x"},
                     {"1": {"1": 1}, "2": {"2": 1, "4": 1}}, "en", "es")
    ranking = Ranking(["1", "2"], ["1", "2", "3", "4"], np.array([[0, 2, 1, 3], [0, 2, 3, 1]]),
                      np.array([[0.9, 0.5, 0.4, 0.1], [0.9, 0.8, 0.7, 0.6]]))
    examples = direction_examples({"en-es": s}, {"en-es": ranking}, n=1, k=2)
    assert examples["outcome"].tolist() == ["success", "failure"]
    assert examples.loc[0, "top-2"] == "✓ enfermera | chef"
    assert examples.loc[1, "first correct rank"] == 3 and examples.loc[1, "missed correct titles"] == "x; cocinero"
    metrics = direction_metrics({"en-es": s}, {"en-es": ranking})
    assert list(metrics.columns) == ["queries", "corpus", *card_metric_keys()]
    assert metrics.loc["en→es", "accuracy@1"] == 0.5 and metrics.loc["en→es", "corpus"] == 4
    ax = metric_heatmap(metrics, ["accuracy@1", "map@100"], model_label="tiny (not JobBGE)")
    assert "not JobBGE" in ax.get_title() and ax.get_xlabel() == "metric" and ax.get_ylabel()


def test_title_map_and_neighbour_agreement() -> None:
    from jobmatch_utils.crosslingual import load_esco_languages

    titles = map_titles(load_esco_languages(SAMPLE_ROOT / "esco"), ["chef", "lawyer", "no such job"], max_titles=2)
    assert titles.attrs["missing"] == ["no such job"]
    assert set(titles["language"]) == {"en", "es", "de", "zh"} and (titles.groupby(["occupation", "language"]).size() == 2).all()
    assert set(titles.loc[titles["language"] == "zh", "source"]) == {"kit sample"}
    with pytest.raises(ParameterError):
        map_titles(load_esco_languages(SAMPLE_ROOT / "esco"), ["no such job"])
    vectors = np.array([[1, 0], [0.9, 0.2], [0, 1], [0.1, 0.8]])
    agreement = neighbour_agreement(vectors, ["a", "a", "b", "b"], ["en", "de", "en", "de"])
    assert agreement == {"same occupation": 1.0, "same language": 0.0, "same occupation, other language": 1.0}
    frame = pd.DataFrame({"occupation": ["a", "a", "b", "b"], "language": ["en", "de", "en", "zh"],
                          "title": ["x", "y", "z", "律师"]})
    ax = title_map(vectors, frame, title="map", model_label="m (not JobBGE)")
    assert ax.get_xlabel() == "PCA component 1" and "not JobBGE" in ax.get_title()


@pytest.mark.realdata
def test_real_esco_directions_are_large_and_fully_judged(esco_root: Path) -> None:
    from jobmatch_utils.crosslingual import load_esco_languages

    occupations = load_esco_languages(esco_root)
    for source, target in (("en", "es"), ("en", "de")):
        build = build_crosslingual_set(esco_root, source, target, queries="preferred", occupations=occupations)
        s = build.retrieval_set
        print(f"{s.name}: {len(s.queries)} queries, {len(s.corpus)} corpus titles, {build.info['counts']}")
        assert len(s.queries) >= 2500
        assert len(s.relevant) == len(s.queries) and all(s.relevant[q] for q in s.queries)


def test_import_loads_no_heavy_library(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys, jobmatch_utils.crosslingual as c; light = 'pandas' not in sys.modules;"
            "import jobmatch_utils.crosslingual_analysis;"
            "print(light, sorted(m for m in ('torch', 'sentence_transformers', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"JOBMATCH_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []"  # the CLI's sub-command costs nothing at start-up
    assert not (tmp_path / "cache").exists()
