#!/usr/bin/env python3
"""Writes bad_dates.xlsx (run from tests/data): a workbook whose sheets each
hold two good rows and one bad date at row 5, column I (整改时限), as offices
type them; sheet "serial" has date cells whose serials are outside
2000-01-01..2100-12-31, sheet "good" the forms that must keep working.
Inline strings and one date style (numFmtId 14), so Excel, WPS and
LibreOffice open it; a fixed timestamp keeps the file the same."""
import zipfile
from xml.sax.saxutils import escape

HEADER = ["序号", "编号", "问题名称", "县（市、区）", "责任单位", "责任领导",
          "整改目标", "整改措施", "整改时限", "整改进度"]
BAD = ["2022/02/30", "2022-02-29", "2022年2月30日", "2022年13月45日", "2022年13月底"]


def row_values(seq, code, deadline):
    return [str(seq), code, "问题%s" % code, "城关区", "生态环境局", "张三",
            "达标", "整改", deadline, "10"]


def cell(ref, value):
    if isinstance(value, tuple):  # (serial, style): a date cell
        return '<c r="%s" s="%d"><v>%s</v></c>' % (ref, value[1], value[0])
    return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(value))


def sheet_xml(rows):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, values in rows:
        cells = "".join(cell("%s%d" % (chr(ord("A") + i), r), v) for i, v in enumerate(values) if v != "")
        out.append('<row r="%d">%s</row>' % (r, cells))
    out.append("</sheetData></worksheet>")
    return "".join(out)


def table(code, rows3):
    rows = [(1, ["督察反馈问题整改台账"]), (2, HEADER)]
    for i, deadline in enumerate(rows3):
        rows.append((3 + i, row_values(i + 1, "%s-%d" % (code, i + 1), deadline)))
    return rows


sheets = []
for n, bad in enumerate(BAD, 1):
    sheets.append(("bad%d" % n, table("B%d" % n, ["2022-06-30", "立行立改，2022年6月底前", bad])))
sheets.append(("serial", table("S", [(44742, 1), (44742, 1), (36525, 1)])))
sheets.append(("good", table("G", ["2022年6月底", "2022年底以前", "3家企业整改，2022年6月末前完成，2023年6月30日前巩固"])))

workbook = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>']
rels = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
types = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
         '<Default Extension="xml" ContentType="application/xml"/>',
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
         '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>']
for i, (name, _) in enumerate(sheets, 1):
    workbook.append('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name, i, i))
    rels.append('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i, i))
    types.append('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % i)
workbook.append("</sheets></workbook>")
rels.append('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>' % (len(sheets) + 1))
types.append("</Types>")
styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '</styleSheet>')
root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')

parts = [("[Content_Types].xml", "".join(types)), ("_rels/.rels", root_rels),
         ("xl/workbook.xml", "".join(workbook)), ("xl/_rels/workbook.xml.rels", "".join(rels)),
         ("xl/styles.xml", styles)]
parts += [("xl/worksheets/sheet%d.xml" % i, sheet_xml(rows)) for i, (_, rows) in enumerate(sheets, 1)]
with zipfile.ZipFile("bad_dates.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts:
        info = zipfile.ZipInfo(name, date_time=(2026, 6, 15, 8, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text.encode("utf-8"))
