"""Duties read from real 2025 decisions against hand labels (tests/data/duties_real.yaml).

The labels were written by a helper who read only the decisions: 173 duties of 10 bodies across 10
decisions (every duty of those bodies in those decisions; report recipients and the closing "chịu trách
nhiệm thi hành" article excluded). A label is found when a duty record of the same body in the same
decision contains its text. The floors are the issue's targets (recall 0.90, precision 0.95); measured
1.0 / 1.0 on 2026-11-30 (``bench/bench_duties.py labels``; 0.694 / 0.889 before the task rules).

The other tests read passages of real decisions (``tests/data/real``) that show each rule: tasks with
field lines, task tables, partners, 2025 names, subject lists, aims and closing sentences.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import DATA

from sotay.index.documents import Document, DocumentMeta, load_document
from sotay.index.duties.records import Duty, duties_for, extract_duties, format_duties, reorganisation_note

LABELS = yaml.safe_load((DATA / "duties_real.yaml").read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("*", "")).strip().lower()


def test_duties_of_ten_bodies_in_real_decisions() -> None:
    docs = sorted({d["doc"] for body in LABELS for d in body["duties"]})
    extracted: dict[str, list[Duty]] = {d: extract_duties(load_document(DATA / "real" / f"{d}.txt")) for d in docs}
    everything = [duty for found in extracted.values() for duty in found]
    found = labelled = right = reported = 0
    for body in LABELS:
        agency, _ = duties_for(body["agency"], everything)
        assert agency is not None, body["agency"]  # every labelled body is known, 2025 names included
        own = {d: [x for x in extracted[d] if x.agency.name == agency.name] for d in docs}
        for label in body["duties"]:
            labelled += 1
            found += any(_norm(label["text"]) in _norm(x.text) for x in own[label["doc"]])
        for doc in {label["doc"] for label in body["duties"]}:
            texts = [_norm(label["text"]) for label in body["duties"] if label["doc"] == doc]
            reported += len(own[doc])
            right += sum(any(t in _norm(x.text) for t in texts) for x in own[doc])
    recall, precision = found / labelled, right / reported
    assert recall >= 0.90 and precision >= 0.95, (recall, precision)


def test_the_2025_names_are_known() -> None:
    agency, _ = duties_for("Sở Nông nghiệp và Môi trường", [])
    assert agency is not None and agency.name == "Sở Nông nghiệp và Môi trường"
    commune, _ = duties_for("UBND các phường, xã, đặc khu", [])
    assert commune is not None and commune.name == "Ủy ban nhân dân cấp xã"


def test_who_says_what_a_body_became_in_2025_and_what_a_new_body_took_over() -> None:
    old, _ = duties_for("Sở KH&ĐT", [])
    new, _ = duties_for("Sở Tài chính", [])
    assert old is not None and old.became.startswith("Sở Tài chính")
    assert "Sở Kế hoạch và Đầu tư" in new.formerly
    assert "được sắp xếp lại thành Sở Tài chính" in format_duties(old, [])
    assert "tiếp nhận nhiệm vụ của: Sở Kế hoạch và Đầu tư" in reorganisation_note(new)
    nnmt, _ = duties_for("Sở Nông nghiệp và Môi trường", [])
    assert {"Sở Nông nghiệp và Phát triển nông thôn", "Sở Tài nguyên và Môi trường"} <= set(nnmt.formerly)


# --- rules, on passages of real decisions ---------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> dict[str, list[Duty]]:
    return {p.stem: extract_duties(load_document(p)) for p in sorted((DATA / "real").glob("*.txt"))}


def roles_at(duties: list[Duty], citation: str) -> dict[str, str]:
    return {d.agency.name: d.role for d in duties if d.citation == citation}


def test_a_task_whose_bodies_are_in_a_sibling_point_is_one_record_quoting_the_whole_task(real):
    # "1.2. Triển khai …:" / "a) Nhiệm vụ:" / "- Triển khai rà soát …" / "b) Cơ quan thực hiện:" /
    # "- Đơn vị chủ trì: Các Sở, ban, ngành." / "- Đơn vị phối hợp: Sở KH&CN, UBND xã, phường."
    hanoi = real["hanoi-308-2025-du-lieu-chuyen-doi-so"]
    assert roles_at(hanoi, "Mục II.1.2") == {
        "Các sở, ban, ngành": "chủ trì", "Sở Khoa học và Công nghệ": "phối hợp", "Ủy ban nhân dân cấp xã": "phối hợp"}
    text = next(d.text for d in hanoi if d.citation == "Mục II.1.2")
    assert text.startswith("1.2. Triển khai, phát triển dữ liệu:\na) Nhiệm vụ:\n- Triển khai rà soát")
    assert "- Đơn vị phối hợp: Sở Khoa học và Công nghệ, UBND xã, phường." in text
    assert not [d for d in hanoi if d.citation.startswith("Mục II.1.2,")]  # never the field lines alone
    # "Đơn vị chủ trì: Công an Thành phố." names the province's police
    assert roles_at(hanoi, "Mục II.3")["Công an tỉnh"] == "chủ trì"


def test_co_quan_thuc_hien_is_read_as_a_sentence_lead_and_partners(real):
    # "- Cơ quan thực hiện: Sở Nội vụ chủ trì, phối hợp với các sở, ban, ngành, đoàn thể Thành phố, Ủy ban
    # nhân dân phường, xã, đặc khu, báo, đài và các đơn vị có liên quan."
    hcm = real["hcm-174-2025-binh-dang-gioi"]
    assert roles_at(hcm, "Mục III.1, điểm a") == {
        "Sở Nội vụ": "chủ trì", "Các sở, ban, ngành, đoàn thể": "phối hợp", "Ủy ban nhân dân cấp xã": "phối hợp"}
    # an empty "- Cơ quan thực hiện:" takes the "+" lines below it; the point is quoted after its unit's heading
    assert roles_at(hcm, "Mục III.1, điểm c") == {
        "Sở Văn hóa và Thể thao": "chủ trì", "Các sở, ban, ngành, đoàn thể": "phối hợp",
        "Ủy ban nhân dân cấp xã": "phối hợp", "Sở Xây dựng": "thực hiện"}
    text = next(d.text for d in hcm if d.citation == "Mục III.1, điểm c")
    assert text.startswith("1. Nâng cao nhận thức") and "c) Hoạt động 3" in text


def test_a_point_with_its_own_field_lines_is_quoted_under_what_is_to_be_done(real):
    laichau = real["laichau-7360-2025-luat-tieu-chuan-qckt"]
    assert roles_at(laichau, "Mục II.3.1, điểm a") == {
        "Sở Khoa học và Công nghệ": "chủ trì", "Các sở, ban, ngành": "phối hợp", "Ủy ban nhân dân cấp xã": "phối hợp"}
    text = next(d.text for d in laichau if d.citation == "Mục II.3.1, điểm a")
    assert text.startswith("3.1. Tham gia góp ý kiến vào dự thảo") and "a) Nghị định quy định chi tiết" in text


def test_rows_of_a_task_table_are_tasks_and_rows_of_a_procedures_list_are_not(real):
    # "TT | Nội dung thực hiện | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành | Sản phẩm dự kiến"
    rows = [d for d in real["nghean-980-2025-phong-thu-dan-su"] if d.citation.startswith("Phụ lục")]
    finance = [d for d in rows if d.agency.name == "Sở Tài chính"]
    assert [d.role for d in finance].count("chủ trì") == 3 and "phối hợp" in {d.role for d in finance}
    assert all(d.text.startswith("Nội dung thực hiện: ") and "Cơ quan chủ trì: " in d.text for d in finance)
    health = next(d for d in rows if d.agency.name == "Sở Y tế")
    assert health.role == "chủ trì" and "Cơ quan chủ trì: Sở Y tế" in health.text
    # "Mã TTHC | Tên thủ tục hành chính | … | Cơ quan thực hiện": who handles a procedure, not a task
    assert real["daklak-02144-2025-tthc-xuat-nhap-khau"] == []


def test_a_body_named_as_partner_in_another_bodys_section_is_given_nothing(real):
    # "8. Giám đốc Sở, Thủ trưởng cơ quan, ban, ngành" / "a) Phối hợp Sở Nông nghiệp và Môi trường và Ủy ban nhân
    # dân xã, phường tuyên truyền …": the task of the heads of the offices, not of the two bodies they work with
    found = roles_at(real["cantho-09-2025-nuoc-duoi-dat"], "Mục 8, điểm a")
    assert not {"Sở Nông nghiệp và Môi trường", "Ủy ban nhân dân cấp xã"} & set(found)
    # "Sở Nội vụ (Cơ quan thường trực …):" / "- Chủ trì, phối hợp với các sở, ban, ngành, đoàn thể …": led, so partners
    assert roles_at(real["hcm-174-2025-binh-dang-gioi"], "Mục V.1") == {
        "Sở Nội vụ": "chủ trì", "Các sở, ban, ngành, đoàn thể": "phối hợp"}


def test_sections_headed_by_2025_names_and_requests(real):
    cantho = real["cantho-159-2025-truyen-thong-giam-ngheo"]
    assert roles_at(cantho, "Mục V.1") == {"Sở Nông nghiệp và Môi trường": "chủ trì"}
    # "4. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố và các Đoàn thể"
    assert roles_at(cantho, "Mục V.4") == {
        "Ủy ban Mặt trận Tổ quốc Việt Nam": "thực hiện", "Các tổ chức chính trị – xã hội": "thực hiện"}
    # "1. Thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch UBND các xã, phường" heads the points below
    assert roles_at(real["daklak-012-2025-cai-cach-tthc"], "Mục 1, điểm a") == {
        "Các sở, ban, ngành": "thực hiện", "Ủy ban nhân dân cấp xã": "thực hiện"}


def test_a_list_of_subjects_may_name_things_that_are_not_bodies(real):
    # "… Sở Tư pháp và các sở, ban, ngành Thành phố, Đài Phát thanh và Truyền hình Thành phố, cơ quan thông tấn
    # báo chí và Ủy ban nhân dân xã, phường, đặc khu chủ động tổ chức triển khai …"; "tham mưu UBND Thành phố":
    # the city's People's Committee is advised, not tasked
    found = roles_at(real["hcm-172-2025-luat-viec-lam"], "Mục II.1")
    assert found["Sở Nội vụ"] == "chủ trì" and found["Ủy ban nhân dân cấp xã"] == "thực hiện"
    assert found["Đài Phát thanh và Truyền hình tỉnh"] == "thực hiện" and "Ủy ban nhân dân tỉnh" not in found


def test_aims_and_closing_sentences_give_no_duty(real):
    laichau = real["laichau-7360-2025-luat-tieu-chuan-qckt"]
    assert roles_at(laichau, "Mục I.1") == {} and roles_at(laichau, "Mục I.2") == {}  # "I. MỤC ĐÍCH, YÊU CẦU"
    # "… nếu có khó khăn, vướng mắc đề nghị … phản ánh về Sở Khoa học và Công nghệ để tổng hợp …"
    assert roles_at(real["hanoi-308-2025-du-lieu-chuyen-doi-so"], "Mục III.2") == {
        "Các sở, ban, ngành": "thực hiện", "Ủy ban nhân dân cấp xã": "thực hiện"}


def _decision(text: str, date: str) -> Document:
    return Document(DocumentMeta(id=f"kh-{date}", title="Kế hoạch thử", date=date, short_name=f"KH {date}"),
                    text, Path(f"kh-{date}.txt"))


def test_a_district_duty_in_a_decision_after_1_7_2025_is_flagged():
    text = "KẾ HOẠCH\n\nI. TỔ CHỨC THỰC HIỆN\n\n1. Ủy ban nhân dân cấp huyện tổ chức rà soát hồ sơ.\n"
    late, early = extract_duties(_decision(text, "2025-11-18")), extract_duties(_decision(text, "2024-03-01"))
    assert [(d.agency.name, d.after_districts) for d in late] == [("Ủy ban nhân dân cấp huyện", True)]
    assert [d.after_districts for d in early] == [False]
    agency, found = duties_for("UBND cấp huyện", late)
    report = format_duties(agency, found)
    assert "văn bản ngày 18/11/2025 vẫn giao việc cho cấp huyện" in report
    assert "được sắp xếp lại thành Ủy ban nhân dân cấp xã" in report and "72/2025/QH15" in report
    assert "vẫn giao việc cho cấp huyện" not in format_duties(agency, duties_for("UBND cấp huyện", early)[1])
    commune, _ = duties_for("UBND cấp xã", [])
    assert "Ủy ban nhân dân cấp huyện" in commune.formerly


def test_a_section_headed_by_a_body_missing_from_the_gazetteer_is_not_given_to_the_articles_group(real):
    # "Điều 18. Trách nhiệm của các Sở, Ban, ngành" / "9. Báo Hà Tĩnh" / "10. Ban quản lý Khu kinh tế tỉnh"
    hatinh = real["hatinh-74-2025-chat-thai-ran"]
    rule = "Quy định kèm theo, Điều 18"
    assert roles_at(hatinh, f"{rule}, khoản 9") == {"Báo Hà Tĩnh": "thực hiện"}
    assert roles_at(hatinh, f"{rule}, khoản 10, điểm a") == {"Ban quản lý Khu kinh tế tỉnh": "thực hiện"}
    # "c) Chủ trì, phối hợp với Ban quản lý Khu kinh tế tỉnh, Ủy ban nhân dân cấp xã kiểm tra …"
    assert roles_at(hatinh, f"{rule}, khoản 1, điểm c") == {
        "Sở Nông nghiệp và Môi trường": "chủ trì", "Ban quản lý Khu kinh tế tỉnh": "phối hợp",
        "Ủy ban nhân dân cấp xã": "phối hợp"}
    # "b) Phối hợp với Sở Nông nghiệp và Môi trường xây dựng cơ sở dữ liệu …" under Sở Xây dựng
    assert roles_at(hatinh, f"{rule}, khoản 2, điểm b") == {"Sở Xây dựng": "phối hợp"}


def test_partners_listed_in_another_bodys_section_and_a_rules_scope_give_nothing(real):
    laichau = real["laichau-88-2025-quy-che-dang-ky-dat-dai"]
    # "Điều 10. Trách nhiệm của cơ quan Thuế" / "1. Phối hợp với Sở Nông nghiệp và Môi trường, Văn phòng đăng ký
    # đất đai, Chi nhánh …, Ủy ban nhân dân cấp xã hướng dẫn thủ tục kê khai thuế …"
    assert roles_at(laichau, "Quy chế kèm theo, Điều 10, khoản 1") == {}
    # "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng" lists bodies, gives them nothing
    assert not [d for d in laichau if d.citation.startswith("Quy chế kèm theo, Điều 1,")]
    # "Điều 8. Trách nhiệm của Văn phòng đăng ký đất đai": "ký" does not end the name
    assert roles_at(laichau, "Quy chế kèm theo, Điều 8, khoản 1") == {"Văn phòng đăng ký đất đai": "thực hiện"}


def test_a_task_record_names_every_passage_it_quotes(real):
    # `sotay ask` finds a duty record's passages in the index by these citations
    task = next(d for d in real["hanoi-308-2025-du-lieu-chuyen-doi-so"] if d.citation == "Mục II.1.2")
    assert task.passages[0].startswith("Mục II.1.2, điểm a") and task.passages[-1] == "Mục II.1.2, điểm c"
    single = next(d for d in real["cantho-159-2025-truyen-thong-giam-ngheo"] if d.citation == "Mục V.6")
    assert single.passages == ("Mục V.6",)
