"""Small but valid attachment files for the sample county: PDF, legacy Word (.doc) and Excel (.xls).

Real government sites link PDF, DOC and XLS files, and the legacy Office formats are OLE2
compound files, so this module carries a minimal compound-file writer (version 3, 512-byte
sectors, every stream padded to at least 4096 bytes so no mini stream is needed), a BIFF8
workbook writer (one sheet of text and numbers) and a Word 97 writer (FIB, piece table, one
character and one paragraph FKP, text stored as UTF-16). No third-party library writes these.
"""
from __future__ import annotations

import struct

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512
MIN_STREAM = 4096


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A one-page PDF 1.4 with ASCII ``lines`` on the page and ``title`` (any language) in its Info."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    for line in lines:
        ops.append(f"({esc(line.encode('ascii', 'replace').decode())}) Tj T*")
    ops.append("ET")
    content = "\n".join(ops).encode("ascii")
    title_hex = (b"\xfe\xff" + title.encode("utf-16-be")).hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        f"<< /Title <{title_hex}> /Producer (govmigrate sample county) >>".encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1) + b"0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _dir_entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", start, size))


def compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """An OLE2 compound file holding ``streams`` (name, data) directly under the root storage.

    The streams are ordered so that the root's child is the middle one of the sorted names and
    the others hang left and right of it (a valid, if unbalanced, directory tree for <= 3 streams).
    """
    if not 1 <= len(streams) <= 3:
        raise ValueError("compound_file writes one to three streams")
    data = [(name, payload.ljust(MIN_STREAM, b"\0")) for name, payload in streams]
    data.sort(key=lambda s: (len(s[0]), s[0].upper()))
    starts, sector_count = [], 0
    for _, payload in data:
        starts.append(sector_count)
        sector_count += -(-len(payload) // SECTOR)
    entries = 1 + len(data)
    dir_sectors = -(-entries // 4)
    fat_sectors = 1
    while (sector_count + dir_sectors + fat_sectors) > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    fat = []
    for (_, payload), start in zip(data, starts):
        n = -(-len(payload) // SECTOR)
        fat += [start + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
    dir_start = len(fat)
    fat += [dir_start + i + 1 for i in range(dir_sectors - 1)] + [ENDOFCHAIN]
    fat_start = len(fat)
    fat += [FATSECT] * fat_sectors
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))
    mid = len(data) // 2
    ids = {i: i + 1 for i in range(len(data))}
    directory = [_dir_entry("Root Entry", 5, NOSTREAM, NOSTREAM, ids[mid], ENDOFCHAIN, 0)]
    for i, ((name, payload), start) in enumerate(zip(data, starts)):
        left = ids[0] if i == mid and mid > 0 else NOSTREAM
        right = ids[2] if i == mid and len(data) == 3 else NOSTREAM
        directory.append(_dir_entry(name, 2, left, right, NOSTREAM, start, len(payload)))
    empty = _dir_entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0)
    directory += [empty] * (dir_sectors * 4 - len(directory))
    difat = [fat_start + i for i in range(fat_sectors)] + [FREESECT] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, MIN_STREAM, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    body = b"".join(payload.ljust(-(-len(payload) // SECTOR) * SECTOR, b"\0") for _, payload in data)
    return header + body + b"".join(directory) + struct.pack(f"<{len(fat)}I", *fat)


def _record(rtype: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def _xl_string(text: str, length_bytes: int = 2) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<H" if length_bytes == 2 else "<B", len(text)) + b"\x01" + raw


def xls_bytes(sheet_name: str, rows: list[list[str | float]]) -> bytes:
    """A BIFF8 workbook (``.xls``) with one sheet; strings go to the shared string table."""
    strings: list[str] = []
    for row in rows:
        strings += [c for c in row if isinstance(c, str) and c not in strings]
    bof = lambda dt: _record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0x41, 0x06))
    font = _record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 134, 0) + _xl_string("宋体", 1))
    style_xf = _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    cell_xf = _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    sst = _record(0x00FC, struct.pack("<II", len(strings), len(strings)) + b"".join(_xl_string(s) for s in strings))
    cells = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                cells.append(_record(0x00FD, struct.pack("<HHHI", r, c, 15, strings.index(value))))
            else:
                cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 15, float(value))))
    width = max((len(r) for r in rows), default=0)
    sheet = (bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0)) + b"".join(cells)
             + _record(0x023E, struct.pack("<HHHHH", 0x06B6, 0, 0, 0x40, 0)) + _record(0x000A, b""))
    head = (bof(0x0005) + _record(0x0042, struct.pack("<H", 1200))
            + _record(0x003D, struct.pack("<HHHHHHHHH", 0, 0, 0x3000, 0x2000, 0x38, 0, 0, 1, 0x258))
            + font * 5 + style_xf * 15 + cell_xf)
    sheet_ref_len = len(_record(0x0085, struct.pack("<IBB", 0, 0, 0) + _xl_string(sheet_name, 1)))
    offset = len(head) + sheet_ref_len + len(sst) + 4
    boundsheet = _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _xl_string(sheet_name, 1))
    workbook = head + boundsheet + sst + _record(0x000A, b"") + sheet
    return compound_file([("Workbook", workbook)])


def _stylesheet() -> bytes:
    """STSH with one paragraph style, Normal (sti 0), and no formatting of its own."""
    name = "Normal"
    std = (struct.pack("<HHHHH", 0x0000, 0xFFF1, 0x0002, 0, 0)
           + struct.pack("<H", len(name)) + name.encode("utf-16-le") + b"\0\0"
           + struct.pack("<HH", 2, 0) + struct.pack("<H", 0))
    std = std[:6] + struct.pack("<H", len(std)) + std[8:]
    stshi = struct.pack("<HHHHHH3H", 1, 10, 1, 0x5B, 0x0F, 0, 0, 0, 0)
    return struct.pack("<H", len(stshi)) + stshi + struct.pack("<H", len(std)) + std


def _font_table() -> bytes:
    """SttbfFfn with one font, 宋体 (GB2312 charset)."""
    ffn = (struct.pack("<BhBB", 0x06, 400, 134, 0) + b"\0" * 10 + b"\0" * 24
           + "宋体".encode("utf-16-le") + b"\0\0")
    return struct.pack("<HH", 1, 0) + struct.pack("<B", len(ffn)) + ffn


def doc_bytes(paragraphs: list[str]) -> bytes:
    """A Word 97 document (``.doc``) whose main text is ``paragraphs``, one per paragraph mark.

    WordDocument holds the FIB, the UTF-16 text at 0x800, one CHPX and one PAPX FKP page and an
    empty SEPX; 1Table holds the stylesheet, piece table, DOP, bin tables, section table and fonts.
    """
    if not 1 <= len(paragraphs) <= 25:
        raise ValueError("doc_bytes writes 1 to 25 paragraphs (one PAPX page)")
    text = "".join(p.replace("\r", " ") + "\r" for p in paragraphs)
    raw = text.encode("utf-16-le")
    text_fc, fc_end = 0x800, 0x800 + len(raw)
    chpx_page = fc_end // SECTOR + 1
    papx_page = chpx_page + 1
    sepx_fc = (papx_page + 1) * SECTOR
    chpx_fkp = (struct.pack("<II", text_fc, fc_end) + b"\0").ljust(511, b"\0") + b"\x01"
    bounds = [text_fc] + [text_fc + 2 * (i + 1) for i, ch in enumerate(text) if ch == "\r"]
    papx = b"\x00\x01\x00\x00"  # PapxInFkp: cb=0, cb'=1: a 2-byte GrpPrlAndIstd holding istd 0
    papx_at = 510 - len(papx)
    rgbx = (struct.pack("<B", papx_at // 2) + b"\0" * 12) * (len(bounds) - 1)
    papx_fkp = (struct.pack(f"<{len(bounds)}I", *bounds) + rgbx).ljust(papx_at, b"\0") + papx
    papx_fkp = papx_fkp.ljust(511, b"\0") + struct.pack("<B", len(bounds) - 1)
    plcpcd = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, text_fc, 0)
    parts = {1: _stylesheet(), 33: b"\x02" + struct.pack("<I", len(plcpcd)) + plcpcd, 31: b"\0" * 500,
             12: struct.pack("<III", text_fc, fc_end, chpx_page), 13: struct.pack("<III", text_fc, fc_end, papx_page),
             6: struct.pack("<II", 0, len(text)) + struct.pack("<HiHI", 0, sepx_fc, 0, 0xFFFFFFFF), 15: _font_table()}
    table, fc_lcb = bytearray(), [(0, 0)] * 93
    for index, data in parts.items():
        fc_lcb[index] = (len(table), len(data))
        table += data
    fc_lcb[0] = fc_lcb[1]
    lw = [0] * 22
    lw[0], lw[3] = sepx_fc + 2, len(text)
    base = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0x00C1, 0, 0x0804, 0, 0x1200, 0x00BF, 0, 0, 0, 0, 0,
                       text_fc, fc_end)
    fib = (base + struct.pack("<H", 14) + b"\0" * 28 + struct.pack("<H", 22) + struct.pack("<22I", *lw)
           + struct.pack("<H", 93) + b"".join(struct.pack("<II", fc, lcb) for fc, lcb in fc_lcb)
           + struct.pack("<H", 0))
    word = bytearray(fib.ljust(text_fc, b"\0") + raw)
    word = word.ljust(chpx_page * SECTOR, b"\0") + chpx_fkp + papx_fkp + b"\0\0"
    return compound_file([("WordDocument", bytes(word)), ("1Table", bytes(table))])
