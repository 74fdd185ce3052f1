"""underthesea loaded without its optional pipelines: same tokens, no torch."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CORPUS

_TOKENS = """
import json, sys
{load}
texts = [line for line in open({path!r}, encoding="utf-8").read().splitlines() if line.strip()][:120]
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"torch", "transformers", "sklearn"}})
print(json.dumps({{"tokens": [word_tokenize(t) for t in texts], "normalized": text_normalize("Uỷ ban hoà giải"),
                  "heavy": heavy}}))
"""


def _run(load: str) -> dict:
    code = _TOKENS.format(load=load, path=str(CORPUS / "son-la-2021-kinh-te-tap-the.txt"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_light_load_segments_exactly_like_underthesea_and_imports_no_torch() -> None:
    light = _run("from sotay.index import segmenter\nu = segmenter.load()\n"
                 "word_tokenize, text_normalize = u.word_tokenize, u.text_normalize")
    full = _run("from underthesea import word_tokenize, text_normalize")
    assert light["tokens"] == full["tokens"] and len(light["tokens"]) == 120
    assert light["normalized"] == full["normalized"] == "Ủy ban hòa giải"
    assert light["heavy"] == []
