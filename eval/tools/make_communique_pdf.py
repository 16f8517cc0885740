"""Build eval/collection/communique-2023-port-throughput.pdf (needs reportlab: pip install reportlab)."""
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

OUT = Path(__file__).resolve().parent.parent / "collection" / "communique-2023-port-throughput.pdf"

styles = getSampleStyleSheet()
body = styles["BodyText"]
h1 = styles["Title"]
h2 = styles["Heading2"]
caption = styles["Heading4"]

TABLE_STYLE = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
])


def table(rows):
    t = Table(rows, colWidths=[3 * cm, 4 * cm, 4 * cm, 4 * cm])
    t.setStyle(TABLE_STYLE)
    return t


story = [
    Paragraph("Statistical Communique on River Port Throughput in the Chengdu-Chongqing Economic Circle, 2022", h1),
    Paragraph("Published: 2023-02-28", body),
    Paragraph("Compiled from port statistics of Chongqing Municipality and Sichuan Province", body),
    Spacer(1, 0.4 * cm),
    Paragraph("I. General situation", h2),
    Paragraph(
        "The river ports of the economic circle handled more cargo in 2022 than in any earlier year, "
        "even though shipping on the upper Yangtze was disrupted by low water during the summer drought. "
        "Chongqing Port remained by far the largest port in the circle; its cargo throughput rose for the "
        "second consecutive year after the fall in 2020. In the first ten months of 2022 Guoyuan Port handled "
        "21.02 million tonnes of cargo and Wanzhou Port 22.65 million tonnes, both the highest since they opened.",
        body,
    ),
    Paragraph(
        "Container traffic grew faster than bulk cargo. Sichuan's ports at Luzhou and Yibin, the two largest "
        "on the Sichuan reach of the Yangtze, continued to feed containers to Chongqing for onward shipment "
        "to Shanghai.",
        body,
    ),
    Spacer(1, 0.3 * cm),
    Paragraph("II. Cargo throughput", h2),
    Paragraph("Table 1. Cargo throughput of major river ports, 2019-2022", caption),
    Paragraph("Unit: 10,000 tonnes", body),
    table([
        ["Year", "Chongqing Port", "Luzhou Port", "Yibin Port"],
        ["2019", "17,141", "1,140", "1,205"],
        ["2020", "16,498", "1,096", "1,270"],
        ["2021", "19,804", "1,237", "1,318"],
        ["2022", "20,157", "1,282", "—"],
    ]),
    Spacer(1, 0.4 * cm),
    Paragraph("III. Container throughput", h2),
    Paragraph("Table 2. Container throughput of major river ports, 2019-2022", caption),
    Paragraph("Unit: 10,000 TEU", body),
    table([
        ["Year", "Chongqing Port", "Luzhou Port", "Yibin Port"],
        ["2019", "125.4", "12.1", "8.4"],
        ["2020", "115.1", "13.0", "9.1"],
        ["2021", "125.6", "13.6", "9.8"],
        ["2022", "132.2", "14.5", "—"],
    ]),
    Spacer(1, 0.4 * cm),
    Paragraph("Notes", h2),
    Paragraph("1. 2022 figures are preliminary.", body),
    Paragraph("2. — : the 2022 figures for Yibin Port had not been reported when this communique was compiled.", body),
    Paragraph("3. Chongqing Port covers all port areas of the municipality, including Guoyuan, Wanzhou and Fuling.", body),
]

doc = SimpleDocTemplate(str(OUT), pagesize=A4, title="Statistical Communique on River Port Throughput, 2022",
                        author="Chengdu-Chongqing statistical monitoring")
doc.build(story)
print("wrote", OUT)
