"""Bylines Chinese articles write in the text rather than behind a label, and what reads as a name.

Covers the newsroom conventions (本报记者 王建宏 张文攀, 澎湃新闻记者 段彦超 廖艳, （记者 胡晓蓉）,
（姚峰 上海报道）, 文/张三, 张三/文, （文/图 张三 李四）, 执笔/张三、李四), blog footers (张三 发表于
2005-9-15, 由张三张贴 @ ..., Posted by X, Copyright © X) and the name line between a title and its
date. Each rule returns the names only; the caller decides which rule wins. A value is an author
or a source only if it reads as one (``credible``): a phrase taken from the text never does.
"""
from __future__ import annotations

import re

NAME = r"[\u4e00-\u9fff·]{2,4}"
NAMES = NAME + r"(?:[ 、，,]+" + NAME + r")*"
REPORTER_RE = re.compile(  # any newsroom before the role: 本报, 澎湃新闻, 南都, 职工 ...
    r"(?:^|[\s（(【\[□■●▲·，,:：|｜])[\u4e00-\u9fff]{0,12}?"
    r"(?:特约|见习|实习|首席|驻[\u4e00-\u9fff]{1,4})?(?P<role>记者|通讯员|实习生|发言人)\s*[:：]?\s*"
    r"(?P<names>" + NAMES + r")(?![\u4e00-\u9fff\d])"
)
ROLE_WORD_RE = re.compile(r"记者|通讯员|实习生|发言人")
TAIL_PAREN_RE = re.compile(
    r"[（(]\s*(?:[\u4e00-\u9fff]{0,6}记者\s*)?(?P<names>" + NAMES + r")(?:\s+[\u4e00-\u9fff]{2,4}报道)?\s*[）)]\s*$"
)
REPORT_PAREN_RE = re.compile(
    r"[（(]\s*(?:[\u4e00-\u9fff]{0,6}记者\s*(?P<a>" + NAMES + r")|(?P<b>" + NAMES + r")\s+[\u4e00-\u9fff]{2,4}报道)\s*[）)]\s*$"
)
CREDIT_ROLE = (r"(?:[文图]\s*[/／]\s*[文图]\s*[/／:：]?|(?:文|图|图文|文图|摄影)\s*[/／]"  # 图：X is a caption, 图/X a credit
               r"|(?:撰文|文字|执笔|采写)\s*[/／:：])")
PEN_NAMES = NAME + r"(?:\s*[ 、，,&＆]\s*" + NAME + r")*"
SLASH_RE = re.compile(
    r"^" + CREDIT_ROLE + r"\s*(?:[^\s/／]{1,12}(?:作者|记者|通讯员))?\s*(?P<a>" + PEN_NAMES + r")(?![\u4e00-\u9fff])"
    r"|^(?P<b>" + NAME + r")\s*[/／]\s*(?:文\b|(?P<org>[\u4e00-\u9fff]{2,12})$)")
CREDIT_PAREN_RE = re.compile(  # （文/图 刘玺东 易赛楠）, 【文/观察者网专栏作者 王文】: a credit in brackets
    r"[（(【\[]\s*" + CREDIT_ROLE + r"\s*(?:[^\s/／）)】\]]{1,12}(?:作者|记者|通讯员)\s*)?"
    r"(?P<names>" + PEN_NAMES + r")\s*[）)】\]]")
BLOG_RE = re.compile(
    r"(?:由\s*(?P<a>[^\s@]{2,20}?)\s*(?:张贴|发表|发布)?\s*[@于]\s*\d)|"
    r"(?:^|[|｜\s])(?:(?P<posted>posted\s+)|written\s+)?by\s+"  # a capitalised name or a handle with _ or digits
    r"(?P<c>(?-i:[A-Z][a-zA-Z.\-]{1,20}(?:\s[A-Z][a-zA-Z.\-]{1,20})?|[a-z][a-z.\-]*[_\d][\w.\-]*))"
    r"\s*(?:(?(posted)$|(?!))|[|｜@,]|\s(?:on|at|@|\d)|\d)|"
    r"(?<![A-Za-z0-9_.\-])(?P<b>[A-Za-z0-9_.\-]{2,20}|[\u4e00-\u9fff]{2,4})\s*(?:发表于|发布于|posted\s+(?:at|on|@))\s*\d",
    re.IGNORECASE,
)
CREDIT_NOT_POSTER_RE = re.compile(r"(?:design|power|theme|develop|photo|image|illustrat|edit|review|host|made|built)"
                                  r"\w*\s+by\s", re.IGNORECASE)  # Designed by X, Photo by X: no poster
BY_WORD_RE = re.compile(r"(?:^|[|｜\s])by\s")  # the word BLOG_RE's by-branch starts with
PROFILE_RE = re.compile(r"^[\[【]?\s*(?:作者|博主|个人)简介")  # a blog profile box: owner's name, then 作者简介
OWNER_RE = re.compile(r"^(?:[\u4e00-\u9fff·]{2,6}|[A-Za-z][\w.\-]{1,20})$")
BRACKET_RE = re.compile(r"[\[【]\s*(?P<name>" + NAME + r")\s*[\]】]")
NOT_NAMES = {"记者", "报道", "编辑", "来源", "通讯员", "实习生", "摄影", "摄", "图", "文", "本报", "责任", "综合",
             "整理", "新华社", "新华网", "人民网", "央视网", "中新网", "中国", "北京", "上海", "电", "讯"}


PARTICLE_RE = re.compile(r"[了的吗呢吧么着们说是这那被让很都就也]")  # grammar words no name holds
COLUMN_WORD_RE = re.compile(r"要闻|动态|公告|通知|资讯|快讯|头条|图片|视频|热点|专题|专栏|栏目|新闻$|信息$|首页|正文")
PROSE_WORD_RE = re.compile(r"表示|介绍|查看|发自|提问|询问|走访|暗访|调查|致电|证实|注意|来到|前往|赶到|看望|获知|得知"
                           r"|透露|了解|获悉|采访|指出|认为|发现|看到|报道|整理|原创|综合|编译|转载|转自|来源"
                           r"|不详|未知|佚名|网友|网络|管理员|系统|本站|本网|声明|版权|点击|阅读|评论|分享")
ORG_END_RE = re.compile(r"(?:报|网|社|台|局|委|办|厅|署|部|院|所|馆|站|会|处|政府|中心|学会|大学|学院|协会|公司|集团"
                        r"|银行|医院|科技|频道|新闻|时报|周刊|杂志|发布|支部|办公室|办事处|出版社|电视台|电台|\.(?:com|cn|net|org))$",
                        re.IGNORECASE)
PERSON_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff·]{1,10})$")
LATIN_RE = re.compile(r"^[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ0-9_.'\-]{1,24}$")  # Nuño, Göbelbecker, O'Mahony
LATIN_NOT_NAMES = {"share", "tweet", "print", "like", "comment", "comments", "email", "follow", "more", "top", "home",
                   "login", "author", "editor", "by", "posted", "copyright", "rights", "reserved", "corporation",
                   "group", "news", "media", "network", "app"}
HANDLE_RE = re.compile(r"^(?=.*[\u4e00-\u9fff])[\u4e00-\u9fff\w·&＆]{2,12}$")


def reads_as_person(token: str) -> bool:
    """A Chinese personal name (2-4 characters, or a transliteration with ·) that is no role, place,
    phrase or organisation: 胡晓蓉 yes; 透露了, 新华社, 朗进科技 no."""
    if not PERSON_RE.match(token) or token in NOT_NAMES or PARTICLE_RE.search(token) or PROSE_WORD_RE.search(token) \
            or COLUMN_WORD_RE.search(token):
        return False
    end = ORG_END_RE.search(token)
    return not end or len(end.group(0)) == 1 and len(token) == 2


def reads_as_latin(token: str) -> bool:
    """A Latin name or handle (kingname, GameForce, HN666): letters first, no company word."""
    return bool(LATIN_RE.match(token)) and token.lower() not in LATIN_NOT_NAMES and not ORG_END_RE.search(token)


def reads_as_org(value: str) -> bool:
    """An organisation: a name ending like one (日报, 新华网, 新华社, 县应急管理局, 省发改委, 人民政府, 学会 ...)."""
    value = value.strip()
    return (2 <= len(value) <= 30 and bool(ORG_END_RE.search(value)) and not re.search(r"[了吗呢吧么着说是]", value)
            and not PROSE_WORD_RE.search(value) and bool(re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9·.（）()\-]+", value)))


def credible(value: str | None, labelled: bool = False) -> bool:
    """The value reads as an author or source: each word a person, a Latin name, or an organisation;
    behind a label (作者：) or in the byline slot a self-media account name (加拿大必读) too. Phrases
    taken from the text (透露了, 网络整理, 本站原创) never do."""
    if not value or not value.strip():
        return False
    for token in value.split():
        if reads_as_person(token) or reads_as_latin(token) or reads_as_org(token):
            continue
        if labelled and HANDLE_RE.match(token) and not PROSE_WORD_RE.search(token) and token not in NOT_NAMES \
                and not COLUMN_WORD_RE.search(token) \
                and not PARTICLE_RE.search(token[-1]) and "了" not in token:
            continue
        return False
    return True


def _names(text: str) -> str | None:
    """Split a run of names, dropping words that are roles or places rather than people."""
    names = [n for n in re.split(r"[ 、，,&＆]+", text.strip()) if n and n not in NOT_NAMES]
    names = [n for n in names if not n.endswith(("报道", "摄影", "编辑", "记者", "电"))]
    return " ".join(names) if names else None


def reporters(lines: list[str]) -> str | None:
    """Names after 记者/通讯员 in the given lines (the article's first or last lines)."""
    found: list[str] = []
    for line in lines:
        if not ROLE_WORD_RE.search(line, 0, 300):  # a cheap look for the role word before the full pattern
            continue
        for m in REPORTER_RE.finditer(line[:300]):
            if m.group("role") == "发言人" and line[m.end():].strip():
                continue  # a spokesperson is the author only of a line that is their credit alone
            if line[m.end():m.end() + 1] in ("。", "！", "？"):
                continue  # …回答了记者提问。: the role word inside a sentence
            names = _names(m.group("names"))
            if names:
                found.extend(n for n in names.split() if n not in found and reads_as_person(n))
    return " ".join(found) if found else None


def bracketed_name(lines: list[str]) -> str | None:
    """A lone bracketed name on a header line that also carries a date or a 来源 label: [ 黄宇 ]."""
    for line in lines:
        m = BRACKET_RE.search(line)
        if m and (re.search(r"\d{4}", line) or "来源" in line) and m.group("name") not in NOT_NAMES:
            return m.group("name")
    return None


def closing_parenthesis(lines: list[str]) -> str | None:
    """Names in a parenthesis that closes the article: （记者 胡晓蓉）, （常书香 马丹阳）; each must read
    as a person (a company's name closing a quoted question is no byline)."""
    for line in reversed(lines):
        m = TAIL_PAREN_RE.search(line)
        if m:
            names = _names(m.group("names"))
            return names if names and all(reads_as_person(n) for n in names.split()) else None
    return None


def report_parenthesis(lines: list[str]) -> str | None:
    """A paragraph anywhere in the body that closes on （姚峰 上海报道） or （记者 王建宏）: the
    reporter of that story (long articles carry it mid-page, before a second section)."""
    for line in lines:
        if line.endswith(("）", ")")):
            m = REPORT_PAREN_RE.search(line)
            if m:
                names = _names(m.group("a") or m.group("b"))
                if names:
                    return names
    return None


def slash_byline(lines: list[str]) -> str | None:
    """文/张三, 执笔/张三、李四, 张三/文 or 张三/中国青年报 (writer, then newspaper) at the start of a line."""
    for line in lines:
        m = SLASH_RE.search(line)
        if m and (not m.group("org") or reads_as_org(m.group("org"))):
            names = _names(m.group("a") or m.group("b"))
            if names and all(reads_as_person(n) for n in names.split()):
                return names
    return None


def credit_parenthesis(lines: list[str]) -> str | None:
    """A writer's credit in brackets: （文/图 刘玺东 易赛楠） closing the body, 【文/观察者网专栏作者 王文】
    heading it."""
    for line in lines:
        if "/" in line or "／" in line or "：" in line or ":" in line:
            m = CREDIT_PAREN_RE.search(line)
            if m:
                names = _names(m.group("names"))
                if names and all(reads_as_person(n) for n in names.split()):
                    return names
    return None


def _may_name_poster(line: str) -> bool:
    """A cheap test that the line holds a word BLOG_RE needs (由 / 发表于 / 发布于 / posted / by), before the regex."""
    if "由" in line or "发表于" in line or "发布于" in line:
        return True
    low = line.lower()
    return "posted" in low or "by" in low and bool(BY_WORD_RE.search(low))  # not nearby, hobby, baby


def blog_poster(lines: list[str]) -> str | None:
    """The poster of a blog entry: 张三 发表于 2005-9-15, 由张三张贴 @ ..., else the blog's owner named
    in its profile box (a name line, then [作者简介])."""
    for line in lines:
        if not _may_name_poster(line):
            continue
        m = BLOG_RE.search(line)
        if m and not (m.group("c") and (len(line) > 60 or CREDIT_NOT_POSTER_RE.search(line, 0, m.end()))):
            name = (m.group("a") or m.group("b") or m.group("c")).strip()
            if credible(name, labelled=True):
                return name
    for above, line in zip(lines, lines[1:]):
        if PROFILE_RE.match(line) and OWNER_RE.match(above) and above not in NOT_NAMES:
            return above
    return None


COPYRIGHT_OWNER_RE = re.compile(  # the whole line: Copyright © 2005 张三 / © 2005-2007 by bob_smith
    r"^\s*(?:copyright\s*)?(?:©|&copy;|\(c\))?\s*(?:(?:19|20)\d{2}\s*(?:[-–~]\s*(?:19|20)\d{2})?)?\s*(?:by\s+)?"
    r"(?P<owner>[\u4e00-\u9fff]{2,4}|[A-Za-z][\w\-]{1,20})\s*\.?\s*$", re.IGNORECASE)


def copyright_owner(lines: list[str]) -> str | None:
    """The person a blog's copyright line names (Copyright © 2005 张三): read as a person only, since a
    site's copyright names the organisation that runs it, not the writer."""
    for line in lines:
        if len(line) <= 80 and ("©" in line or "opyright" in line or "(c)" in line.lower()):
            m = COPYRIGHT_OWNER_RE.search(line)
            owner = m and m.group("owner")  # a Latin owner in capitals (CCTV, Sina) is a company, a handle is not
            if owner and (reads_as_person(owner) or reads_as_latin(owner) and owner == owner.lower()):
                return m.group("owner")
    return None


PLATFORMS = r"(?:网易号|百家号|企鹅号|澎湃号|头条号|搜狐号|大风号|一点号|新浪号|凤凰号|大鱼号|快传号|东方号)"
ACCOUNT_RE = re.compile(  # 澎湃号 > 中国广州发布, 网易号：X, X 企鹅号: a self-media account on its platform
    r"^" + PLATFORMS + r"\s*[>›»:：|·]\s*(?P<a>[^\s>›»|]{2,16})$|^(?P<b>[^\s>›»|]{2,16})\s+" + PLATFORMS + r"$")


def platform_account(lines: list[str]) -> str | None:
    """The self-media account a platform page names with its platform (澎湃号 > X, X 企鹅号)."""
    for line in lines:
        if "号" in line and len(line) <= 24:
            m = ACCOUNT_RE.match(line)
            if m and credible(m.group("a") or m.group("b"), labelled=True):
                return m.group("a") or m.group("b")
    return None


SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
               "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
               "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
               "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
               "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
COAUTHOR_SPLIT_RE = re.compile(r"[ 　、，,;；]+")


def coauthor_line(lines: list[str]) -> str | None:
    """Co-authors on the line under a paper's title: two or more names (张三 李四 王五, 张三1，李四2*),
    each of 2-3 characters starting with a common surname, and nothing else on the line."""
    for line in lines[:1]:
        names = [re.sub(r"[\d*＊†]+$", "", n) for n in COAUTHOR_SPLIT_RE.split(line.strip()) if n]
        if len(names) >= 2 and all(2 <= len(n) <= 3 and n[0] in SURNAMES and reads_as_person(n) for n in names):
            return " ".join(names)
    return None


def reads_as_handle(token: str) -> bool:
    """A Latin account name standing alone: lower case (kingname), camel case (GameForce) or with digits
    or _ (HN666, bob_smith); a plain capitalised word (Kommentar, Von) or capitals (STAND) is a label."""
    return reads_as_latin(token) and (token.islower() or bool(re.search(r"[a-z][A-Z]|[\d_]", token)))
