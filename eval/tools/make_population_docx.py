"""Build eval/collection/report-2023-population.docx (needs python-docx, as ccqa does)."""
from pathlib import Path

import docx
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "collection" / "report-2023-population.docx"

d = docx.Document()
d.core_properties.title = "Population of the Core Cities of the Chengdu-Chongqing Economic Circle, 2019-2022"
d.core_properties.author = "Chengdu-Chongqing statistical monitoring"

d.add_heading("Population of the Core Cities of the Chengdu-Chongqing Economic Circle, 2019-2022", level=1)
d.add_paragraph("Analytical report · 10 May 2023")

d.add_heading("1. Summary", level=2)
d.add_paragraph(
    "The two core cities of the economic circle together had more than 53 million permanent residents "
    "at the end of 2022. Chengdu kept growing quickly, adding about 76,000 residents in 2022, while the "
    "population of Chongqing Municipality was almost flat, rising by only about 9,100 people. "
    "For the circle as a whole, the baseline estimate for 2019 is around 96 million residents, or 6.9 "
    "percent of China's population."
)
d.add_paragraph(
    "The break between 2019 and 2020 in the Chengdu series is not real growth of 4.4 million people in "
    "one year. The figure for 2019 was estimated from the annual sample survey, whereas the figures from "
    "2020 onwards are based on the Seventh National Population Census, which found far more migrants "
    "living in the city than the surveys had assumed."
)

d.add_heading("2. Population and urbanisation", level=2)
d.add_paragraph("Table 1. Year-end permanent population and urbanisation rate of Chengdu and Chongqing, 2019-2022")
d.add_paragraph("Unit: 10,000 persons; urbanisation rate in %")

rows = [
    ["Year", "Chengdu population", "Chongqing population", "Chengdu urbanisation rate", "Chongqing urbanisation rate"],
    ["2019", "1,658.10", "3,124.32", "74.41", "66.80"],
    ["2020", "2,094.70", "3,208.93", "78.77", "69.46"],
    ["2021", "2,119.20", "3,212.43", "79.48", "70.32"],
    ["2022", "2,126.80", "3,213.34", "79.89", "70.96"],
]
t = d.add_table(rows=len(rows), cols=len(rows[0]))
t.style = "Table Grid"
for i, row in enumerate(rows):
    for j, value in enumerate(row):
        cell = t.cell(i, j)
        cell.text = value
        if i == 0:
            for run in cell.paragraphs[0].runs:
                run.bold = True

d.add_paragraph("Notes: Chongqing refers to the whole municipality. 2019 values are sample-survey estimates; "
                "later values are based on the 2020 census.")

d.add_heading("3. Census results", level=2)
d.add_paragraph(
    "At the census reference time of 1 November 2020, Chengdu had 20,937,757 residents and Chongqing "
    "Municipality 32,054,159. Chengdu thereby became the fourth Chinese city with more than 20 million "
    "residents. Urbanisation has advanced in both places; in 2022 nearly eight in ten Chengdu residents "
    "lived in urban areas, against seven in ten in Chongqing."
)

d.add_heading("4. Outlook", level=2)
d.add_paragraph(
    "Natural growth is now close to zero in both cities, so future changes will depend mainly on migration "
    "within the region. The report will be updated when the 2023 sample survey results are available."
)

for p in d.paragraphs:
    for r in p.runs:
        r.font.size = Pt(11) if r.font.size is None else r.font.size

d.save(OUT)
print("wrote", OUT)
