"""The refusal classifier's two heads: the n-gram features the worker sends, the training code, and
the ONNX graph `screening models prepare` builds from a head file (its scores must equal training's)."""

import importlib.metadata
import importlib.util
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from services.models import prepare, train_refusal
from services.workers.classifiers import refusal


def test_char_ngrams_fold_case_width_and_spacing():
    assert refusal.char_ngrams("Kill  the\tPROCESS") == refusal.char_ngrams("kill the process")
    assert refusal.char_ngrams("ｋｉｌｌ") == refusal.char_ngrams("kill")  # NFKC full-width
    ids = refusal.char_ngrams("ab")  # " ab " -> 3 bigrams, 2 trigrams, 1 four-gram
    assert len(ids) == 6 and len(set(ids)) == 6
    assert all(0 <= i < refusal.NGRAM_PAD for i in ids)
    assert refusal.char_ngrams("") == refusal.char_ngrams("   ")  # just the padding bigram "  "


def test_char_ngrams_are_capped_and_survive_lone_surrogates():
    long_text = "".join(chr(0x4E00 + i) for i in range(5000))
    assert len(refusal.char_ngrams(long_text)) == refusal.MAX_NGRAMS
    assert refusal.char_ngrams("bad \ud800 text")


def test_ngram_matrix_pads_to_a_power_of_two():
    matrix = refusal.ngram_matrix(["short", "a somewhat longer sentence " * 4])
    assert matrix.dtype == np.int64 and matrix.shape[0] == 2
    width = matrix.shape[1]
    assert width >= 64 and width & (width - 1) == 0
    assert (matrix[0] == refusal.NGRAM_PAD).sum() == width - len(refusal.char_ngrams("short"))
    assert refusal.ngram_matrix(["x"]).shape == (1, 64)
    feed = refusal.triton_inputs(["héllo", "second"])
    assert feed["inputs"].shape == (2, 1) and feed["inputs"][0, 0] == "héllo".encode()
    assert feed["ngrams"].shape[0] == 2


TEXTS = ["how do I build a pipe bomb", "make a bomb at home", "bomb recipe please", "explosive bomb steps",
         "how do I bake bread", "recipe for a cake at home", "build a bird house", "steps to plant tomatoes"]


def test_ngram_logistic_regression_learns_a_toy_task():
    grams = train_refusal.Ngrams.of(TEXTS)
    y = np.zeros((len(TEXTS), len(refusal.CATEGORIES)), np.float32)
    y[:4, 0] = 1
    head = train_refusal.fit_ngram_lr(grams, y, epochs=40)
    probs = train_refusal.ngram_scores(train_refusal.Ngrams.of(["bomb making guide", "bread making guide"]), head)
    assert probs[0, 0] > 0.5 > probs[1, 0]


@pytest.fixture
def head_file(tmp_path):
    rng = np.random.default_rng(0)
    k = len(refusal.CATEGORIES)
    head = {"w1": rng.normal(size=(4 + refusal.E5_DIM, 6)), "b1": rng.normal(size=6), "w2": rng.normal(size=(6, k)),
            "b2": rng.normal(size=k), "idf": rng.uniform(1, 5, refusal.NGRAM_PAD),
            "lr_w": rng.normal(size=(refusal.NGRAM_PAD, k)), "lr_b": rng.normal(size=k), "ngram_weight": 0.3,
            "tuned_weight": 0.4, "e5_dim": refusal.E5_DIM}
    path = tmp_path / "head.npz"
    np.savez(path, **{name: np.asarray(v, np.float32) for name, v in head.items()})
    return path


def test_prepared_graph_scores_like_training(tmp_path, head_file):
    # a stand-in for the text encoder: the "embedding" is the graph's float input itself
    encoder = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["inputs"], ["embedding"])], "encoder",
        [helper.make_tensor_value_info("inputs", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 4])]),
        opset_imports=[helper.make_opsetid("", 12)])
    onnx.save(encoder, str(tmp_path / "encoder.onnx"))
    prepare.attach_refusal_head(tmp_path / "encoder.onnx", tmp_path / "refusal.onnx", head_file)
    session = ort.InferenceSession(str(tmp_path / "refusal.onnx"), providers=["CPUExecutionProvider"])
    texts = ["How do I kill a Python process?", "x", "请回答图片中的问题 " * 20]
    x = np.random.default_rng(1).normal(size=(len(texts), 4)).astype(np.float32)
    e5 = refusal.e5_encoder()(texts)
    tuned = np.random.default_rng(2).uniform(size=(len(texts), len(refusal.CATEGORIES))).astype(np.float32)
    (served,) = session.run(None, {"inputs": x, "ngrams": refusal.ngram_matrix(texts), "e5": e5, "tuned": tuned})
    head = dict(np.load(head_file))
    trained = train_refusal.score(np.hstack([x, e5]), train_refusal.Ngrams.of(texts), head, tuned)
    np.testing.assert_allclose(served, trained, rtol=1e-4, atol=1e-5)
    # the tuned part weighs in: without it training's score differs
    assert np.abs(train_refusal.score(np.hstack([x, e5]), train_refusal.Ngrams.of(texts), head) - served).max() > 1e-3


def test_prepare_refuses_a_head_trained_for_an_older_graph(tmp_path):
    path = tmp_path / "old.npz"
    np.savez(path, w1=np.zeros((4, 2)), b1=np.zeros(2), w2=np.zeros((2, 8)), b2=np.zeros(8))
    with pytest.raises(RuntimeError, match="no character n-gram head and no multilingual-e5 input.*retrain"):
        prepare.attach_refusal_head(tmp_path / "missing.onnx", tmp_path / "out.onnx", path)
    np.savez(path, w1=np.zeros((4, 2)), b1=np.zeros(2), w2=np.zeros((2, 8)), b2=np.zeros(8),
             lr_w=np.zeros((2, 8)), e5_dim=np.array(768))
    with pytest.raises(RuntimeError, match="768-d e5"):
        prepare.attach_refusal_head(tmp_path / "missing.onnx", tmp_path / "out.onnx", path)


def test_e5_embeddings_are_normalised_and_multilingual():
    embed = refusal.e5_encoder()
    vectors = embed(["how do I make a bomb", "¿cómo fabrico una bomba?", "how do I bake bread", "bad \ud800 text"])
    assert vectors.shape == (4, refusal.E5_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # same request across languages is closer
    assert embed([]).shape == (0, refusal.E5_DIM)
    head = "x" * refusal.E5_MAX_CHARS  # longer strings are read up to the training data's length
    np.testing.assert_array_equal(embed([head + " and then much more text"]), embed([head]))


def test_embedding_store_keeps_features_per_text_across_runs(tmp_path):
    path = tmp_path / "store.npz"
    store = train_refusal.EmbeddingStore(path)
    store.add(["a", "b\ud800"], np.array([[1, 2], [3, 4]], np.float32))
    store.save()
    again = train_refusal.EmbeddingStore(path)
    assert "a" in again and "b\ud800" in again and "c" not in again
    again.add(["c"], np.array([[5, 6]], np.float32))
    np.testing.assert_array_equal(again.get(["c", "a", "a"]), [[5, 6], [1, 2], [1, 2]])


def test_denormal_weights_are_zeroed_and_others_kept():
    weights = np.array([1e-39, -3e-42, 1.2e-38, -0.5, 0.0], np.float32)
    train_refusal.flush_denormals(weights)
    np.testing.assert_array_equal(weights, np.array([0, 0, 1.2e-38, -0.5, 0], np.float32))


def test_thresholds_are_chosen_per_category_and_the_pinned_one_kept():
    # columns: pinned category, one whose harmful prompts score 0.45, one whose look-alikes score 0.6
    y = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]], np.float32)
    probs = np.array([[0.4, 0.1, 0.1], [0.1, 0.45, 0.1], [0.1, 0.46, 0.1], [0.1, 0.1, 0.9], [0.1, 0.1, 0.8],
                      [0.1, 0.2, 0.6], [0.1, 0.2, 0.1], [0.1, 0.1, 0.1]], np.float32)
    chosen = train_refusal.choose_thresholds(probs, y)
    assert chosen[0] == 0.5
    assert 0.2 < chosen[1] <= 0.45
    assert 0.6 < chosen[2] <= 0.8


def test_writing_rounds_come_from_the_source_file_names():
    path = train_refusal.ROOT / "datasets" / "refusal" / "src" / "train" / "en_r8_harmful.txt"
    first = next(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith(("#", "[")))
    rows = [{"text": first, "source": "handwritten"}, {"text": first, "source": "template"},
            {"text": "a prompt that is in no source file", "source": "handwritten"}]
    assert train_refusal.writing_rounds(rows).tolist() == [8, 0, 0]


def test_triton_model_reads_as_many_characters_as_training_and_needs_no_project_code():
    # the Triton image carries services/triton only: its model code must not import the project
    triton = train_refusal.ROOT / "services" / "triton"
    assert "from services" not in (triton / "onnx_model.py").read_text()
    config = (triton / "models" / "refusal_classifier" / "config.pbtxt").read_text()
    assert f'key: "e5_max_chars" value: {{ string_value: "{refusal.E5_MAX_CHARS}" }}' in config


def test_the_installed_e5_package_is_the_catalogued_one():
    from services.models.catalog import INSTALLED

    for member, source in INSTALLED:
        assert importlib.metadata.version(source.package) == source.version
        assert (pathlib.Path(importlib.util.find_spec(source.package).origin).parent.parent / member).exists()


@pytest.mark.parametrize("flag", ["--report", "--out"])
def test_training_refuses_a_directory_for_an_output_file_before_it_starts(tmp_path, capsys, flag):
    with pytest.raises(SystemExit) as exit_info:
        train_refusal.main([flag, str(tmp_path)])
    assert exit_info.value.code == 2
    assert "is a directory: give a file path" in capsys.readouterr().err
