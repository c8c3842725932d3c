"""Plausible Chinese government text for the sample county: titles and body paragraphs by column.

Text is built from templates and small vocabularies so that an item's words reflect its column
(notices talk about 通知/公示, work news about 召开/开展/调研, policies about 办法/规定), which is
what the mapping stage learns from. Everything is drawn from a caller's ``random.Random``.
"""
from __future__ import annotations

import random
from datetime import date

SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔"
GIVEN = "建国志强海涛丽华晓明文军红梅伟东雪芳立新国平春燕永红振华秀英德明玉兰卫民淑珍建华桂英金龙志刚美玲"
VILLAGES = ["下洋村", "湖边村", "桃源村", "后山村", "岭头村", "上坪村", "溪口村", "石桥村", "新塘村", "枫树湾村"]

TITLES = {
    "dynamic": [
        "{unit}召开{topic}工作推进会",
        "{unit}开展{topic}专项行动",
        "{leader}带队调研{topic}工作",
        "{unit}组织{topic}业务培训",
        "{village}{topic}工作取得阶段性成效",
        "{unit}部署{topic}工作",
        "{unit}举办{topic}宣传活动",
        "{unit}召开{year}年{topic}工作会议",
        "{unit}扎实推进{topic}工作",
        "{leader}检查督导{topic}工作",
        "{village}开展{topic}志愿服务活动",
        "{unit}召开{topic}工作专题会议",
    ],
    "notice": [
        "关于做好{topic}工作的通知",
        "关于开展{topic}专项检查的通知",
        "关于{topic}有关事项的公告",
        "{year}年{topic}项目公示",
        "关于{topic}补助资金拟发放对象的公示",
        "关于调整{topic}工作安排的通知",
        "关于征集{topic}意见建议的公告",
        "关于{year}年{topic}工作的通知",
        "关于{topic}考核结果的公示",
    ],
    "policy": [
        "{prefix}{topic}管理办法",
        "关于印发《{prefix}{topic}实施方案》的通知",
        "{prefix}{topic}暂行规定",
        "关于进一步加强{topic}工作的实施意见",
        "关于印发《{prefix}{topic}工作考核办法》的通知",
        "{prefix}{topic}工作规则",
    ],
    "interpretation": [
        "《{prefix}{topic}管理办法》政策解读",
        "图解：{prefix}{topic}实施方案",
        "一图读懂{topic}新政策",
        "《关于进一步加强{topic}工作的实施意见》解读",
    ],
    "letter": [
        "关于{issue}的咨询",
        "反映{issue}的问题",
        "{issue}何时能够解决",
        "咨询{issue}相关政策",
    ],
    "budget": [
        "{unit}{year}年部门预算公开",
        "{unit}{year}年部门决算公开",
        "{year}年{topic}专项资金使用情况公开",
        "{unit}{year}年“三公”经费预算说明",
    ],
    "report": ["{unit}{year}年政府信息公开工作年度报告"],
    "service": ["{service}办事指南", "{service}服务指南", "{service}业务办理须知"],
}

SERVICES = ["农村宅基地审批", "个体工商户设立登记", "残疾人两项补贴申请", "城乡居民医保参保登记", "生育登记服务",
            "农机购置补贴申请", "食品经营许可", "临时救助申请", "高龄津贴申领", "林木采伐许可", "动物诊疗许可",
            "特种设备使用登记"]

ISSUES = ["村道路灯损坏", "农村宅基地审批", "小区停车难", "低保申请", "医保报销", "自来水压力不足",
          "校车接送安全", "河道垃圾清理", "农田灌溉渠修缮", "养老保险缴费", "噪音扰民", "农产品销售"]

BODY = {
    "dynamic": [
        "{date_cn}，{unit}召开{topic}工作推进会，{leader_role}{leader}出席会议并讲话。",
        "会议传达学习了上级关于{topic}工作的部署要求，通报了前一阶段工作进展情况。",
        "会议强调，要充分认识{topic}工作的重要性，压实工作责任，确保各项任务落到实处。",
        "{village}负责人围绕{topic}工作作了交流发言，并就存在的问题提出了意见建议。",
        "调研组一行实地察看了{village}{topic}工作开展情况，详细了解存在的困难和问题。",
        "此次活动共发放宣传资料{n}余份，现场解答群众咨询{m}人次，取得了良好效果。",
        "据统计，今年以来共开展{topic}检查{n}次，发现并整改问题{m}个。",
        "下一步，{unit}将持续深化{topic}工作，推动各项措施落地见效。",
        "培训采取集中授课与现场教学相结合的方式，参训人员共计{m}人。",
    ],
    "notice": [
        "为切实做好{topic}工作，根据上级有关文件精神，现将有关事项通知如下：",
        "一、工作时间。自{date_cn}起至{date2_cn}止。",
        "二、工作要求。各单位要高度重视，明确专人负责，确保工作按时完成。",
        "三、材料报送。请各单位于{date2_cn}前将有关材料报送{unit}，逾期视为放弃。",
        "四、联系方式。联系人：{person}，联系电话：0578-{phone}。",
    ],
    "publicity": [
        "根据有关规定，现将{topic}有关情况予以公示，公示期为{n}个工作日。",
        "公示对象：{village}等{n}户（单位），具体名单附后。",
        "公示时间：{date_cn}至{date2_cn}。",
        "公示期间，如有异议，请以书面形式向{unit}反映，逾期不予受理。",
        "联系人：{person}，联系电话：0578-{phone}。",
    ],
    "policy": [
        "第一条　为规范{topic}工作，根据有关法律法规，结合本{place_term}实际，制定本办法。",
        "第二条　本办法适用于本{place_term}行政区域内的{topic}工作。",
        "第三条　{unit}负责{topic}工作的组织实施和监督管理，各相关单位按照职责分工做好相关工作。",
        "第四条　{topic}工作应当坚持依法依规、公开透明、便民高效的原则。",
        "第五条　对在{topic}工作中成绩突出的单位和个人，按照有关规定给予表彰。",
        "第六条　违反本办法规定的，依照有关法律法规予以处理。",
    ],
    "interpretation": [
        "一、制定背景。为贯彻落实上级关于{topic}工作的决策部署，进一步规范相关工作，制定本政策。",
        "二、主要内容。政策明确了{topic}工作的适用范围、职责分工、工作流程和保障措施。",
        "三、适用对象。本{place_term}行政区域内从事{topic}相关工作的单位和个人。",
        "四、解读机关及联系方式。解读机关：{unit}；联系电话：0578-{phone}。",
    ],
    "service": [
        "一、事项名称：{title}。",
        "二、办理依据：《中华人民共和国行政许可法》及相关规定。",
        "三、申请材料：申请表一份、申请人身份证复印件一份、相关证明材料。",
        "四、办理时限：自受理之日起{n}个工作日内办结。",
        "五、办理地点：{unit}便民服务中心窗口。",
        "六、收费标准：不收费。咨询电话：0578-{phone}。",
    ],
    "letter": [
        "来信内容：本人是{village}村民，想反映{issue}的情况，希望有关部门尽快处理。",
        "回复内容：您好！您反映的{issue}问题已收悉，我单位高度重视，已安排专人进行核实处理。",
        "经调查，相关情况属实，目前已协调有关部门制定整改方案，预计{n}个工作日内完成。",
        "感谢您对我们工作的关心和支持！回复单位：{unit}。",
    ],
    "budget": [
        "根据《中华人民共和国预算法》和政府信息公开有关规定，现将{unit}{year}年预算（决算）情况公开如下。",
        "{unit}主要职能是负责本辖区{topic}等工作，内设机构{n}个。",
        "{year}年收入总计{m}万元，支出总计{m}万元，收支平衡。",
        "“三公”经费{n}万元，比上年减少{m}%，主要原因是厉行节约、压减公务接待支出。",
    ],
    "report": [
        "本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况、主动公开情况、依申请公开情况等内容。",
        "{year}年，{unit}认真贯彻落实政府信息公开工作要求，主动公开政府信息{n}条。",
        "全年共收到政府信息公开申请{m}件，均已按期答复。",
        "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    ],
}

STATIC = {
    "gkxx": ["{unit}位于青溪县{dir}部，距县城{n}公里，辖{m}个行政村，总面积{n}平方公里。",
             "境内山清水秀，气候温和，四季分明，是远近闻名的生态农业和休闲旅游之地。",
             "近年来，{unit}坚持生态优先、绿色发展，大力发展特色农业和乡村旅游，经济社会持续健康发展。"],
    "jgzn": ["贯彻执行国家有关法律法规和方针政策，拟订本单位{topic}工作规划并组织实施。",
             "负责本辖区{topic}工作的监督管理，承担相关行政执法工作。",
             "承办上级交办的其他事项。内设办公室、业务科等{m}个机构。"],
    "fzrxx": ["{leader}，负责全面工作。",
              "{person}，负责{topic}工作，联系{village}。",
              "{person2}，负责综合治理、安全生产工作。"],
    "xxgkzn": ["为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。",
               "一、主动公开。公开范围包括机构职能、政策文件、财政预决算等信息，公开形式以网站为主。",
               "二、依申请公开。申请人可通过当面、邮寄、网上等方式提出申请，我单位在20个工作日内答复。",
               "三、监督和救济。申请人认为侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。"],
    "xxgkzd": ["为保障公民、法人和其他组织依法获取政府信息，制定本制度。",
               "政府信息公开工作由办公室统一负责，各科室按职责做好信息的收集、审核和发布。",
               "拟公开的政府信息须经保密审查，未经审查不得公开。"],
}


def person(rng: random.Random) -> str:
    """A plausible Chinese personal name (surname + one or two characters)."""
    n = rng.choice((1, 2))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(n))


def date_cn(d: date) -> str:
    """A date written the Chinese way: 2026年6月5日."""
    return f"{d.year}年{d.month}月{d.day}日"


def _fill(template: str, rng: random.Random, ctx: dict) -> str:
    values = dict(ctx)
    values.setdefault("topic", rng.choice(ctx["topics"]))
    values.setdefault("village", rng.choice(VILLAGES))
    values.setdefault("issue", rng.choice(ISSUES))
    values.setdefault("service", rng.choice(SERVICES))
    values.update(n=rng.randint(3, 60), m=rng.randint(8, 360), phone=f"{rng.randint(5000000, 8999999)}",
                  person=person(rng), person2=person(rng), dir=rng.choice("东南西北"))
    return template.format(**values)


def make_title(rng: random.Random, style: str, ctx: dict, used: set[str]) -> tuple[str, str]:
    """A title for a column of ``style`` not in ``used``; returns (title, topic) so the body can follow it."""
    for _ in range(200):
        topic = rng.choice(ctx["topics"])
        issue = rng.choice(ISSUES)
        title = _fill(rng.choice(TITLES[style]), rng, dict(ctx, topic=topic, issue=issue))
        if title not in used:
            used.add(title)
            return title, topic if style != "letter" else issue
    raise RuntimeError(f"could not draw a new {style} title for {ctx['unit']}")


def make_body(rng: random.Random, style: str, ctx: dict, topic: str, published: date,
              title: str, signer: str | None) -> list[str]:
    """Body paragraphs for an item of ``style`` about ``topic``; notices end with signer and date."""
    values = dict(ctx, topic=topic, issue=topic, title=title, date_cn=date_cn(published),
                  date2_cn=date_cn(date.fromordinal(published.toordinal() + 20)))
    if style == "notice" and "通知" not in title:
        pool = BODY["publicity"]
    else:
        pool = BODY[style]
    if style == "dynamic":
        keep = [0] + sorted(rng.sample(range(1, len(pool)), rng.randint(2, 4)))
    else:
        keep = list(range(len(pool) - rng.randint(0, 1 if style in ("notice", "report") else 2)))
    paragraphs = [_fill(pool[i], rng, values) for i in keep]
    if style == "notice" and signer:
        ending = "特此通知。" if "通知" in title else "特此公示。" if "公示" in title else "特此公告。"
        paragraphs += [ending, signer, date_cn(published)]
    return paragraphs


def static_body(rng: random.Random, target: str, ctx: dict) -> list[str]:
    """Paragraphs for a static page (概况, 机构职能, 负责人, 信息公开指南/制度)."""
    pool = STATIC.get(target, STATIC["gkxx"])
    return [_fill(t, rng, ctx) for t in pool]
