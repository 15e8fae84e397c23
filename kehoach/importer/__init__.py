"""Plans from Word: read a KẾ HOẠCH (.docx or .txt) and draft its plan YAML by rules.

Modules in data-flow order:

    errors.py      DocumentError: why a file cannot be imported, in Vietnamese
    limits.py      sizes past which a file is refused (zip bombs, 200-page documents)
    text.py        accent- and case-folding, the one normal form every rule compares in
    vocabulary.py  administrative abbreviations, named days, campaigns: data, not rules
    document.py    Line, and .txt reading; dispatches .docx to docx_reader.py
    docx_reader.py .docx paragraphs with Word's list numbering, bold, and tables
    sections.py    the Nghị định 30/2020 layout: header, I–IV, closing
    items.py       numbered items of a section, their content and attribute lines
    timing.py      "Thường xuyên", "trước ngày 30/5", "hằng quý", date ranges
    header.py      issuer, số/ký hiệu, place and date, title, parent plan
    units.py       unit phrases matched against the directory (rapidfuzz)
    closing.py     "Nơi nhận" and the signature block
    duties.py      section IV: who does what, the default lead, the office
    reports.py     report obligations, their deadlines and upward recipients
    events.py      campaigns (Tháng hành động) and occasions (8/3, 28/6, 20/10)
    draft.py       everything above assembled into one draft plan, with review notes
    render.py      the draft as YAML with "# CẦN XEM LẠI" comments, proposed units
    corrections.py a clerk's corrections to a draft (the console's review form)
"""
