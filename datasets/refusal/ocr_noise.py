"""OCR noise: what text recognition reads off photos that carry no request, as benign training lines.

OCR of a photo returns more than its real text: half-read signs and labels ("PRINIER", "Tha an albald"
off a whiteboard), single letters and digits, runs of CJK characters read into foliage. The refusal head
had never seen such strings and scored them 0.3-0.5 in some harmful category (read off OpenCV's sample
photos: "zaled RINE" 0.47 sexual content, "Tha an albald" 0.48 ungrounded inference), so a photo of a
desk could be refused for the text in it. These lines teach it that noise carries no request.

Generated, deterministic (its own random.Random), written by the project (CC0), training only. Kinds:
- pseudo-words: letters drawn with a language's letter frequencies, in the casings signs and OCR give;
- misread words: everyday sign, label and notice words (seven languages) with OCR's confusions
  (rn/m, 1/l/I, 0/O, e/c, dropped, doubled and swapped letters);
- fragments: short capitals, digits, codes, dates and punctuation runs, grid numbers;
- CJK: runs of common characters with no harmful reading, alone or mixed with Latin noise.
No line contains a word from STOP (weapons, drugs, sex, violence, slurs...): noise that happens to spell
a harmful word must not be taught as benign.
"""

from __future__ import annotations

import random
import re

SEED = 20261124
COUNTS = {"pseudo": 360, "misread": 480, "fragment": 180, "cjk": 180}

LETTERS = {
    "en": "eeeeeeeeeeeettttttttaaaaaaaaoooooooiiiiiiinnnnnnnssssssrrrrrrhhhhhllllddddcccuuummmfffppggwwyybbvk",
    "es": "eeeeeeeeeeeeaaaaaaaaaaaoooooooooosssssssrrrrrrrnnnnnnniiiiiiddddddllllllcccctttuuuummmppbbgvyqhfzjñé",
    "fr": "eeeeeeeeeeeeeeesssssssaaaaaaaiiiiiiittttttnnnnnnrrrrrruuuuuullllloooooddddcccpppmmmévqfbghjàèxyz",
    "de": "eeeeeeeeeeeeeeeennnnnnnnnniiiiiiisssssssrrrrrrraaaaaatttttttdddddhhhhhuuuullllcccgggmmmoobbwwfkzüäö",
}
WORDS = {
    "en": "exit open closed push pull entrance parking office kitchen warning caution "
          "wet floor sale today menu coffee station platform north south street avenue tickets toilets "
          "lift stairs fire door keep clear staff only delivery reception meeting room whiteboard agenda "
          "monday notes project deadline welcome library museum garden bakery pharmacy hotel",
    "es": "salida entrada abierto cerrado empujar tirar oficina cocina aviso cuidado piso mojado oferta "
          "menú café estación andén calle avenida billetes aseos ascensor escaleras puerta reunión "
          "bienvenidos biblioteca museo jardín panadería farmacia",
    "fr": "sortie entrée ouvert fermé poussez tirez bureau cuisine attention sol glissant soldes menu "
          "café gare quai rue avenue billets toilettes ascenseur escalier porte réunion bienvenue "
          "bibliothèque musée jardin boulangerie pharmacie",
    "de": "Ausgang Eingang geöffnet geschlossen drücken ziehen Büro Küche Achtung Vorsicht Rutschgefahr "
          "Angebot Speisekarte Kaffee Bahnhof Gleis Straße Fahrkarten Toiletten Aufzug Treppe Tür "
          "Besprechung willkommen Bibliothek Museum Garten Bäckerei Apotheke",
    "it": "uscita entrata aperto chiuso spingere tirare ufficio cucina attenzione pavimento bagnato "
          "offerta caffè stazione binario via biglietti bagni ascensore scale porta riunione benvenuti "
          "biblioteca museo giardino panetteria farmacia",
    "pt": "saída entrada aberto fechado empurre puxe escritório cozinha atenção piso molhado promoção "
          "café estação plataforma rua avenida bilhetes banheiros elevador escada porta reunião "
          "bem-vindos biblioteca museu jardim padaria farmácia",
}
CJK = ("长平中大海路器窗门口东西南北上下左右山水木林花草天地日月年新白红黄蓝绿书店馆站街道号楼层室"
       "出入开关市场公园学校医院银行餐厅咖啡茶面包电话网络时间星期一二三四五六七八九十百千万元"
       "欢迎光临营业请勿停车禁止吸烟小心地滑推拉厕所电梯楼梯会议办公")
CONFUSIONS = (("m", "rn"), ("rn", "m"), ("l", "1"), ("I", "l"), ("i", "l"), ("O", "0"), ("o", "0"),
              ("e", "c"), ("c", "e"), ("a", "o"), ("u", "v"), ("h", "b"), ("n", "h"), ("S", "5"),
              ("B", "8"), ("E", "F"), ("T", "I"), ("d", "cl"), ("w", "vv"), ("f", "t"))
# no line may contain one of these (substring of the lower-cased line, accents kept)
STOP = ("kill", "sex", "porn", "nude", "naked", "bomb", "gun", "drug", "die", "dead", "death", "rape",
        "nazi", "hate", "slut", "whore", "fuck", "shit", "cock", "dick", "pussy", "tits", "anal", "cum",
        "meth", "coke", "weed", "poison", "knife", "stab", "shoot", "suicid", "cut", "hang", "jew",
        "muslim", "gay", "fag", "nig", "negr", "spic", "chink", "kike", "arab", "black", "white",
        "puta", "puto", "mata", "muer", "droga", "arma", "viol", "tuer", "mort", "sexe", "pute", "nègre",
        "töt", "tod", "mord", "waffe", "hure", "fick", "nackt", "selbstmord", "uccid", "morte", "morto",
        "matar", "estupr", "captcha", "who", "name", "quien", "quién", "qui", "wer", "chi", "quem",
        "杀", "死", "毒", "枪", "炸", "性", "裸", "黄", "色", "血", "刀", "药", "自", "谁")


def _clean(text: str) -> bool:
    lowered = text.lower()
    return not any(word in lowered for word in STOP)


def _case(word: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return word.upper()
    if r < 0.6:
        return word[:1].upper() + word[1:]
    if r < 0.7:
        return "".join(ch.upper() if rng.random() < 0.3 else ch for ch in word)
    return word


def _pseudo(rng: random.Random) -> tuple[str, str]:
    lang = rng.choice(sorted(LETTERS))
    words = ["".join(rng.choice(LETTERS[lang]) for _ in range(rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 7, 9))))
             for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 5)))]
    text = " ".join(_case(w, rng) for w in words)
    if rng.random() < 0.25:
        text += rng.choice(".,:;)-'!")
    return lang, text


def _misread_word(word: str, rng: random.Random) -> str:
    for _ in range(rng.choice((1, 1, 2, 3))):
        r = rng.random()
        if r < 0.5:
            src, dst = rng.choice(CONFUSIONS)
            spots = [m.start() for m in re.finditer(re.escape(src), word)]
            if spots:
                at = rng.choice(spots)
                word = word[:at] + dst + word[at + len(src):]
                continue
        if len(word) > 3 and r < 0.75:
            at = rng.randrange(len(word))
            word = word[:at] + word[at + 1:]  # a letter dropped
        elif len(word) > 2 and r < 0.9:
            at = rng.randrange(len(word) - 1)
            word = word[:at] + word[at + 1] + word[at] + word[at + 2:]  # two letters swapped
        else:
            at = rng.randrange(len(word))
            word = word[:at] + word[at] + word[at:]  # a letter doubled
    return word


def _misread(rng: random.Random) -> tuple[str, str]:
    lang = rng.choice(sorted(WORDS))
    vocabulary = WORDS[lang].split()
    words = [_misread_word(rng.choice(vocabulary), rng) if rng.random() < 0.85 else rng.choice(vocabulary)
             for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
    if rng.random() < 0.3:  # a stray short piece of noise beside the words, as OCR gives
        words.insert(rng.randrange(len(words) + 1), _pseudo(rng)[1].split()[0][:3])
    return lang, " ".join(_case(w, rng) if rng.random() < 0.6 else w for w in words)


def _fragment(rng: random.Random) -> tuple[str, str]:
    r = rng.random()
    if r < 0.25:
        text = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ") for _ in range(rng.choice((2, 2, 3, 3, 4, 5))))
    elif r < 0.45:
        text = " ".join(str(rng.randrange(1, 10)) for _ in range(rng.choice((3, 5, 8, 12))))  # grid numbers
    elif r < 0.65:
        text = "".join(rng.choice("ABCDEFGHKLMNPRSTXYZ0123456789") for _ in range(rng.choice((3, 4, 5, 6, 8))))
        if rng.random() < 0.5:
            text = text[:3] + rng.choice("-/ .") + text[3:]
    elif r < 0.8:
        text = rng.choice(("{}-{}-{:02d}", "{}/{}/{:02d}", "{}.{}.{:02d}")).format(
            rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(0, 100))
    else:
        text = "".join(rng.choice("Il1|O0o.:;,-_'\"()[]*#%&~=+") for _ in range(rng.choice((2, 3, 4, 6))))
        text += rng.choice(("", "a", "e", "r", "s", "m", "LE", "Ta"))
    return "en", text


def _cjk(rng: random.Random) -> tuple[str, str]:
    text = "".join(rng.choice(CJK) for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 6))))
    r = rng.random()
    if r < 0.25:
        text = _pseudo(rng)[1].split()[0][:2].upper() + text
    elif r < 0.4:
        text += str(rng.randrange(1, 100))
    elif r < 0.5:
        text = text[:2] + " " + text[2:]
    return "zh", text


def rows() -> list[dict]:
    rng = random.Random(SEED)
    makers = {"pseudo": _pseudo, "misread": _misread, "fragment": _fragment, "cjk": _cjk}
    out, seen = [], set()
    for kind, count in COUNTS.items():
        made = attempts = 0
        while made < count and attempts < count * 50:
            attempts += 1
            lang, text = makers[kind](rng)
            text = re.sub(r"\s+", " ", text).strip()
            if not text or text.lower() in seen or not _clean(text):
                continue
            seen.add(text.lower())
            out.append({"text": text, "labels": [], "lang": lang, "source": "generated",
                        "lookalike_of": "general"})
            made += 1
    return out


if __name__ == "__main__":
    for row in rows()[::25]:
        print(row["lang"], row["text"])
