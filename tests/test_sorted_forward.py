"""Length-sorted chunked embedding: same vectors, same loss, same gradients as one forward per column."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import torch

from jobmatch_utils.guide_cache import CachedGuideGISTEmbedLoss, GuideEmbeddingCache, freeze
from jobmatch_utils.models import load_model
from jobmatch_utils.sorted_forward import chunk_bounds, length_sorted_embeddings, padded_tokens

ANCHORS = ["nurse", "registered nurse in the intensive care unit of a university hospital", "teacher", "Lehrer",
           "software developer", "cocinero", "chief executive officer", "a"]
POSITIVES = ["enfermera", "Krankenpfleger", "profesora de educación secundaria obligatoria", "Lehrerin",
             "Softwareentwickler", "cook", "CEO", "b c"]


def _columns(model, anchors=ANCHORS, positives=POSITIVES):
    return [dict(model.preprocess(list(anchors))), dict(model.preprocess(list(positives)))]


def _cost(lengths, bounds, overhead):
    return sum((j - i) * lengths[j - 1] + overhead for i, j in bounds)


def test_chunk_bounds_is_the_cheapest_partition():
    rng = random.Random(0)
    for _ in range(60):
        lengths = sorted(rng.randint(1, 40) for _ in range(rng.randint(1, 9)))
        rows, overhead = rng.randint(1, 5), rng.choice([0, 3, 50])
        bounds = chunk_bounds(lengths, max_rows=rows, overhead_tokens=overhead)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(lengths)
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        assert all(0 < j - i <= rows for i, j in bounds)
        n = len(lengths)
        best = min(_cost(lengths, list(zip((0, *cuts), (*cuts, n))), overhead)
                   for k in range(n) for cuts in itertools.combinations(range(1, n), k)
                   if all(0 < j - i <= rows for i, j in zip((0, *cuts), (*cuts, n))))
        assert _cost(lengths, bounds, overhead) == best


def test_sorted_chunks_give_the_vectors_of_one_forward_per_column(tiny_model_dir: Path):
    model, _ = load_model(str(tiny_model_dir))
    model.eval()
    columns = _columns(model)
    with torch.no_grad():
        reference = [model(dict(c))["sentence_embedding"] for c in columns]
        for size in (1, 3, 16):
            got = length_sorted_embeddings(model, columns, chunk_size=size, overhead_tokens=0)
            assert got is not None and [g.shape for g in got] == [r.shape for r in reference]
            for g, r in zip(got, reference):
                assert torch.allclose(g, r, atol=1e-5)
    computed, real, passes = padded_tokens(columns, max_rows=1)
    assert computed == real == int(sum(c["attention_mask"].sum() for c in columns)) and passes == 16


def test_sorted_chunks_give_the_same_loss_and_gradients(tiny_model_dir: Path):
    model, _ = load_model(str(tiny_model_dir))
    guide = freeze(load_model(str(tiny_model_dir))[0])
    model.eval()  # no dropout: the two passes must see the same network
    cache = GuideEmbeddingCache.build(model, guide, ANCHORS + POSITIVES)
    results = []
    for chunk in (0, 3):
        loss = CachedGuideGISTEmbedLoss(model, guide, cache=cache, chunk_size=chunk)
        model.zero_grad(set_to_none=True)
        value = loss(_columns(model), None)
        value.backward()
        results.append((float(value.detach()), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}))
        assert loss._modules["model"] is model  # the real student is back after the call
    (plain, plain_grads), (chunked, chunked_grads) = results
    assert plain > 0 and chunked == pytest.approx(plain, abs=1e-5)
    assert plain_grads.keys() == chunked_grads.keys() and len(plain_grads) > 10
    for name, grad in plain_grads.items():  # relative to the gradient's size: temperature 0.01 amplifies rounding
        if name.endswith("attention.self.key.bias"):
            continue  # softmax ignores a constant added to every key: this gradient is 0 up to rounding
        gap = float((chunked_grads[name] - grad).norm() / grad.norm().clamp_min(1e-12))
        assert gap < 1e-3, (name, gap)


def test_features_it_cannot_cut_fall_back(tiny_model_dir: Path):
    model, _ = load_model(str(tiny_model_dir))
    columns = _columns(model)
    left = [dict(c) for c in columns]
    left[0]["attention_mask"] = left[0]["attention_mask"].flip(dims=[1])  # left padding
    assert length_sorted_embeddings(model, left) is None
    extra = [dict(c) for c in columns]
    extra[1]["pixel_values"] = torch.zeros((len(POSITIVES), 3))
    assert length_sorted_embeddings(model, extra) is None
    assert length_sorted_embeddings(model, columns, chunk_size=0) is None


def test_a_loss_that_falls_back_still_computes_the_loss(tiny_model_dir: Path):
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    model, _ = load_model(str(tiny_model_dir))
    guide = freeze(load_model(str(tiny_model_dir))[0])
    model.eval()
    cache = GuideEmbeddingCache.build(model, guide, ANCHORS + POSITIVES + ["x"])
    triples = [*_columns(model), dict(model.preprocess(["x"] * len(ANCHORS)))]  # three columns: not chunked
    with torch.no_grad():
        a = GISTEmbedLoss(model, guide)([dict(c) for c in triples], None)
        b = CachedGuideGISTEmbedLoss(model, guide, cache=cache, chunk_size=4)([dict(c) for c in triples], None)
    assert float(b) == pytest.approx(float(a), abs=1e-5)
