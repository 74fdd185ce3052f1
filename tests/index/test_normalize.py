"""Vietnamese text handling: folding, tones, abbreviations, tokens, diacritic restoration."""

from __future__ import annotations

import re

from conftest import CORPUS

from sotay.index.search.restore import DiacriticRestorer
from sotay.index.search.tokens import query_terms
from sotay.index.vietnamese import abbreviations, expand_abbreviations, normalize_tones, syllables
from sotay.text import fold, has_diacritics


def test_fold_removes_every_diacritic_and_d_bar() -> None:
    assert fold("Ủy ban nhân dân ĐẶC BIỆT khó khăn") == "uy ban nhan dan dac biet kho khan"
    assert not has_diacritics("ty le thu hoi von")
    assert has_diacritics("tỷ lệ") and has_diacritics("đ")


def test_old_and_new_tone_placement_meet() -> None:
    assert normalize_tones("Uỷ ban nhân dân") == "Ủy ban nhân dân"
    assert normalize_tones("hoà giải") == "hòa giải"
    assert fold("Uỷ") == fold("Ủy")


def test_syllables_keep_one_letter_words_and_numbers() -> None:
    tokens = syllables("Thời gian: 3,5 ngày/lớp, thiệt hại từ 30% trở lên ở ý")
    assert {"3,5", "30%", "ở", "ý"} <= set(tokens)


def test_abbreviations_expand_with_or_without_diacritics_and_case() -> None:
    assert expand_abbreviations("UBND cấp xã") == "Ủy ban nhân dân cấp xã"
    assert expand_abbreviations("ubnd cap xa") == "Ủy ban nhân dân cap xa"
    assert expand_abbreviations("Sở LĐTBXH") == "Sở Lao động - Thương binh và Xã hội"
    assert expand_abbreviations("so ldtbxh") == "so Lao động - Thương binh và Xã hội"
    assert expand_abbreviations("xã DBKK") == "xã đặc biệt khó khăn"
    assert expand_abbreviations("Sở NN&PTNT, Sở KH&ĐT") == "Sở Nông nghiệp và Phát triển nông thôn, Sở Kế hoạch và Đầu tư"
    assert "Mặt trận Tổ quốc Việt Nam" in expand_abbreviations("Ủy ban MTTQVN tỉnh")
    # A longer key wins, and words that merely contain a key are left alone.
    assert expand_abbreviations("HTXH") == "HTXH"
    # the shorthand of the 2025 procedure decisions (TTHC alone stands 774 times in the 128 real ones)
    assert expand_abbreviations("nộp hồ sơ TTHC tại TTPVHCC") == (
        "nộp hồ sơ thủ tục hành chính tại Trung tâm Phục vụ hành chính công")
    assert expand_abbreviations("Sở NN&MT, tthc") == "Sở Nông nghiệp và Môi trường, thủ tục hành chính"


def test_officers_shorthand_expands() -> None:
    assert expand_abbreviations("UBND huyện giao nv thu hồi vốn") == "Ủy ban nhân dân huyện giao nhiệm vụ thu hồi vốn"
    assert expand_abbreviations("LMHTX tỉnh sd vốn NSNN") == "Liên minh Hợp tác xã tỉnh sử dụng vốn ngân sách nhà nước"
    assert expand_abbreviations("kp tap huan bn, tg bao lau") == "kinh phí tap huan bao nhiêu, thời gian bao lau"


def test_no_abbreviation_is_an_ordinary_word_of_the_decisions() -> None:
    """Expansion matches folded text, so a key that folds to a word ("DA" -> "đã") would rewrite it."""
    keys = set(abbreviations())
    words = {w for path in CORPUS.glob("*.txt") for w in re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8"))}
    clashes = {w for w in words if fold(w) in keys and not any(c.isupper() for c in w)}
    assert not clashes
    assert expand_abbreviations("đã dùng, đi tập huấn") == "đã dùng, đi tập huấn"


def test_question_tokens_do_not_depend_on_diacritics_unless_a_question_word_folds_into_a_content_word() -> None:
    lexicon = {"thu_hoi", "dia_ban", "kho_khan", "ty_le", "uy_ban", "nhan_dan"}
    with_marks = query_terms("Tỷ lệ thu hồi vốn địa bàn khó khăn của UBND?", lexicon, accented=True).tokens
    without = query_terms("ty le thu hoi von dia ban kho khan cua ubnd", lexicon).tokens
    assert with_marks == without
    assert "thu_hoi" in with_marks and "kho_khan" in with_marks
    # "vậy" asks, "vay" (vay vốn) is what is asked about; "về" asks, "vé" is a ticket: told apart as typed
    assert "vay" in query_terms("Vay quỹ được tối đa bao nhiêu?", lexicon, accented=True).content
    assert "vay" not in query_terms("Thu hồi vốn ở đâu vậy?", lexicon, accented=True).content
    assert "ve" in query_terms("Ai bán vé phố cổ?", lexicon, accented=True).content
    # typed without diacritics "vay" may be either: read as the question word, as before
    assert "vay" not in query_terms("vay quy duoc toi da bao nhieu", lexicon).content


def test_diacritics_restored_from_the_corpus_words() -> None:
    restorer = DiacriticRestorer.from_texts(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt"))
    assert restorer.restore("ty le thu hoi von dia ban kho khan") == "tỷ lệ thu hồi vốn địa bàn khó khăn"
    assert restorer.restore("gia han thu hoi von toi da bao nhieu thang") == \
        "gia hạn thu hồi vốn tối đa bao nhiêu tháng"
    # Words typed with their marks stay as typed.
    assert restorer.restore("hợp tác xa") .startswith("hợp tác")
    # Officers' everyday words win over the decisions' commoner look-alikes ("mặt", "số", "thi");
    # the decisions' own words stay theirs ("vay", "chi", "số lượng").
    assert restorer.restore("ho vay von mat bao lau thi phai tra") == "hộ vay vốn mất bao lâu thì phải trả"
    assert restorer.restore("so nao tham dinh du an") == "sở nào thẩm định dự án"
    assert restorer.restore("moi ho duoc vay toi da bao nhieu") == "mỗi hộ được vay tối đa bao nhiêu"
    assert restorer.restore("muc chi cho can bo") == "mức chi cho cán bộ"
    assert restorer.restore("so luong ho ngheo") == "số lượng hộ nghèo"
    round_trip = DiacriticRestorer.from_json(restorer.to_json())
    assert round_trip.restore("nguyen tac thuc hien") == restorer.restore("nguyen tac thuc hien")
