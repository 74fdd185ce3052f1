"""Questions that name their decision: which documents, what is asked, and the answer within them."""

from __future__ import annotations

import pytest

from sotay.index.answer import answer_question
from sotay.index.provinces import province_gazetteer
from sotay.index.search.docref import DocumentNames
from sotay.index.search.restore import DiacriticRestorer
from sotay.text import fold


def _doc_of(index, province: str) -> str:
    return next(doc_id for doc_id, meta in index.documents.items() if meta["province"] == province)


@pytest.mark.parametrize("question, province, ask", [
    ("KH hành động KTTT của Sơn La có hiệu lực từ khi nào?", "Sơn La", "có hiệu lực từ khi nào?"),
    ("Mục đích của kế hoạch tập huấn Chương trình 135 năm 2020 của Lạng Sơn là gì?", "Lạng Sơn",
     "Mục đích là gì?"),
    ("quyet dinh quay vong von ninh thuan can cu nghi dinh nao", "Ninh Thuận", "can cu nghi dinh nao"),
    # a bare province names its decision but stays in what is asked: the clause may repeat it
    ("Tổng kinh phí tập huấn của tỉnh Lạng Sơn năm 2020 là bao nhiêu?", "Lạng Sơn",
     "Tổng kinh phí tập huấn của tỉnh Lạng Sơn năm 2020 là bao nhiêu?"),
])
def test_a_named_decision_is_found_and_taken_out_of_the_question(index, question, province, ask) -> None:
    reference = index.names.reference(question)
    assert reference is not None
    assert reference.doc_ids == {_doc_of(index, province)}
    assert reference.ask == ask


@pytest.mark.parametrize("question", [
    "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?",  # names no decision
    "Quyết định này có hiệu lực khi nào?",  # a document type alone names none
    "So sánh tỷ lệ thu hồi của Ninh Thuận và Sơn La",  # two decisions: no single one to search
    "Xã hoàn thành CT135 theo QĐ 1747 có còn được tập huấn không?",  # another decision, not in the corpus
])
def test_questions_naming_no_single_decision_have_no_reference(index, question) -> None:
    assert index.names.reference(question) is None


def test_a_document_type_used_as_a_verb_names_no_document() -> None:
    names = DocumentNames(
        {"hp": "Phân cấp thẩm quyền quyết định tiêu chuẩn, định mức sử dụng máy móc, thiết bị chuyên dùng thành phố "
               "Hải Phòng",
         "qt": "Quy chế tổ chức và hoạt động của Chi cục Kiểm lâm tỉnh Quảng Trị",
         "bn": "Bãi bỏ văn bản về chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của cơ quan chuyên môn tỉnh Bắc Ninh",
         "sl": "Kế hoạch phát triển du lịch tỉnh Sơn La"},
        {"hp": "Hải Phòng", "qt": "Quảng Trị", "bn": "Bắc Ninh", "sl": "Sơn La"})
    assert names.reference("ubnd xa co dc tu quyet dinh dinh muc thiet bi chuyen dung y te cho don vi du toan") is None
    assert names.reference("Chi cục Kiểm lâm chịu hướng dẫn chuyên môn của cơ quan nào ở Bộ") is None
    assert names.reference("quyết định định mức thiết bị chuyên dùng Hải Phòng có hiệu lực khi nào").doc_ids == {"hp"}


def test_a_province_shared_by_several_decisions_needs_title_words() -> None:
    names = DocumentNames(
        {"a": "Quy định cơ chế quay vòng vốn hỗ trợ sản xuất tỉnh Ninh Thuận",
         "b": "Kế hoạch đào tạo cán bộ hợp tác xã tỉnh Ninh Thuận",
         "c": "Kế hoạch phát triển du lịch tỉnh Sơn La"},
        {"a": "Ninh Thuận", "b": "Ninh Thuận", "c": "Sơn La"})
    assert names.reference("Ninh Thuận thu hồi vốn bao nhiêu?") is None  # two decisions of Ninh Thuận
    reference = names.reference("Quy định quay vòng vốn Ninh Thuận thu hồi bao nhiêu?")
    assert reference is not None and reference.doc_ids == {"a"}
    assert reference.ask == "thu hồi bao nhiêu?"
    assert names.reference("kế hoạch du lịch Sơn La có mấy mục tiêu").doc_ids == {"c"}


def test_what_is_asked_of_a_named_decision_is_not_taken_for_its_name() -> None:
    # titles of real decisions (Hà Tĩnh 75/2025, Bắc Ninh 451/2025): "bị bãi bỏ" is in another one's name
    names = DocumentNames(
        {"ht": "Bãi bỏ toàn bộ Quyết định số 14/2025/QĐ-UBND ngày 01/3/2025 ban hành quy định chức năng, nhiệm vụ, "
               "quyền hạn và cơ cấu tổ chức của Sở Xây dựng tỉnh Hà Tĩnh . 75/2025/QĐ-UBND . 75 2025 QĐ-UBND",
         "bn": "Danh mục văn bản quy phạm pháp luật bị bãi bỏ trong lĩnh vực công nghệ thông tin tỉnh Bắc Ninh",
         "sl": "Kế hoạch phát triển du lịch tỉnh Sơn La",
         "nt": "Quy định cơ chế quay vòng vốn hỗ trợ sản xuất tỉnh Ninh Thuận"},
        {"ht": "Hà Tĩnh", "bn": "Bắc Ninh", "sl": "Sơn La", "nt": "Ninh Thuận"})
    for question, ask in [("qd 14/2025 co cau to chuc so xay dung bi bai bo toan bo hay 1 phan",
                           "bi bai bo toan bo hay 1 phan"),
                          ("QĐ 14/2025 cơ cấu tổ chức Sở Xây dựng được bãi bỏ toàn bộ hay một phần?",
                           "được bãi bỏ toàn bộ hay một phần?")]:
        reference = names.reference(question)
        assert reference is not None and reference.doc_ids == {"ht"}
        assert reference.ask == ask


@pytest.mark.parametrize("question", ["QĐ 44 phân cấp máy móc thiết bị Quảng Ngãi có hiệu lực khi nào",
                                      "qd 44 phan cap may moc thiet bi quang ngai co hieu luc khi nao",
                                      "Quyết định 44/2025 có hiệu lực khi nào"])
def test_a_decision_cited_by_the_first_part_of_its_number_is_named(question) -> None:
    # Real titles (QĐ 44/2025/QĐ-UBND Quảng Ngãi, QĐ 105/2025/QĐ-UBND Phú Thọ): officers cite "QĐ 44".
    documents = {
        "qn": {"title": "Phân cấp thẩm quyền quyết định tiêu chuẩn, định mức sử dụng máy móc, thiết bị",
               "province": "Quảng Ngãi", "number": "44/2025/QĐ-UBND"},
        "pt": {"title": "Quy định tiêu chuẩn, định mức sử dụng máy móc, thiết bị chuyên dùng",
               "province": "Phú Thọ", "number": "105/2025/QĐ-UBND"},
        "nt": {"title": "Quy định quay vòng vốn hỗ trợ sản xuất", "province": "Ninh Thuận", "number": "12/2022/QĐ-UBND"},
        "sl": {"title": "Kế hoạch phát triển kinh tế tập thể", "province": "Sơn La", "number": "7/KH-UBND"},
    }
    reference = DocumentNames.of_index(documents, []).reference(question)
    assert reference is not None and reference.doc_ids == {"qn"}
    assert fold(reference.ask) == "co hieu luc khi nao"


@pytest.mark.parametrize("typed", [str, fold])
def test_the_clause_answering_a_named_decision_leads(index, typed) -> None:
    answer = answer_question(index, typed("KH hành động KTTT của Sơn La có hiệu lực từ khi nào?"))
    assert answer.answered
    assert answer.sources[0]["doc_id"] == _doc_of(index, "Sơn La")
    assert "có hiệu lực kể từ ngày ký" in answer.sources[0]["text"]
    assert all(s["doc_id"] == _doc_of(index, "Sơn La") for s in answer.sources)


def test_a_named_decision_that_does_not_say_is_declined_by_name(index) -> None:
    # The Lạng Sơn decision states no date of effect (the other two do).
    answer = answer_question(index, "Quyết định 135 Lạng Sơn có hiệu lực khi nào?")
    assert not answer.answered
    label = index.documents[_doc_of(index, "Lạng Sơn")]["label"]
    assert f"Không tìm thấy nội dung trả lời câu hỏi này trong {label}" in answer.answer


def test_a_province_named_in_passing_narrows_the_search_and_still_counts(index) -> None:
    answer = answer_question(index, "Tổng kinh phí tập huấn Chương trình 135 của tỉnh Lạng Sơn năm 2020 là bao nhiêu?")
    assert answer.answered
    assert answer.sources[0]["text"].startswith("5.1. Kinh phí: tổng kinh phí là 8.040 triệu đồng")
    assert {h.passage.doc_id for h in index.search(answer.question, k=5)} == {_doc_of(index, "Lạng Sơn")}


@pytest.mark.parametrize("typed", [str, fold])
def test_a_province_without_decisions_is_declined_by_name(index, typed) -> None:
    # Ninh Thuận's recovery rates must not be quoted as if they applied in Cao Bằng.
    answer = answer_question(index, typed("Tỷ lệ thu hồi vốn của tỉnh Cao Bằng là bao nhiêu?"))
    assert not answer.answered and answer.sources == []
    assert "không có văn bản nào của Cao Bằng" in answer.answer
    assert answer_question(index, typed("Tỷ lệ thu hồi vốn là bao nhiêu?")).answered


def test_provinces_are_recognised_by_capitals_or_after_tinh() -> None:
    names = DocumentNames({"a": "Quy định quay vòng vốn tỉnh Ninh Thuận"}, {"a": "Ninh Thuận"},
                          mentioned=lambda name: name == "Hà Nội")
    assert names.reference("Cao Bằng thu hồi bao nhiêu?").elsewhere == ("Cao Bằng",)
    assert names.reference("thu hoi von o tinh cao bang").elsewhere == ("Cao Bằng",)
    assert names.reference("thu hồi vốn ở Huế").elsewhere == ("Thừa Thiên Huế",)
    assert names.reference("TP Hồ Chí Minh thu hồi vốn thế nào").elsewhere == ("Thành phố Hồ Chí Minh",)
    # officers' short forms of the two cities
    for question in ("thu hồi vốn ở TP HCM thế nào", "TPHCM thu hồi vốn thế nào", "thu hoi von o hcm"):
        assert names.reference(question).elsewhere == ("Thành phố Hồ Chí Minh",)
    hanoi = DocumentNames({"h": "Bãi bỏ Quyết định số 17/2025/QĐ-UBND quy định chức năng của Sở Du lịch thành phố Hà Nội",
                           "a": "Quy định quay vòng vốn tỉnh Ninh Thuận"}, {"h": "Hà Nội", "a": "Ninh Thuận"})
    assert hanoi.reference("sở nào đề nghị bãi bỏ QĐ về Sở Du lịch HN").doc_ids == {"h"}
    assert names.reference("thu hoi von cao bang") is None  # no capitals, no "tỉnh": maybe not a province
    assert names.reference("hòa bình và phát triển") is None
    assert names.reference("Đoàn TNCS Hồ Chí Minh làm gì?") is None  # a body named after the city's name
    assert names.reference("Hà Nội hướng dẫn gì?") is None  # the corpus mentions it
    assert names.reference("Ninh Thuận và Cao Bằng thu hồi thế nào?").doc_ids == {"a"}


def test_a_province_mentioned_in_the_text_is_told_apart_from_a_word_folded_like_it() -> None:
    # "diễn biến" (developments) folds to "dien bien": it is no mention of Điện Biên province.
    text = "Theo dõi diễn biến thời tiết; phối hợp với tỉnh Lai Châu và Hà Nội."
    restorer = DiacriticRestorer.from_texts([text])
    names = DocumentNames({"a": "Quy chế thư điện tử công vụ tỉnh Đồng Tháp"}, {"a": "Đồng Tháp"},
                          mentioned=restorer.uses)
    assert names.reference("o Dien Bien co quy che thu dien tu cong vu ko").elsewhere == ("Điện Biên",)
    assert names.reference("ở Điện Biên có quy chế thư điện tử không").elsewhere == ("Điện Biên",)
    assert names.reference("ở Lai Châu có quy chế thư điện tử không") is None  # the text names it
    assert names.reference("o Lai Chau co quy che thu dien tu ko") is None


def test_a_province_names_the_decisions_of_the_provinces_merged_with_it_in_2025() -> None:
    # Nghị quyết 202/2025/QH15: Ninh Thuận is part of Khánh Hòa from 1 July 2025
    others = {"ls": "Lạng Sơn", "sl": "Sơn La", "cb": "Cao Bằng"}  # a province narrows only among several
    names = DocumentNames({"nt": "Quy định quay vòng vốn tỉnh Ninh Thuận", "kh": "Quy định giá đất tỉnh Khánh Hòa",
                           "kh24": "Quy định phí tỉnh Khánh Hòa", **{d: f"Kế hoạch tỉnh {p}" for d, p in others.items()}},
                          {"nt": "Ninh Thuận", "kh": "Khánh Hòa", "kh24": "Khánh Hòa", **others},
                          dates={"nt": "2022-12", "kh": "2025-08-14", "kh24": "2024-03-01"})
    assert names.reference("tỷ lệ thu hồi vốn ở Khánh Hòa").doc_ids == {"nt", "kh", "kh24"}
    # a decision of Khánh Hòa issued after the merger speaks to former Ninh Thuận too; one of 2024 does not
    assert names.reference("ty le thu hoi von o tinh ninh thuan").doc_ids == {"nt", "kh"}
    assert names.reference("thu hồi vốn ở Điện Biên").elsewhere == ("Điện Biên",)


def test_a_city_named_without_its_title_in_a_decision_is_the_city() -> None:
    # a decision of Thành phố Hồ Chí Minh reads "THÀNH PHỐ HỒ CHÍ MINH"; its metadata keeps "Hồ Chí Minh"
    names = DocumentNames({"hcm": "Bãi bỏ Quyết định số 32/2023/QĐ-UBND về sử dụng tạm thời lòng đường, hè phố",
                           "dn": "Bãi bỏ Quyết định quản lý và sử dụng tạm thời vỉa hè thành phố Đà Nẵng",
                           "sl": "Kế hoạch tỉnh Sơn La"},
                          {"hcm": "Hồ Chí Minh", "dn": "Đà Nẵng", "sl": "Sơn La"}, dates={"hcm": "2025-11-01"})
    for question in ("qd bai bo quy dinh via he long duong hcm hieu luc khi nao",
                     "TP Hồ Chí Minh bãi bỏ quy định lòng đường chưa"):
        assert names.reference(question).doc_ids == {"hcm"}
    # and, issued after 1 July 2025, it speaks to the provinces merged into the city
    assert names.reference("Bình Dương bãi bỏ quy định lòng đường chưa").doc_ids == {"hcm"}


def test_an_answer_from_a_merged_province_says_so(index) -> None:
    answer = answer_question(index, "ty le thu hoi von dia ban kho khan o khanh hoa")
    assert answer.answered and answer.sources[0]["doc"] == "QĐ …/2022 Ninh Thuận"
    assert "(Lưu ý: từ 01/07/2025 tỉnh Ninh Thuận đã hợp nhất vào tỉnh Khánh Hòa theo Nghị quyết số 202/2025/QH15.)" \
        in answer.answer
    assert "merger" not in answer_question(index, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?").sources[0]


def test_every_corpus_province_is_in_the_gazetteer(index) -> None:
    known = set(province_gazetteer().values())
    assert len(set(province_gazetteer().values())) == 63
    assert {meta["province"] for meta in index.documents.values()} <= known


def test_a_bare_province_filters_but_is_not_asked_for(index) -> None:
    # The Ninh Thuận clause never says "Ninh Thuận": the province picks the decision, it is not content.
    answer = answer_question(index, "Sở Tài chính Ninh Thuận có trách nhiệm gì?")
    assert answer.answered
    assert answer.sources[0]["text"].startswith("2. Sở Tài chính phối hợp với Sở Lao động")


@pytest.mark.parametrize("question", ["ty le thu hoi von o dien bien", "thu hồi vốn ở điện biên bao nhiêu phần trăm",
                                      "muc thu hoi von tai tay ninh"])
def test_a_province_typed_in_lower_case_after_o_or_tai_is_declined_by_name(index, question: str) -> None:
    answer = answer_question(index, question)
    assert answer.status.value == "not_found" and answer.sources == []
    assert "không có văn bản nào của" in answer.answer
