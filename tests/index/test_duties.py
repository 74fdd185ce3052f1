"""Duty extraction, the agency gazetteer and the responsibility questions (no subprocesses)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import CORPUS, DATA

from sotay.index.documents import Document, DocumentMeta, load_corpus
from sotay.index.duties.gazetteer import (
    GazetteerError,
    find_agencies_in,
    gazetteer,
    key,
    match_agency,
    suggest,
)
from sotay.index.duties.questions import DutyQuestion, answer_who_does, parse_duty_question, read_duty_question
from sotay.index.duties.records import (
    ROLE_RANK,
    ROLES,
    Duty,
    DutyBook,
    agency_counts,
    all_duties,
    duties_for,
    extract_duties,
    format_duties,
    format_who_does,
)
from sotay.index.provinces import canonical_province

NT, SL, LS = "nt-2022-quayvong", "sl-2021-kttt", "ls-2020-ct135"
NT_RULE = "Quy định kèm theo"


@pytest.fixture(scope="module")
def duties() -> list[Duty]:
    return all_duties(CORPUS)


def own(duties: list[Duty], name: str) -> list[Duty]:
    return [d for d in duties if d.agency.name == name]


def places(duties: list[Duty]) -> set[tuple[str, str]]:
    return {(d.doc_id, d.citation) for d in duties}


def synthetic(text: str, doc_id: str = "test-doc") -> Document:
    return Document(DocumentMeta(id=doc_id, title="Văn bản thử", short_name="QĐ thử"), text, Path(f"{doc_id}.txt"))


# --- the "Done when" checks -------------------------------------------------------------------


def test_so_tai_chinh_has_duties_in_son_la_and_ninh_thuan_and_none_of_khcn(duties):
    agency, found = duties_for("Sở Tài chính", duties)
    assert agency is not None and agency.name == "Sở Tài chính"
    mine = [d for d in found if not d.collective]
    assert {d.doc_id for d in mine} >= {SL, NT}
    assert (SL, "Kế hoạch hành động kèm theo, Mục II.2, điểm b") in places(mine)
    assert (SL, "Kế hoạch hành động kèm theo, Mục IV.2") in places(mine)
    assert (NT, f"{NT_RULE}, Điều 7, khoản 2") in places(mine)
    khcn = own(duties, "Sở Khoa học và Công nghệ")
    assert khcn, "Sở Khoa học và Công nghệ has duties of its own in the Sơn La plan"
    assert not places(khcn) & places(found)
    assert not any("Sở Khoa học và Công nghệ" in d.text for d in found)


def test_ubnd_cap_xa_has_the_duties_of_dieu_6_and_dieu_8(duties):
    agency, found = duties_for("UBND cấp xã", duties)
    assert agency is not None and agency.name == "Ủy ban nhân dân cấp xã"
    cited = {d.citation for d in found if d.doc_id == NT}
    for expected in ("Điều 6, khoản 1", "Điều 6, khoản 3", "Điều 6, khoản 5", "Điều 8, khoản 2, điểm a",
                     "Điều 8, khoản 2, điểm b", "Điều 8, khoản 2, điểm c", "Điều 8, khoản 2, điểm d", "Điều 8, khoản 3"):
        assert f"{NT_RULE}, {expected}" in cited, expected
    # Named only as the one reported to, not as the one acting: no duty.
    assert f"{NT_RULE}, Điều 6, khoản 6" not in cited
    assert f"{NT_RULE}, Điều 8, khoản 1, điểm d" not in cited


@pytest.mark.parametrize("name", [
    "so lao dong thuong binh xa hoi", "Sở LĐTBXH", "Sở LĐ-TB&XH", "SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI",
    "sở lđtbxh tỉnh", "Sở Lao động, Thương binh và Xã hội", "  so  LDTBXH ",
])
def test_spellings_of_one_agency_give_the_same_answer(duties, name):
    reference = duties_for("Sở Lao động – Thương binh và Xã hội", duties)
    assert reference[0] is not None and reference[1]
    assert duties_for(name, duties) == reference


def test_a_duty_shared_by_several_bodies_shows_for_each(duties):
    point = (NT, f"{NT_RULE}, Điều 7, khoản 1, điểm a")
    for name in ("Sở LĐTBXH", "Sở NN&PTNT", "Ban Dân tộc"):
        _, found = duties_for(name, duties)
        match = [d for d in found if (d.doc_id, d.citation) == point]
        assert len(match) == 1 and match[0].role == "chủ trì" and not match[0].collective, name
    section = (LS, "Kế hoạch kèm theo, Mục III.2")
    for name in ("Sở Lao động – Thương binh và Xã hội", "Sở Xây dựng", "Sở Nông nghiệp và Phát triển nông thôn",
                 "Ủy ban MTTQVN tỉnh"):
        assert section in places(duties_for(name, duties)[1]), name


def test_collective_duties_are_marked_and_shown_for_every_body_they_cover(duties):
    bullet = (SL, "Kế hoạch hành động kèm theo, Mục II.1, điểm a, gạch đầu dòng 1")
    group = [d for d in duties if (d.doc_id, d.citation) == bullet]
    assert [d.agency.name for d in group] == ["Các sở, ban, ngành, địa phương"]
    assert group[0].collective
    for name in ("Sở Giáo dục và Đào tạo", "Sở Tài chính", "Ban Dân tộc tỉnh", "UBND các huyện, thành phố"):
        shown = [d for d in duties_for(name, duties)[1] if (d.doc_id, d.citation) == bullet]
        assert len(shown) == 1 and shown[0].collective, name
    for name in ("Hội Nông dân", "Cộng đồng dân cư", "Trường Chính trị tỉnh"):
        assert bullet not in places(duties_for(name, duties)[1]), name


def test_a_group_duty_is_not_repeated_where_the_body_has_its_own(duties):
    # Điều 7.1.a: the three leads "chủ trì, phối hợp với các Sở, ngành" — the lead keeps its own duty only.
    _, found = duties_for("Sở LĐTBXH", duties)
    assert len([d for d in found if d.citation == f"{NT_RULE}, Điều 7, khoản 1, điểm a"]) == 1


def test_recipient_lists_are_not_duties(duties):
    for doc in load_corpus(CORPUS):
        block = re.search(r"Nơi nhận:?\**\s*\n(.*?)\n\s*\n", doc.text, re.S)
        assert block, doc.meta.id
        recipients = {ln.strip(" -;*.") for ln in block.group(1).splitlines()} - {""}
        assert len(recipients) > 3
        for d in (d for d in duties if d.doc_id == doc.meta.id):
            assert not recipients & {ln.strip(" -;*.") for ln in d.text.splitlines()}, (d.citation, d.text)
    assert not [d for d in duties if "Văn phòng Chính phủ" in d.text or "Nơi nhận" in d.text]


def test_recipient_list_of_a_new_decision_gives_no_duty():
    text = ("QUYẾT ĐỊNH:\n\nĐiều 1. Sở Tài chính chủ trì thẩm định dự toán.\n\n"
            "Nơi nhận:\n- Sở Kế hoạch và Đầu tư thực hiện;\n- UBND các huyện triển khai;\n- Lưu: VT.\n\n"
            "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n")
    found = extract_duties(synthetic(text))
    assert [(d.agency.name, d.role, d.citation) for d in found] == [("Sở Tài chính", "chủ trì", "Điều 1")]


def test_titles_recitals_closings_and_execution_boilerplate_are_not_duties(duties):
    assert not [d for d in duties if d.citation in ("Trích yếu", "Phần căn cứ") or "trích yếu" in d.citation]
    assert not [d for d in duties if "đoạn kết" in d.citation or "Căn cứ Luật" in d.text]
    assert not [d for d in duties if "chịu trách nhiệm thi hành" in d.text]


# --- where bodies and roles come from ---------------------------------------------------------


def roles_at(duties: list[Duty], doc: str, citation: str) -> dict[str, str]:
    return {d.agency.name: d.role for d in duties if d.doc_id == doc and d.citation == citation}


def test_point_heading_subject_and_giao_forms(duties):
    # "b) Sở Tài chính: Cân đối, bố trí …"
    assert roles_at(duties, SL, "Kế hoạch hành động kèm theo, Mục II.2, điểm b") == {"Sở Tài chính": "thực hiện"}
    # "2. Giao Sở Tài chính chủ trì, phối hợp với các Sở, ban, ngành, UBND các huyện, thành phố …"
    assert roles_at(duties, SL, "Kế hoạch hành động kèm theo, Mục IV.2") == {
        "Sở Tài chính": "chủ trì", "Các sở, ban, ngành": "phối hợp", "Ủy ban nhân dân cấp huyện": "phối hợp"}
    # "b) Sở Kế hoạch và Đầu tư: Chủ trì, phối hợp với Sở NN&PTNT, Liên minh hợp tác xã tỉnh …"
    assert roles_at(duties, SL, "Kế hoạch hành động kèm theo, Mục II.7, điểm b") == {
        "Sở Kế hoạch và Đầu tư": "chủ trì", "Sở Nông nghiệp và Phát triển nông thôn": "phối hợp",
        "Liên minh Hợp tác xã tỉnh": "phối hợp"}
    # "2. Sở Tài chính phối hợp với Sở Lao động - Thương binh và Xã hội, kiểm tra …": both partners
    assert roles_at(duties, NT, f"{NT_RULE}, Điều 7, khoản 2") == {
        "Sở Tài chính": "phối hợp", "Sở Lao động – Thương binh và Xã hội": "phối hợp"}


def test_section_headed_by_a_body_gives_it_the_points_below(duties):
    # "#### 1. Ban Dân tộc tỉnh" / "a) Chủ trì, phối hợp …" / "b) Tổng hợp …" / "c) Lồng ghép …"
    assert roles_at(duties, LS, "Kế hoạch kèm theo, Mục III.1, điểm a")["Ban Dân tộc tỉnh"] == "chủ trì"
    assert roles_at(duties, LS, "Kế hoạch kèm theo, Mục III.1, điểm b") == {"Ban Dân tộc tỉnh": "thực hiện"}
    assert roles_at(duties, LS, "Kế hoạch kèm theo, Mục III.1, điểm c") == {"Ban Dân tộc tỉnh": "thực hiện"}
    # "2. UBND cấp xã và cơ quan, đơn vị được giao dự toán …" / "a) Ủy ban nhân dân cấp xã- lập …"
    assert roles_at(duties, NT, f"{NT_RULE}, Điều 8, khoản 2, điểm a") == {"Ủy ban nhân dân cấp xã": "thực hiện"}
    assert set(roles_at(duties, NT, f"{NT_RULE}, Điều 8, khoản 2, điểm b")) == {
        "Ủy ban nhân dân cấp xã", "Cơ quan, đơn vị được giao vốn"}


def test_sentence_subjects_and_levels(duties):
    xa = [d for d in duties if d.citation == f"{NT_RULE}, Điều 6, khoản 1"]
    assert [(d.agency.name, d.level) for d in xa] == [("Ủy ban nhân dân cấp xã", "xã")]
    mttq = [d for d in duties if d.citation == f"{NT_RULE}, Điều 6, khoản 6" and d.agency.kind == "mặt trận"]
    assert [(d.agency.name, d.level, d.role) for d in mttq] == [("Ủy ban Mặt trận Tổ quốc Việt Nam", "xã", "phối hợp")]
    community = roles_at(duties, NT, f"{NT_RULE}, Điều 6, khoản 3")
    assert community == {"Cộng đồng dân cư": "thực hiện", "Ủy ban nhân dân cấp xã": "thực hiện"}


def test_bodies_missing_from_the_gazetteer_are_found_by_shape(duties):
    unknown = {d.agency.name for d in duties if not d.agency.known}
    assert unknown == {"Ban Chỉ đạo đổi mới, phát triển kinh tế tập thể, hợp tác xã tỉnh"}
    text = ("QUYẾT ĐỊNH:\n\nĐiều 1. Trách nhiệm thực hiện\n\n1. Sở Du lịch: Xây dựng kế hoạch quảng bá.\n\n"
            "2. Trung tâm Khuyến nông tỉnh chủ trì, phối hợp với Sở Tài chính tổ chức tập huấn.\n\n"
            "3. Các sở, ban, ngành triển khai thực hiện.\n")
    found = extract_duties(synthetic(text))
    assert [(d.agency.name, d.agency.known, d.role) for d in found] == [
        ("Sở Du lịch", False, "thực hiện"), ("Trung tâm Khuyến nông tỉnh", False, "chủ trì"),
        ("Sở Tài chính", True, "phối hợp"), ("Các sở, ban, ngành", True, "thực hiện")]
    agency, mine = duties_for("so du lich", found)
    assert agency is not None and agency.name == "Sở Du lịch" and agency.kind == "sở"
    assert [d.citation for d in mine] == ["Điều 1, khoản 1", "Điều 1, khoản 3"]  # its own, then its group's


# --- precision and recall on the hand-labelled Ninh Thuận rule ---------------------------------


def test_precision_and_recall_on_ninh_thuan_dieu_5_to_8(duties):
    gold_file = yaml.safe_load((DATA / "duties_ninh_thuan.yaml").read_text(encoding="utf-8"))
    gold = {}
    for row in gold_file["duties"]:
        citation, agency, role = (part.strip() for part in row.split(" | "))
        assert gazetteer().by_name.get(agency), f"not a canonical name: {agency}"
        assert role in ROLES
        gold[(citation, agency)] = role
    extracted = {(d.citation, d.agency.name): d.role for d in duties
                 if d.doc_id == gold_file["doc"] and d.citation.startswith(tuple(gold_file["scope"]))}
    hits = gold.keys() & extracted.keys()
    precision = len(hits) / len(extracted)
    recall = len(hits) / len(gold)
    role_accuracy = sum(gold[k] == extracted[k] for k in hits) / len(hits)
    report = (f"precision {precision:.3f}, recall {recall:.3f}, roles {role_accuracy:.3f}; "
              f"missed {sorted(gold.keys() - extracted.keys())}, extra {sorted(extracted.keys() - gold.keys())}")
    assert precision >= 0.9 and recall >= 0.9 and role_accuracy >= 0.9, report


# --- the gazetteer ------------------------------------------------------------------------------


def test_every_variant_names_its_own_agency_and_no_key_is_shared():
    registry = gazetteer()
    owners: dict[tuple[str, ...], str] = {}
    for agency in registry.agencies:
        for variant in (agency.name, *agency.variants):
            assert match_agency(variant) == agency, variant
            assert owners.setdefault(key(variant), agency.name) == agency.name, variant
            # A one-word lower-case variant ("ngành") would match everywhere: a YAML list split on a comma.
            assert len(variant.split()) > 1 or variant.isupper(), variant


@pytest.mark.parametrize("text, name", [
    ("UBND cấp huyện", "Ủy ban nhân dân cấp huyện"),
    ("Ủy ban nhân dân các huyện, thành phố", "Ủy ban nhân dân cấp huyện"),
    ("uy ban nhan dan cap xa", "Ủy ban nhân dân cấp xã"),
    ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("so kh&cn", "Sở Khoa học và Công nghệ"),
    ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam"),
    ("Ủy ban MTTQVN tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam"),
    ("Liên minh HTX", "Liên minh Hợp tác xã tỉnh"),
    ("BHXH tỉnh", "Bảo hiểm xã hội tỉnh"),
    ("Kho bạc Nhà nước", "Kho bạc Nhà nước"),
    ("Hội nông dân tỉnh", "Hội Nông dân"),
    ("Hội LHPN", "Hội Liên hiệp Phụ nữ"),
    ("Đoàn Thanh niên", "Đoàn Thanh niên Cộng sản Hồ Chí Minh"),
    ("ban dan toc", "Ban Dân tộc tỉnh"),
    ("Trường Chính trị", "Trường Chính trị tỉnh"),
    ("Sở Tài chính tỉnh Sơn La", "Sở Tài chính"),
    ("Uỷ ban nhân dân cấp xã", "Ủy ban nhân dân cấp xã"),  # old-style tone mark
])
def test_match_agency_variants(text, name):
    agency = match_agency(text)
    assert agency is not None and agency.name == name


@pytest.mark.parametrize("text", ["", "   ", "tài chính", "Sở", "Ủy ban nhân dân", "hợp tác xã", "Sở Tài chính và"])
def test_match_agency_rejects_partial_or_generic_names(text):
    assert match_agency(text) is None


def test_find_agencies_in_gives_spans_and_discovers_unknown_shapes():
    text = "Ban Dân tộc chủ trì phối hợp với Ủy ban MTTQVN tỉnh, Sở LĐTBXH và Sở Du lịch soạn thảo tài liệu."
    found = find_agencies_in(text, discover=True)
    assert [(a.name, a.known, text[s:e]) for a, (s, e) in found] == [
        ("Ban Dân tộc tỉnh", True, "Ban Dân tộc"),
        ("Ủy ban Mặt trận Tổ quốc Việt Nam", True, "Ủy ban MTTQVN tỉnh"),
        ("Sở Lao động – Thương binh và Xã hội", True, "Sở LĐTBXH"),
        ("Sở Du lịch", False, "Sở Du lịch"),
    ]
    assert [a.name for a, _ in find_agencies_in(text)][-1] == "Sở Lao động – Thương binh và Xã hội"
    assert find_agencies_in("Ban hành kèm theo Quyết định này; tổ chức Hội nghị tuyên truyền.", discover=True) == []


def test_suggest_closest_names():
    assert suggest("tai chinh")[0] == "Sở Tài chính"
    assert suggest("So Tai Chinhh")[0] == "Sở Tài chính"
    assert suggest("so du lich")[0] == "Sở Văn hóa, Thể thao và Du lịch"
    assert len(suggest("Sở", n=3)) == 3
    assert suggest("") == [] and suggest("zzzz qqqq") == []


def test_broken_gazetteer_file_is_reported_in_vietnamese(tmp_path):
    bad = tmp_path / "agencies.yaml"
    bad.write_text("agencies:\n  - name: Sở X\n    level: vũ trụ\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="cấp"):
        gazetteer(bad)
    bad.write_text("agencies: [unclosed\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="Không đọc được"):
        gazetteer(bad)


# --- questions for `sotay ask` ------------------------------------------------------------------


@pytest.mark.parametrize("question, name", [
    ("so tai chinh co trach nhiem gi", "Sở Tài chính"),
    ("Sở Tài chính có trách nhiệm gì?", "Sở Tài chính"),
    ("nhiệm vụ của UBND cấp xã", "Ủy ban nhân dân cấp xã"),
    ("nhiem vu cua ubnd cap xa", "Ủy ban nhân dân cấp xã"),
    ("Ban Dân tộc phải làm gì", "Ban Dân tộc tỉnh"),
    ("ban dan toc phai lam gi?", "Ban Dân tộc tỉnh"),
    ("Sở LĐTBXH làm gì", "Sở Lao động – Thương binh và Xã hội"),
    ("UBND xã cần làm gì khi kết thúc dự án", "Ủy ban nhân dân cấp xã"),
    ("cho tôi hỏi trách nhiệm của hội nông dân", "Hội Nông dân"),
])
def test_parse_duty_question_agency_duties(question, name):
    asked = parse_duty_question(question)
    assert asked is not None and asked.agency is not None and asked.agency.name == name and not asked.topic


@pytest.mark.parametrize("question, topic", [
    ("ai chịu trách nhiệm thu hồi vốn", "thu hồi vốn"),
    ("ai chiu trach nhiem thu hoi von?", "thu hoi von"),
    ("cơ quan nào chủ trì tổng hợp báo cáo", "chủ trì tổng hợp báo cáo"),
    ("co quan nao chu tri tong hop bao cao", "chu tri tong hop bao cao"),
    ("thu hồi vốn do ai chịu trách nhiệm?", "thu hồi vốn"),
    ("đơn vị nào phải mở tài khoản tiền gửi", "mở tài khoản tiền gửi"),
])
def test_parse_duty_question_who_does(question, topic):
    assert parse_duty_question(question) == DutyQuestion(topic=topic)


@pytest.mark.parametrize("question", [
    "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", "Sở Tài chính ở đâu", "ai", "", "gì",
    "Thời gian thu hồi tối đa bao lâu?",
])
def test_other_questions_are_not_duty_questions(question):
    assert parse_duty_question(question) is None


def test_a_duty_question_is_read_once_with_the_records_it_is_answered_from(duties):
    book = DutyBook(duties)
    asked = read_duty_question("Sở Tài chính tỉnh Ninh Thuận có trách nhiệm gì?", book)
    assert asked is not None and asked.agency is not None and asked.agency.name == "Sở Tài chính"
    assert asked.duties and {d.province for d in asked.duties} == {"Ninh Thuận"} and not asked.elsewhere
    assert list(asked.duties) == duties_for("Sở Tài chính", [d for d in duties if d.province == "Ninh Thuận"])[1]
    nowhere = read_duty_question("Sở Tài chính tỉnh Điện Biên có trách nhiệm gì?", book)
    assert nowhere is not None and nowhere.elsewhere == ("Điện Biên",) and not nowhere.duties
    who = read_duty_question("ai chịu trách nhiệm thu hồi vốn", book)
    assert who is not None and who.topic == "thu hồi vốn" and who.ranked() == answer_who_does("thu hồi vốn", duties)
    assert read_duty_question("Sở Tài chính", book) is None  # a bare name is a duty question only for /ai
    forced = read_duty_question("Sở Tài chính", book, force=True)
    assert forced is not None and forced.agency is not None and forced.agency.name == "Sở Tài chính"
    assert read_duty_question("Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", book, force=True) is None


def test_answer_who_does_ranks_duty_records_by_topic(duties):
    ranked = answer_who_does("thu hồi vốn", duties)
    top = {(d.agency.name, d.citation) for d, _ in ranked[:4]}
    assert ("Cơ quan có thẩm quyền phê duyệt dự án", f"{NT_RULE}, Điều 5, khoản 1, điểm a") in top
    assert all(0 < score <= 1 for _, score in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    lead = answer_who_does("chủ trì tổng hợp báo cáo", duties)
    assert lead and lead[0][0].role == "chủ trì"
    assert answer_who_does("trồng lúa nước ở Đồng bằng sông Cửu Long", duties) == []
    assert answer_who_does("của và các", duties) == []
    text = format_who_does("thu hồi vốn", ranked, limit=3)
    assert text.startswith("Cơ quan được giao việc “thu hồi vốn”: Cơ quan có thẩm quyền phê duyệt dự án")
    assert "Điều 5, khoản 1, điểm a" in text
    assert "Không tìm thấy" in format_who_does("trồng lúa", [])


def test_format_duties_groups_by_decision_lead_roles_first(duties):
    agency, found = duties_for("Sở Tài chính", duties)
    text = format_duties(agency, found)
    assert text.splitlines()[0].startswith("Sở Tài chính: ")
    assert "■ QĐ …/2021 Sơn La" in text and "■ QĐ …/2022 Ninh Thuận" in text
    sl = text[text.index("■ QĐ …/2021 Sơn La"):]
    assert sl.index("[Chủ trì] Kế hoạch hành động kèm theo, Mục IV.2") < sl.index("[Thực hiện] Kế hoạch hành động")
    assert "nhiệm vụ chung của Các sở, ban, ngành" in text
    empty = format_duties(match_agency("Sở Y tế"), [])
    assert "không có nhiệm vụ" in empty


def test_roles_are_ordered_lead_first_within_each_decision(duties):
    for name in ("Sở Tài chính", "Ban Dân tộc tỉnh", "Sở Kế hoạch và Đầu tư", "Liên minh HTX", "UBND cấp huyện"):
        _, found = duties_for(name, duties)
        for doc in {d.doc_id for d in found}:
            ranks = [ROLES.index(d.role) for d in found if d.doc_id == doc]
            assert ranks == sorted(ranks), (name, doc)


def test_common_layout_body_with_responsibilities_then_points():
    text = ("QUYẾT ĐỊNH:\n\nĐiều 3. Tổ chức thực hiện\n\n1. Sở Tài chính có trách nhiệm:\n\n"
            "a) Chủ trì thẩm định dự toán;\n\nb) Phối hợp với Kho bạc Nhà nước kiểm soát chi.\n\n"
            "2. Ủy ban nhân dân cấp huyện có trách nhiệm: chỉ đạo UBND cấp xã tổ chức thực hiện.\n\n"
            "Điều 4. Trách nhiệm của Hội Nông dân\n\n1. Tuyên truyền, vận động hội viên.\n\n"
            "2. Phối hợp với Sở Nông nghiệp và Phát triển nông thôn tập huấn kỹ thuật.\n")
    found = {(d.citation, d.agency.name): d.role for d in extract_duties(synthetic(text))}
    # "b) Phối hợp với Kho bạc Nhà nước …" under Sở Tài chính's heading is Sở Tài chính's task: the
    # body it works with is told nothing there (only "X chủ trì, phối hợp với Y" and "X phối hợp với Y
    # <verb>" with X named give Y a partner's duty).
    assert found == {
        ("Điều 3, khoản 1, điểm a", "Sở Tài chính"): "chủ trì",
        ("Điều 3, khoản 1, điểm b", "Sở Tài chính"): "phối hợp",
        ("Điều 3, khoản 2", "Ủy ban nhân dân cấp huyện"): "thực hiện",
        ("Điều 3, khoản 2", "Ủy ban nhân dân cấp xã"): "thực hiện",
        ("Điều 4, khoản 1", "Hội Nông dân"): "thực hiện",
        ("Điều 4, khoản 2", "Hội Nông dân"): "phối hợp",
    }


def _going_through(agency, records: list[Duty]) -> list[Duty]:
    """A body's records as their definition reads, record by record (what ``DutyBook.of`` must give)."""
    own = [d for d in records if d.agency.name == agency.name]
    taken = {(d.doc_id, d.citation) for d in own}
    shared: dict[tuple[str, str], Duty] = {}
    for d in records:
        place = (d.doc_id, d.citation)
        if d.collective and d.agency.covers(agency) and place not in taken:
            if place not in shared or ROLE_RANK[d.role] < ROLE_RANK[shared[place].role]:
                shared[place] = d
    docs = list(dict.fromkeys(d.doc_id for d in records))
    number = {id(d): n for n, d in enumerate(records)}
    return sorted(own + list(shared.values()),
                  key=lambda d: (docs.index(d.doc_id), ROLE_RANK[d.role], d.collective, number[id(d)]))


def test_a_duty_book_gives_what_going_through_every_record_gives(duties):
    # The bundled decisions, then a copy of each as a decision of Sơn La: a province with several decisions.
    records = duties + [replace(d, doc_id=f"{d.doc_id}-copy", province="Sơn La") for d in duties]
    book = DutyBook(records)
    bodies = list({d.agency.name: d.agency for d in records}.values()) + [gazetteer().by_name["Sở Tài chính"]]
    provinces = [(), ("Sơn La",), ("Ninh Thuận",), ("Lạng Sơn", "Ninh Thuận")]
    groups_shown = filtered_out = 0
    for agency in bodies:
        everywhere = book.of(agency)
        assert everywhere == _going_through(agency, records), agency.name
        groups_shown += any(d.collective and d.agency.name != agency.name for d in everywhere)
        for named in provinces[1:]:
            kept = [d for d in records if canonical_province(d.province) in named]
            assert book.of(agency, named) == _going_through(agency, kept), (agency.name, named)
            filtered_out += len(book.of(agency, named)) < len(everywhere)
    assert groups_shown and filtered_out  # the cases that matter were met
    for named in provinces:
        kept = [d for d in records if not named or canonical_province(d.province) in named]
        assert book.in_provinces(named) == (tuple(kept), ())
    assert book.in_provinces(("Điện Biên",)) == ((), ("Điện Biên",))
    found_by_shape = {d.agency.name for d in records if not d.agency.known}
    assert found_by_shape and found_by_shape <= set(book.registry.by_name)
    assert agency_counts(book) == sorted(((a, len(_going_through(a, records))) for a in
                                             {d.agency.name: d.agency for d in records}.values()),
                                            key=lambda c: (-c[1], c[0].name))
