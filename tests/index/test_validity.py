"""What a decision repeals or replaces, when it takes effect, and a repealed decision said so when quoted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import DATA

from sotay.index import corpus_admin
from sotay.index.answer import answer_question
from sotay.index.search.hybrid import open_index
from sotay.index.validity import Change, effective_date, number_key, stated_changes, statuses

REPEALING = DATA / "real" / "hcm-2828-2025-bai-bo-qd-32-2023.txt"
# The decision it repeals, as a corpus might still hold it (a short stand-in written for this test).
REPEALED = """ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 32/2023/QĐ-UBND | Thành phố Hồ Chí Minh, ngày 26 tháng 7 năm 2023
QUYẾT ĐỊNH
Ban hành Quy định về quản lý và sử dụng tạm thời một phần lòng đường, hè phố
QUYẾT ĐỊNH:
Điều 1. Hộ kinh doanh được sử dụng tạm thời một phần hè phố để buôn bán khi phần hè phố còn lại dành cho người đi bộ rộng tối thiểu 1,5 mét.
Điều 2. Mức thu phí sử dụng tạm thời hè phố là 50.000 đồng/m2/tháng.
"""


def test_a_repeal_is_read_from_the_articles_not_the_recitals() -> None:
    text = REPEALING.read_text(encoding="utf-8")
    assert stated_changes(text) == [Change("32/2023/QĐ-UBND", "bãi bỏ", True)]
    assert effective_date(text, dt.date(2025, 11, 19)) == dt.date(2025, 11, 19)  # "kể từ ngày ký"


@pytest.mark.parametrize("line, change", [
    ("Điều 3. Quyết định này thay thế Quyết định số 15/2019/QĐ-UBND ngày 10/5/2019 của UBND tỉnh.",
     Change("15/2019/QĐ-UBND", "thay thế", True)),
    ("Bãi bỏ Điều 5 và khoản 2 Điều 7 của Quyết định số 40/2024/QĐ-UBND ngày 01/8/2024.",
     Change("40/2024/QĐ-UBND", "bãi bỏ", False)),
])
def test_replacements_and_partial_repeals(line: str, change: Change) -> None:
    assert stated_changes(f"QUYẾT ĐỊNH:\n{line}\n") == [change]


def test_effective_dates_as_decisions_state_them() -> None:
    signed = dt.date(2025, 11, 20)
    assert effective_date("Điều 2. Quyết định này có hiệu lực kể từ ngày 07 tháng 12 năm 2025.", signed) == dt.date(2025, 12, 7)
    assert effective_date("Quyết định này có hiệu lực thi hành sau 10 ngày kể từ ngày ký.", signed) == dt.date(2025, 11, 30)
    assert effective_date("Căn cứ Luật …; Điều 1. Phạm vi điều chỉnh.", signed) is None


def test_statuses_pair_a_repeal_with_the_same_numbers_decision_of_the_same_province() -> None:
    assert number_key("0562/QĐ-UBND") == number_key("562/qđ-ubnd")
    docs = {
        "new": {"number": "2828/QĐ-UBND", "province": "Hồ Chí Minh",
                "changes": [{"number": "32/2023/QĐ-UBND", "kind": "bãi bỏ", "whole": True}]},
        "old": {"number": "32/2023/QĐ-UBND", "province": "Hồ Chí Minh", "changes": []},
        "elsewhere": {"number": "32/2023/QĐ-UBND", "province": "Đà Nẵng", "changes": []},
    }
    found = statuses(docs)
    assert not found["old"].in_force and found["old"].by == "new" and found["old"].kind == "bãi bỏ"
    assert found["elsewhere"].in_force and found["new"].in_force
    assert found["old"].describe({"new": "QĐ 2828/QĐ-UBND Hồ Chí Minh"}) == "đã bị bãi bỏ bởi QĐ 2828/QĐ-UBND Hồ Chí Minh"


@pytest.fixture()
def corpus(tmp_path: Path, session_data_dir: Path) -> tuple[Path, Path]:
    folder, data = tmp_path / "corpus", tmp_path / "data"
    folder.mkdir()
    shutil.copy(REPEALING, folder / REPEALING.name)
    (folder / "hcm-32-2023-via-he.txt").write_text(REPEALED, encoding="utf-8")
    data.mkdir()
    (data / "models").symlink_to(session_data_dir / "models")
    return folder, data


def test_corpus_list_and_answers_say_a_decision_was_repealed(corpus: tuple[Path, Path]) -> None:
    folder, data = corpus
    listed = {d.meta.number: d.validity for d in corpus_admin.list_decisions(folder)}
    assert listed["2828/QĐ-UBND"] == ""
    assert listed["32/2023/QĐ-UBND"].startswith("đã bị bãi bỏ bởi Quyết định 2828/QĐ-UBND")
    answer = answer_question(open_index(folder, data, progress=False), "phí sử dụng tạm thời hè phố bao nhiêu tiền 1 m2")
    quoted = [s for s in answer.sources if "50.000 đồng/m2/tháng" in s["text"]]
    assert quoted and quoted[0]["validity"].startswith("đã bị bãi bỏ bởi")
    assert "(Lưu ý:" in answer.answer and "đã bị bãi bỏ bởi" in answer.answer
