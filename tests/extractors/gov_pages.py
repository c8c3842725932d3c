"""Self-made government and news pages in the shapes real CMSs produce (Hanweb, TRS, 信息公开), as bytes."""
from __future__ import annotations

HANWEB_BODY = ["为切实做好防汛抗旱工作，根据上级有关文件精神，现将有关事项通知如下：",
               "一、提高认识。各村要高度重视，明确专人负责，确保责任落实到位。",
               "二、加强值守。汛期实行24小时值班制度，遇有险情及时报告。",
               "特此通知。", "青溪县城关镇人民政府", "2026年6月7日"]


def hanweb_gbk() -> bytes:
    """A Hanweb (大汉) article served as GBK under a gb2312 meta, body between ZJEG_RSS markers."""
    paragraphs = "".join(f'<p style="text-indent:2em">{p}</p>\n' for p in HANWEB_BODY)
    html = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于做好防汛抗旱工作的通知_通知公告_青溪县城关镇人民政府</title>
<meta name="SiteName" content="青溪县城关镇人民政府"><meta name="SiteIDCode" content="3311270001">
<meta name="ColumnName" content="通知公告"></head>
<body>
<div class="top"><a href="/">首页</a> <a href="/col/col1283/index.html">通知公告</a> <a href="/col/col1284/index.html">工作动态</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1279/index.html">政务公开</a> &gt; <a href="/col/col1283/index.html">通知公告</a></div>
<div class="main"><h2 class="title">关于做好防汛抗旱工作的通知</h2>
<div class="info"><span>发布日期：2026-06-07 09:30</span>　<span>来源：青溪县城关镇人民政府</span>　<span>作者：王红梅</span>　<span>浏览次数：<script src="/count.js"></script></span></div>
<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{paragraphs}<p><img src="../../../../picture/0/flood.jpg" alt="防汛演练"></p>
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>
<div class="attachments"><p>附件：</p><ul>
<li><a href="/module/download/downfile.jsp?classid=0&amp;filename=2606070000001.pdf">附件1：防汛预案.pdf</a>（12KB）</li>
<li><a href="/module/download/downfile.jsp?classid=0&amp;filename=2606070000002.doc">附件2：值班表.doc</a></li></ul></div>
<div class="related"><p>相关链接：</p><ul><li><a href="/module/download/downfile.jsp?classid=0&amp;filename=1503101234567.doc">去年的报名表.doc</a></li></ul></div>
</div>
<div class="footer"><p>主办：青溪县城关镇人民政府</p><p>网站标识码：3311270001　浙ICP备05012345号</p>
<p>Copyright &copy; 2019 青溪县城关镇 版权所有</p><p>技术支持：大汉网络　大汉版通发布系统</p></div>
</body></html>"""
    return html.encode("gbk")


TRS_BODY = ["6月20日，县长李明率队到青溪镇督查安全生产工作。",
            "李明强调，要压紧压实安全生产责任，坚决遏制重特大事故发生。",
            "督查组一行还察看了重点企业的隐患排查整改情况。"]


def trs_utf8(pub_meta: bool = True) -> bytes:
    """A TRS (拓尔思) article: body in div.TRS_Editor, ArticleTitle/PubDate/ContentSource meta."""
    meta = ('<meta name="ArticleTitle" content="李明督查安全生产工作">'
            '<meta name="PubDate" content="2026-06-20 16:05">'
            '<meta name="ContentSource" content="青溪县应急管理局">') if pub_meta else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in TRS_BODY)
    html = f"""<html><head><meta charset="utf-8"><title>李明督查安全生产工作-青溪县人民政府</title>{meta}</head>
<body><div class="nav"><a href="../../">首页</a><a href="../">部门动态</a></div>
<div class="bread">您现在的位置：<a href="../../">首页</a> > <a href="../">新闻中心</a> > <a href="./">部门动态</a></div>
<h1>李明督查安全生产工作</h1>
<div class="xx">发布时间：2026年06月20日　来源：县应急管理局　责任编辑：赵六</div>
<div class="view TRS_UEDITOR trs_paper_default"><div class="TRS_Editor">{paragraphs}
<p><a href="./P020260620512345678901.xlsx">隐患排查统计表.xlsx</a></p></div></div>
<div class="footer">今天是：2026年6月30日 星期二　版权所有：青溪县人民政府</div>
</body></html>"""
    return html.encode("utf-8")


def xxgk_page() -> bytes:
    """A 信息公开 page: metadata table (label cell, value cell), 文号 and 索引号, TRS-style URL."""
    html = """<html><head><meta charset="utf-8"><title>青溪县人民政府关于印发森林防火办法的通知</title></head>
<body><div class="location">首页 &gt; 政府信息公开 &gt; 政策文件</div>
<table class="xxgk-table">
<tr><td>索 引 号：</td><td>002581234/2026-00570</td><td>主题分类：</td><td>农业、林业、水利/林业</td></tr>
<tr><td>发布机构：</td><td>青溪县人民政府办公室</td><td>成文日期：</td><td>2026年03月02日</td></tr>
<tr><td>文　　号：</td><td>青政发〔2026〕5号</td><td>发布日期：</td><td>2026年03月05日</td></tr>
<tr><td>标　　题：</td><td colspan="3">青溪县人民政府关于印发森林防火办法的通知</td></tr>
<tr><td>有 效 性：</td><td>有效</td><td>主 题 词：</td><td></td></tr>
</table>
<div class="content"><h1>青溪县人民政府关于印发森林防火办法的通知</h1>
<p>青政发〔2026〕5号</p>
<p>各乡镇人民政府，县政府各部门：</p>
<p>现将《青溪县森林防火办法》印发给你们，请认真贯彻执行。</p>
<p>第一条　为规范森林防火工作，根据有关法律法规，结合本县实际，制定本办法。</p>
<p>第二条　本办法适用于本县行政区域内的森林防火工作。</p>
<p>青溪县人民政府</p><p>2026年3月2日</p></div>
<div class="foot">© 2026 青溪县人民政府 版权所有</div></body></html>"""
    return html.encode("utf-8")


NEWS_BODY = ["本报讯 5日上午，市农业农村局在城南蔬菜基地召开春季田间管理现场会，来自各区县的农技人员参加了会议。",
             "会议要求，各地要抓住当前有利天气，加快春播进度，同时做好病虫害监测预警工作，确保全年粮食和蔬菜稳产保供。",
             "据介绍，今年全市计划播种早稻面积十二万亩，较去年增加百分之三，目前已完成育秧任务的六成以上。",
             "现场会后，与会人员还实地察看了智能育秧工厂和水肥一体化示范区，交流了各地春耕生产的经验做法。"]


def news_page(top: str = "", header: str = "", after: str = "", title: str = "全市春耕生产现场会在城南召开",
              above: str = "", body_paragraphs: list[str] | None = None) -> bytes:
    """A news article page: top bar, breadcrumb, headline, header line, body, then a related-news list."""
    body_paragraphs = NEWS_BODY if body_paragraphs is None else body_paragraphs
    body = "".join(f"<p>{p}</p>\n" for p in body_paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_本地新闻_城南新闻网</title></head>
<body><div class="topbar">{top}<a href="/login">登录</a> <a href="/reg">注册</a></div>
<div class="nav"><a href="/">首页</a> <a href="/shehui/">社会</a> <a href="/jingji/">经济</a> <a href="/wenhua/">文化</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/shehui/">社会</a></div>
<div class="article">{above}<h1>{title}</h1>
<div class="info">{header}</div>
<div class="content">{body}</div></div>
<div class="related">{after}</div>
<div class="footer"><p>Copyright © 2003-2024 城南新闻网 版权所有</p><p>苏ICP备12345678号</p></div>
</body></html>""".encode("utf-8")
