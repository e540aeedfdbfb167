#!/usr/bin/env python3
"""gen-tokenizer-fixtures — llama.cpp's tokenization of a varied corpus, as test fixtures.

Offline tool (CI never runs it): it needs the PyPI peer `xllamacpp` (llama.cpp) and the model.

    ~/.cache/netgpt-peer-venv/bin/python scripts/gen-tokenizer-fixtures.py [models/SmolLM2-135M-Instruct.Q4_1.gguf]

Writes Tests/EdgeLLMTests/Fixtures/:
  tokenizer-smollm2.json  the corpus and llama.cpp's ids for the real model (add_special, parse_special)
  tokenizer-tiny.json     tiny vocabularies (byte-level BPE under several pre-tokenizers, SentencePiece),
                          trained here, loaded by llama.cpp from GGUF files, with its ids, pieces, EOG set
The Swift tests rebuild the same tokenizers from the fixture and must produce identical ids.
"""
import collections, ctypes, glob, hashlib, json, os, random, re, struct, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "EdgeLLMTests", "Fixtures")

# ---------------------------------------------------------------- llama.cpp through ctypes
import xllamacpp
_so = glob.glob(os.path.join(xllamacpp.__path__[0], "xllamacpp*.so"))[0]
L = ctypes.CDLL(_so)

class ModelParams(ctypes.Structure):  # llama_model_params, opaque; large enough, passed by memory
    _fields_ = [("raw", ctypes.c_ubyte * 256)]

VOCAB_ONLY_OFFSET = 72  # offsetof(llama_model_params, vocab_only) in this build (probed)

L.llama_backend_init()
L.llama_model_default_params.restype = ModelParams
L.llama_model_load_from_file.restype = ctypes.c_void_p
L.llama_model_load_from_file.argtypes = [ctypes.c_char_p, ModelParams]
L.llama_model_free.argtypes = [ctypes.c_void_p]
L.llama_model_get_vocab.restype = ctypes.c_void_p
L.llama_model_get_vocab.argtypes = [ctypes.c_void_p]
L.llama_tokenize.restype = ctypes.c_int32
L.llama_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                             ctypes.POINTER(ctypes.c_int32), ctypes.c_int32, ctypes.c_bool, ctypes.c_bool]
L.llama_token_to_piece.restype = ctypes.c_int32
L.llama_token_to_piece.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p, ctypes.c_int32,
                                   ctypes.c_int32, ctypes.c_bool]
L.llama_vocab_n_tokens.argtypes = [ctypes.c_void_p]
L.llama_vocab_is_eog.argtypes = [ctypes.c_void_p, ctypes.c_int32]
L.llama_vocab_is_eog.restype = ctypes.c_bool
L.llama_vocab_get_add_bos.argtypes = [ctypes.c_void_p]
L.llama_vocab_get_add_bos.restype = ctypes.c_bool

class Peer:
    def __init__(self, path, vocab_only=False):
        p = L.llama_model_default_params()
        if vocab_only:
            p.raw[VOCAB_ONLY_OFFSET] = 1
        self.model = L.llama_model_load_from_file(path.encode(), p)
        if not self.model:
            raise SystemExit(f"llama.cpp could not load {path}")
        self.vocab = L.llama_model_get_vocab(self.model)
        self.n = L.llama_vocab_n_tokens(self.vocab)

    def tokenize(self, text, add_special=True, parse_special=True):
        b = text if isinstance(text, bytes) else text.encode("utf-8")
        cap = len(b) + 16
        buf = (ctypes.c_int32 * cap)()
        n = L.llama_tokenize(self.vocab, b, len(b), buf, cap, add_special, parse_special)
        assert n >= 0, n
        return list(buf[:n])

    def piece(self, token):
        buf = ctypes.create_string_buffer(256)
        n = L.llama_token_to_piece(self.vocab, token, buf, 256, 0, True)
        return buf.raw[:n]

    def eog(self):
        return [i for i in range(self.n) if L.llama_vocab_is_eog(self.vocab, i)]

    def add_bos(self):
        return bool(L.llama_vocab_get_add_bos(self.vocab))

    def free(self):
        L.llama_model_free(self.model)

# ---------------------------------------------------------------- GGUF writing (metadata only)
T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR = 4, 5, 6, 7, 8, 9

def _s(x):
    b = x.encode("utf-8")
    return struct.pack("<Q", len(b)) + b

def _v(t, v):
    if t == T_STR: return _s(v)
    if t == T_BOOL: return struct.pack("<?", v)
    return struct.pack({T_U32: "<I", T_I32: "<i", T_F32: "<f"}[t], v)

def write_gguf(path, kvs):
    out = bytearray(b"GGUF") + struct.pack("<IQQ", 3, 0, len(kvs))
    for k, t, v in kvs:
        out += _s(k) + struct.pack("<I", t)
        if t == T_ARR:
            et, items = v
            out += struct.pack("<IQ", et, len(items)) + b"".join(_v(et, i) for i in items)
        else:
            out += _v(t, v)
    with open(path, "wb") as f:
        f.write(out)

ARCH = [("general.architecture", T_STR, "llama"), ("llama.context_length", T_U32, 64),
        ("llama.embedding_length", T_U32, 8), ("llama.block_count", T_U32, 1),
        ("llama.feed_forward_length", T_U32, 16), ("llama.attention.head_count", T_U32, 2),
        ("llama.attention.layer_norm_rms_epsilon", T_F32, 1e-5)]

# ---------------------------------------------------------------- corpus
NET = [
    "Interface ge-0/0/1 on router edge-3 reported 12.5% packet loss at 14:32 UTC.",
    "cell 4711 PRB utilization 87% (threshold 80%), handover failures: 23",
    "BGP neighbor 203.0.113.7 (AS64512) state changed Established -> Idle",
    "2024-03-17T08:15:42.123Z WARN linkmon: eth0 rx_errors=1042 tx_dropped=7",
    "Ensure latency below 20 ms for video traffic on slice embb-2 between 18:00 and 23:00",
    "Block UDP port 5353 on interface wlan0; reroute voice via link L12 if jitter > 30ms",
    "scale_out service cdn-edge when load_pct >= 75 for 5 min",
    "fe80::1ff:fe23:4567:890a%eth0 and 2001:db8:85a3::8a2e:370:7334/64",
    "MAC 00:1A:2B:3C:4D:5E VLAN 100 -> 200, MTU 9000",
    "10.0.0.0/8, 172.16.0.0/12 and 192.168.1.254/24 are private ranges",
    "ping -c 5 -W 2 8.8.8.8 | tail -1",
    "rtt min/avg/max/mdev = 11.201/12.734/15.002/1.317 ms",
    "journalctl -u netgptd NETGPT_EVENT=action --since '1 hour ago'",
    "sqlite3 /var/lib/netgpt/netgpt.db 'SELECT * FROM latest_predictions LIMIT 5;'",
    "{\"verb\": \"ensure\", \"target\": {\"kind\": \"cell\", \"id\": \"c-17\"}, \"metric\": \"latency_ms\"}",
    "{\"op\":\"between\",\"value\":10.5,\"upper\":99.25}",
    "traffic,site=mec-1,cell=42 bytes_in=1234567i,bytes_out=7654321i 1700000000000000000",
    "RSRP=-95dBm RSRQ=-11.5dB SINR=18.2dB CQI=12",
    "Throughput dropped from 940 Mbit/s to 112 Mbit/s on uplink-7 at 03:07.",
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n",
    "GET /api/v1/predictions?series=cell.load&limit=100 HTTP/1.1",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    "The edge site reports cell0 load 37 percent at 1h; cell1 load 74 percent at 2h;",
    "What is network latency?",
    "Predict the next 24 values: 12, 15, 18, 21, 24, 27, 30, 33",
    "OSPF area 0.0.0.0 LSA type-5 count 12034; SPF runs 4 in 60s",
    "show interfaces TenGigE0/1/0/3 | include rate",
    "  5 minute input rate 1234000 bits/sec, 1500 packets/sec",
    "policy 'prioritize-emergency' matched intent #8812 (verb=prioritize, class=emergency)",
    "Alert: availability_pct of link L3 fell to 99.875 (SLO 99.95)",
]
CODE = [
    "func encode(_ text: String) -> [Int32] {\n    return tokenizer.encode(text)\n}\n",
    "def main():\n\tfor i in range(10):\n\t\tprint(f\"{i:03d}\")\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "if [ -f \"$HOME/.bashrc\" ]; then source ~/.bashrc; fi  # comment",
    "SELECT cell_id, AVG(load_pct) FROM samples WHERE ts >= 1700000000000 GROUP BY cell_id;",
    "const x = arr.map((v, i) => v * 2 + i).filter(Boolean);",
    "let dict: [String: Int] = [\"a\": 1, \"b\": 2]\n\n\n// trailing newlines\n\n",
    "    indented with four spaces\n        and eight\n\t\ttabs\n",
    "x+=1;y-=2;z*=3;w/=4;a%=5;b**=6;c//=7;d<<=1;e>>=2;f&=g|h^i;",
    "<html><body><p class=\"x\">Hello&nbsp;world</p></body></html>",
    "key: value\nlist:\n  - one\n  - two\n  - 3\nnested:\n  deep: {a: 1}",
    "regex = r'^([01][0-9]|2[0-3]):[0-5][0-9]$'",
    "@@ -1,4 +1,5 @@\n-old line\n+new line\n context",
    "λx.λy.x y -- lambda calculus; ∀x ∈ ℝ: x² ≥ 0",
]
NUMBERS = [
    "123456789012345678901234567890",
    "3.14159265358979323846264338327950288419716939937510",
    "-0.000001 1e-10 6.022e23 -273.15 +42",
    "1,234,567.89 and 9 876 543,21",
    "0x7fffffff 0b101010 0o777 1_000_000",
    "Phone: +1 (555) 123-4567, ext. 890",
    "1234 12345 123456 1234567 12345678",
    "2024-12-31 23:59:59.999999",
    "v1.2.3-rc.4+build.5678",
    "99999999999999999999999999999999999999999999999999999999999999",
    "a1b2c3d4e5f6 deadbeef 0123456789abcdef",
    "½ ¼ ¾ ² ³ ¹ ⁴ ₅ ① ② Ⅻ ⅷ",
    "１２３４５ ٣٤٥ ४५६ ๑๒๓",
    "12, 15, 18, 21, 24,",
]
UNICODE = [
    "café naïve résumé Ångström façade jalapeño",
    "cafe\u0301 nai\u0308ve (decomposed accents)",
    "Straße ﬁnance İstanbul ǅungla Ǆ ǆ",
    "Ελληνικά: Καλημέρα κόσμε",
    "Русский текст: Привет, мир! Ёжик",
    "العربية: مرحبا بالعالم ١٢٣",
    "עברית: שלום עולם",
    "हिन्दी: नमस्ते दुनिया",
    "ไทย: สวัสดีชาวโลก",
    "한국어: 안녕하세요 세계",
    "日本語：こんにちは世界。カタカナ、ひらがな",
    "中文：你好，世界！网络延迟很高。",
    "emoji 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ ✅",
    "math ∑∫∂√∞≠≤≥ ⊂⊃∪∩ ⟨x|y⟩",
    "arrows → ← ↑ ↓ ⇒ ⇔ and box ┌─┐│└┘",
    "quotes “double” ‘single’ «guillemets» „low“",
    "dashes – — ‐ ‒ and ellipsis … bullets • ‣",
    "currency $ € £ ¥ ₹ ₿ ¢",
    "zero\u200bwidth\u200cjoiner\u200dtest\ufeffbom",
    "mixed: Tokyo東京Paris巴黎 42号 3個",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ",
    "\U0001d400\U0001d401 math bold, \U00010348 gothic",
]
WHITESPACE = [
    "", " ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \n ", "a  b   c    d",
    "trailing spaces   ", "   leading spaces", "tab\tseparated\tvalues", "line1\nline2\r\nline3\rline4",
    "nbsp\u00a0here and\u3000ideographic", "vertical\x0btab and\x0cform feed", "next\u0085line",
    "line\u2028separator\u2029para", "  \n\n  \t\n   x", "x\n\n\n\n\ny", "     \n", "\t\t\t",
    "end with newline\n", " leading space and newline\n ",
]
SPEAKING = [
    "I'm sure they'll say we've done what she'd wanted, don't you think?",
    "I'M SURE THEY'LL SAY WE'VE DONE IT, DON'T YOU?",
    "it's 'quoted' and ''double'' and ' spaced ' apostrophes'",
    "rock'n'roll o'clock y'all ma'am",
    "Hello, world! How are you today?",
    "The capital of France is",
    "A quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX!",
    "e.g. i.e. etc. Mr. Dr. U.S.A.",
    "!!!??? ...,,, ;;; ::: --- ___ +++ === ~~~ ``` ''' \"\"\"",
    "(parentheses) [brackets] {braces} <angles>",
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
    "https://example.com/path/to/page?query=1&other=two#fragment",
    "user@example.org, first.last+tag@sub.domain.co.uk",
]
SPECIAL = [
    "<|im_start|>user\nWhat is network latency?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "<|endoftext|>",
    "text before<|endoftext|>text after",
    "abc<|im_end|>def",
    "<|im_start|><|im_end|><|im_start|>",
    "<|im_start|",
    "<|im_start",
    "< |im_start|>",
    "<|IM_START|>",
    "<repo_name>netgpt<file_sep>README.md<filename>x",
    "<|im_start|>  spaced  <|im_end|>",
    " <|im_start|> ",
    "\n<|im_end|>\n",
    "<|im_end|><|im_end|>",
    "<jupyter_code>print(1)<jupyter_output>1<empty_output>",
    "<tool>call</tool> <tool>",
]
LONG = [
    " ".join(f"cell{i % 97} load {(i * 37) % 100} percent at {i % 24}h;" for i in range(60)),
    ("Network telemetry from the edge site shows a steady increase of uplink traffic during the evening "
     "peak, with latency spikes on the backhaul link that correlate with the scheduled backups. "
     "The operator wants video to be prioritised and backups to be limited between 18:00 and 23:00. ") * 6,
    "\n".join(f"{i:04d},{(i * 7919) % 10007},{(i * 31) % 97}.{i % 10},ok" for i in range(80)),
]

def random_strings(rng, count):
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " " * 6, "\n\t\r",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "éèêëàâäôöûüçñßÆØÅ", "αβγδεζηθλμπσωΩΣ", "абвгдежзиклмн",
        "你好世界网络延迟高中文字", "こんにちはカタカナ", "😀👍🏽🚀🔥✅❤️", "٠١٢٣٤٥", "\u00a0\u3000\u2009\u200b",
        "\u0301\u0308\u0327", "½²³①Ⅻ", "'s 't 're 've 'm 'll 'd 'S 'LL ",
    ]
    out = []
    for _ in range(count):
        n = rng.randint(1, 40)
        chosen = rng.sample(pools, rng.randint(1, 4))
        s = "".join(rng.choice(rng.choice(chosen)) for _ in range(n))
        out.append(s)
    return out

def corpus():
    rng = random.Random(20240601)
    texts = NET + CODE + NUMBERS + UNICODE + WHITESPACE + SPEAKING + SPECIAL + LONG
    # combinations: join pairs of entries with varied separators
    base = NET + CODE + NUMBERS + UNICODE + SPEAKING
    for _ in range(80):
        a, b = rng.choice(base), rng.choice(base)
        sep = rng.choice([" ", "\n", "  ", "\t", "", "\n\n", " - ", "<|im_end|>", "'s "])
        texts.append(a + sep + b)
    for _ in range(40):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 60)))
        texts.append(rng.choice(["", " ", "x", "v", "-", "$", "#"]) + digits + rng.choice(["", " ", ".", "%", "ms", "\n"]))
    texts += random_strings(rng, 160)
    seen, unique = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique

# ---------------------------------------------------------------- tiny vocabularies
def bytes_to_unicode():
    bs = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

TRAIN = (" ".join(NET + SPEAKING) + " " + " ".join(CODE) + " 0123456789 1234 2024 12.5% " +
         "café résumé naïve Straße Привет мир Καλημέρα 你好世界 こんにちは 😀👍 network latency ") * 2

def train_bpe(words, merges_wanted):
    """Plain BPE over words given as tuples of symbols; returns the merge list."""
    vocab = collections.Counter(words)
    merges = []
    for _ in range(merges_wanted):
        pairs = collections.Counter()
        for w, c in vocab.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append((a, b))
        nv = collections.Counter()
        for w, c in vocab.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b); i += 2
                else:
                    out.append(w[i]); i += 1
            nv[tuple(out)] += c
        vocab = nv
    return merges

SPECIALS = [("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3), ("<tool>", 4)]

def tiny_bpe(pre):
    b2u = bytes_to_unicode()
    words = [tuple(b2u[b] for b in w.encode()) for w in re.findall(r" ?\w+| ?[^\w\s]+|\s+", TRAIN)]
    merges = train_bpe(words, 220)
    tokens = [t for t, _ in SPECIALS] + [b2u[b] for b in range(256)]
    types = [ty for _, ty in SPECIALS] + [1] * 256
    for a, b in merges:
        if a + b not in tokens:
            tokens.append(a + b); types.append(1)
    # a whole word the merges do not build: Llama 3's ignore_merges takes it as one token
    for extra in ["Ġnetwork", "Ġlatency", "Ġ202"]:
        if extra not in tokens:
            tokens.append(extra); types.append(1)
    meta = [("tokenizer.ggml.model", "gpt2"), ("tokenizer.ggml.pre", pre)]
    arrays = {"tokens": tokens, "token_type": types, "merges": [f"{a} {b}" for a, b in merges]}
    ids = {"bos_token_id": 0, "eos_token_id": 2}
    return meta, arrays, ids

def tiny_spm():
    text = TRAIN.replace(" ", "▁")
    words = [tuple("▁" + w) for w in TRAIN.split()]
    merges = train_bpe(words, 200)
    chars = sorted(set(text) - set("你好世界こんにちは😀👍"))  # some characters only through byte fallback
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["<tool>"]
    types = [2, 3, 3] + [6] * 256 + [4]
    scores = [0.0] * len(tokens)
    for i, (a, b) in enumerate(merges):
        if a + b not in tokens:
            tokens.append(a + b); types.append(1); scores.append(-float(i))
    for c in chars:
        if c not in tokens:
            tokens.append(c); types.append(1); scores.append(-1000.0 - len(tokens))
    meta = [("tokenizer.ggml.model", "llama")]
    arrays = {"tokens": tokens, "token_type": types, "scores": scores}
    ids = {"bos_token_id": 1, "eos_token_id": 2, "unknown_token_id": 0}
    return meta, arrays, ids

def gguf_kvs(meta, arrays, ids, flags):
    kvs = list(ARCH)
    kvs += [(k, T_STR, v) for k, v in meta]
    kvs.append(("tokenizer.ggml.tokens", T_ARR, (T_STR, arrays["tokens"])))
    kvs.append(("tokenizer.ggml.token_type", T_ARR, (T_I32, arrays["token_type"])))
    if "merges" in arrays:
        kvs.append(("tokenizer.ggml.merges", T_ARR, (T_STR, arrays["merges"])))
    if "scores" in arrays:
        kvs.append(("tokenizer.ggml.scores", T_ARR, (T_F32, arrays["scores"])))
    kvs += [(f"tokenizer.ggml.{k}", T_U32, v) for k, v in ids.items()]
    kvs += [(f"tokenizer.ggml.{k}", T_BOOL, v) for k, v in flags.items()]
    return kvs

def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    texts = corpus()
    os.makedirs(FIXTURES, exist_ok=True)

    # real model
    peer = Peer(model)
    sha = hashlib.sha256(open(model, "rb").read()).hexdigest()
    entries = [{"text": t, "ids": peer.tokenize(t)} for t in texts]
    # the same strings with special-token parsing off, for the ones that contain special text
    entries += [{"text": t, "parse_special": False, "ids": peer.tokenize(t, True, False)} for t in SPECIAL]
    # byte strings that are not valid UTF-8 (Tokenizer.encode(bytes:))
    invalid = [b"abc\xff def", b"\xe2\x82 x", b"caf\xc3", b"\xc0\x80 overlong", b"ok\xed\xa0\x80ok", b"\xff\xfe\xfd", b"12\x8034"]
    entries += [{"bytes_hex": b.hex(), "ids": peer.tokenize(b)} for b in invalid]
    real = {"generator": "scripts/gen-tokenizer-fixtures.py", "engine": "llama.cpp via xllamacpp " + xllamacpp.__version__,
            "model_sha256": sha, "add_special": True, "eog": peer.eog(), "add_bos": peer.add_bos(), "entries": entries}
    peer.free()
    with open(os.path.join(FIXTURES, "tokenizer-smollm2.json"), "w", encoding="utf-8") as f:
        json.dump(real, f, ensure_ascii=False, separators=(",", ":"))
    print(f"tokenizer-smollm2.json: {len(entries)} entries, {sum(len(e['ids']) for e in entries)} ids")

    # tiny vocabularies
    rng = random.Random(7)
    tiny_texts = [t for t in texts if len(t) < 400]
    tiny_texts = SPECIAL + rng.sample([t for t in tiny_texts if t not in SPECIAL], 130)
    # each case: index into "texts", add_special, parse_special; every config lists its ids per case
    cases = [{"text": i, "add_special": True, "parse_special": True} for i in range(len(tiny_texts))]
    cases += [{"text": tiny_texts.index(t), "add_special": True, "parse_special": False} for t in SPECIAL]
    cases += [{"text": i, "add_special": False, "parse_special": True} for i in range(10)]
    vocabularies, configs_out = {}, []
    configs = [("bpe-gpt2", "bpe", tiny_bpe("gpt-2"), {}), ("bpe-llama-bpe", "bpe", tiny_bpe("llama-bpe"), {}),
               ("bpe-qwen2", "bpe", tiny_bpe("qwen2"), {}), ("bpe-smollm", "bpe", tiny_bpe("smollm"), {}),
               ("bpe-default", "bpe", tiny_bpe("default"), {}), ("spm", "spm", tiny_spm(), {}),
               ("spm-no-prefix", "spm", tiny_spm(), {"add_space_prefix": False, "add_bos_token": False})]
    with tempfile.TemporaryDirectory() as tmp:
        for name, vocab, (meta, arrays, ids), flags in configs:
            path = os.path.join(tmp, name + ".gguf")
            write_gguf(path, gguf_kvs(meta, arrays, ids, flags))
            p = Peer(path, vocab_only=True)
            results = [p.tokenize(tiny_texts[c["text"]], c["add_special"], c["parse_special"]) for c in cases]
            if vocab not in vocabularies:
                vocabularies[vocab] = {**arrays, "pieces_hex": [p.piece(i).hex() for i in range(p.n)]}
            configs_out.append({"name": name, "vocabulary": vocab, "metadata": dict(meta), "ids": ids, "flags": flags,
                                "eog": p.eog(), "add_bos": p.add_bos(), "results": results})
            p.free()
            print(f"{name}: {len(arrays['tokens'])} tokens, {len(cases)} cases")
    with open(os.path.join(FIXTURES, "tokenizer-tiny.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/gen-tokenizer-fixtures.py", "texts": tiny_texts, "cases": cases,
                   "vocabularies": vocabularies,
                   "configs": configs_out}, f, ensure_ascii=False, separators=(",", ":"))

if __name__ == "__main__":
    main()
