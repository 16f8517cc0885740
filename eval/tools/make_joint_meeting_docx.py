"""Build eval/collection/report-2024-03-chuanyu-stats-joint-meeting.docx (needs python-docx)."""
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "collection" / "report-2024-03-chuanyu-stats-joint-meeting.docx"

TITLE = "关于成渝地区双城经济圈建设川渝统计联席会议有关情况的报告"


def cjk(run, size=None, bold=None):
    run.font.name = "宋体"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def para(doc, text, size=12, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    cjk(p.add_run(text), size, bold)
    return p


def heading(doc, text, level):
    h = doc.add_heading(level=level)
    cjk(h.add_run(text), 16 if level == 1 else 14, True)
    return h


def table(doc, caption, header, rows):
    para(doc, caption, 11, True, WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        cjk(cell.paragraphs[0].add_run(text), 10.5, True)
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = ""
            cjk(cell.paragraphs[0].add_run(text), 10.5)
    return t


def main():
    doc = Document()
    doc.core_properties.title = TITLE
    doc.core_properties.author = "川渝统计协同工作专班"

    t = doc.add_heading(level=0)
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cjk(t.add_run(TITLE), 20, True)
    para(doc, "川渝统计协同工作专班　2024年3月12日", 12, False, WD_ALIGN_PARAGRAPH.CENTER, indent=False)

    heading(doc, "一、会议基本情况", 1)
    para(doc, "2024年3月5日，成渝地区双城经济圈建设川渝统计联席会议在成都召开。四川省统计局、重庆市统计局和国家统计局四川调查总队、重庆调查总队有关负责同志参加会议。会议通报了2023年成渝地区双城经济圈经济运行情况，总结了一年来川渝统计协同工作，并研究部署2024年重点任务。")
    para(doc, "这是川渝两省市统计部门建立联席会议制度以来的又一次全体会议。上一次会议于2023年3月在重庆召开，会上通报：2022年经济圈实现地区生产总值77587.99亿元，比上年增长3.0%，占全国的比重为6.4%。")

    heading(doc, "二、2023年经济圈经济运行的主要特点", 1)
    heading(doc, "（一）增速领先，追赶步伐加快", 2)
    para(doc, "2023年，成渝地区双城经济圈地区生产总值比上年增长6.1%，增速分别比京津冀、长三角高1个和0.4个百分点。经济圈经济总量相当于京津冀的78.5%、长三角的26.9%，分别比上年提高1.1个和0.3个百分点，与其他经济区的差距持续缩小。")
    table(
        doc,
        "表1 2023年成渝地区双城经济圈与其他经济区比较",
        ["比较对象", "经济总量相当于其比重（%）", "比上年提高（百分点）", "经济增速差（百分点）"],
        [
            ["京津冀", "78.5", "1.1", "高1.0"],
            ["长三角", "26.9", "0.3", "高0.4"],
            ["粤港澳大湾区（不含港澳）", "—", "—", "—"],
        ],
    )
    para(doc, "注：比较数据由两省市统计部门根据各地公开数据测算，“—”表示本次会议未通报。", 10.5, indent=False)

    heading(doc, "（二）产业结构优化，服务业贡献上升", 2)
    para(doc, "2023年，经济圈三次产业结构由上年的8.4:37.5:54.1调整为8.0:36.9:55.1，第三产业比重提高1个百分点。三次产业增加值分别增长3.8%、5.6%和6.8%。")
    table(
        doc,
        "表2 2022—2023年成渝地区双城经济圈三次产业结构",
        ["年份", "第一产业（%）", "第二产业（%）", "第三产业（%）"],
        [
            ["2022年", "8.4", "37.5", "54.1"],
            ["2023年", "8.0", "36.9", "55.1"],
        ],
    )
    para(doc, "注：三次产业结构按现价增加值计算。", 10.5, indent=False)

    heading(doc, "三、2023年川渝统计协同工作成效", 1)
    para(doc, "一年来，两省市统计部门围绕服务成渝地区双城经济圈建设，在统计制度、数据共享和监测分析等方面协同推进，取得积极成效。")
    para(doc, "主要成效：", indent=False)
    for item in [
        "1. 按季度联合测算并发布经济圈主要经济指标，统一口径、统一方法、统一发布",
        "2. 完善经济圈建设统计监测指标体系，覆盖经济发展、协同创新、开放合作、公共服务等方面",
        "3. 建立统计数据共享交换机制，实现重点领域数据按月互通",
        "4. 联合开展双城经济圈建设专题调研，形成分析报告供决策参考",
    ]:
        para(doc, item, indent=False)

    heading(doc, "四、2024年重点工作安排", 1)
    para(doc, "会议提出，2024年两省市统计部门将继续深化协同，提升统计服务双城经济圈建设的能力和水平。")
    para(doc, "主要举措：", indent=False)
    for item in [
        "- 做好第五次全国经济普查数据的共同使用和联合开发",
        "- 开展毗邻地区合作平台统计监测试点",
        "- 加强对成都都市圈、重庆都市圈发展情况的专项监测",
        "- 联合编印成渝地区双城经济圈统计资料",
    ]:
        para(doc, item, indent=False)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
