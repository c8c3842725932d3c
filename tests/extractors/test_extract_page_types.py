"""Page types from structure: what the main content (the page without its chrome) is made of."""
import pytest

from extractors import extract_page
from extractors.parse import load_page
from extractors.page_types import chrome_elements, mostly_links_below, signals

SITE = "https://www.kommun.example.se"
HEADER = ("<header class='site-header'><a href='/'>Startsida</a>"
          "<form action='/sok' method='get'><input name='q'><select name='where'><option>Allt</option></select>"
          "<button>Sök</button></form>"
          "<nav aria-label='Huvudmeny'><a href='/omsorg/'>Omsorg</a> <a href='/skola/'>Skola</a> "
          "<a href='/bygga/'>Bygga och bo</a> <a href='/kultur/'>Kultur</a></nav></header>")
FOOTER = "<footer><p>Exempel kommun, Storgatan 1, 123 45 Exempelstad. Telefon 0123-45 67 89.</p></footer>"


def page(main: str, title: str = "Omsorg och stöd") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title} - Exempel kommun</title></head><body>{HEADER}"
            f"<main>{main}</main>{FOOTER}</body></html>").encode("utf-8")


SECTIONS = ["Äldreomsorg", "Funktionsnedsättning", "Ekonomiskt bistånd", "Stöd till anhöriga", "Hemtjänst",
            "Missbruk och beroende", "Våld i nära relationer"]


def landing(dated: bool = False) -> bytes:
    items = "".join(f"<li><a href='/omsorg/{i}/'>{name}</a>" + (f" <span>2023-05-{i + 1:02d}</span>" if dated else "")
                    + "</li>" for i, name in enumerate(SECTIONS))
    return page(f"<h1>Omsorg och stöd</h1><ul class='tiles'>{items}</ul>")


def test_a_section_landing_page_with_a_search_box_in_its_header_is_a_column_index():
    record = extract_page(landing(), f"{SITE}/omsorg/")
    assert record.page_type == "column_index", record.warnings
    assert any(w.startswith("page type column_index: the main content is") for w in record.warnings)


def test_dated_links_below_make_a_list():
    record = extract_page(landing(dated=True), f"{SITE}/omsorg/")
    assert record.page_type == "list", record.warnings
    assert any(w.startswith("page type list: the main content is") for w in record.warnings)


def test_a_page_whose_content_is_a_form_is_a_search_form():
    form = ("<h1>Ansök om bygglov</h1><form action='/e-tjanst/bygglov' method='post'><label>Namn <input name='namn'>"
            "</label><label>Fastighet <input name='fastighet'></label><textarea name='beskrivning'></textarea>"
            "<button>Skicka</button></form>")
    record = extract_page(page(form, "Ansök om bygglov"), f"{SITE}/bygga/ansok/")
    assert record.page_type == "search_form", record.warnings
    assert any("the main content is a form" in w for w in record.warnings)
    search = "<h1>Sök</h1><form action='/sok'><input name='q'><button>Sök</button></form>"
    assert extract_page(page(search, "Sök"), f"{SITE}/sok/").page_type == "search_form"


def test_an_article_with_a_search_box_and_related_links_stays_an_article():
    text = "".join(f"<p>Kommunen erbjuder hemtjänst till äldre som bor hemma. Stycke {i} om hur man ansöker.</p>"
                   for i in range(5))
    related = "<ul><li><a href='/omsorg/aldre/boende/'>Särskilt boende</a></li></ul>"
    record = extract_page(page(f"<h1>Hemtjänst</h1>{text}{related}", "Hemtjänst"), f"{SITE}/omsorg/aldre/hemtjanst/")
    assert record.page_type == "article", record.warnings


def test_chrome_is_the_header_nav_and_footer():
    tree = load_page(landing(), f"{SITE}/omsorg/").tree
    assert {el.tag for el in chrome_elements(tree)} == {"header", "footer"}


@pytest.mark.parametrize("url, below", [(f"{SITE}/omsorg/", True), (f"{SITE}/kultur/bibliotek/", False)])
def test_links_below_are_counted_from_the_page_url(url, below):
    loaded = load_page(landing(), url)
    sig = signals(loaded.tree, loaded.lines, url).structure()  # the content counts are read on demand
    assert sig.content_links == len(SECTIONS)
    assert mostly_links_below(sig) is below


def test_a_short_page_with_a_search_box_in_its_header_is_not_a_search_form():
    record = extract_page(page("<h1>Kontakt</h1><p>Ring kommunens kontaktcenter på 0123-45 67 89, vardagar 8-17.</p>",
                               "Kontakt"), f"{SITE}/kontakt/")
    assert record.page_type != "search_form", record.warnings


def test_a_search_query_url_is_a_search_even_with_result_links():
    results = "".join(f"<li><a href='/omsorg/{i}/'>{name}</a> 2023-05-0{i + 1}</li>" for i, name in enumerate(SECTIONS))
    record = extract_page(page(f"<h1>Sökresultat</h1><ul>{results}</ul>", "Sök"), f"{SITE}/omsorg/?q=hemtj%C3%A4nst")
    assert record.page_type == "search_form", record.warnings
    record = extract_page(page(f"<h1>Sökresultat</h1><ul>{results}</ul>", "Sök"), f"{SITE}/omsorg/?key=7")
    assert record.page_type == "list", record.warnings


def test_a_folder_page_of_entries_with_excerpts_is_a_list_even_with_a_date_header():
    entries = "".join(
        f"<li class='entry'><h2><a href='/nyheter/2026/05/post-{i}/'>Nyhet nummer {i} om kommunens arbete</a></h2>"
        f"<span class='date'>2026-05-0{i + 1}</span><p>Kort sammanfattning av nyheten nummer {i}.</p>"
        f"<a href='/nyheter/2026/05/post-{i}/'>Läs mer</a></li>" for i in range(4))
    head = "<p class='meta'>Publicerad: 2026-05-04</p>"
    record = extract_page(page(f"<h1>Nyheter</h1>{head}<ul>{entries}</ul>", "Nyheter"), f"{SITE}/nyheter/")
    assert record.page_type == "list", record.warnings
    assert "page type list: the main content is 4 entries linking below this folder, 4 dated" in record.warnings


def test_a_short_text_page_whose_links_are_all_chrome_is_an_article():
    text = "<h1>Historia</h1><p>Exempelstad grundades 1622. Stad sedan 1863.</p>"
    record = extract_page(page(text, "Historia"), f"{SITE}/om/historia/")
    assert record.page_type == "article", record.warnings


def short_article(title: str = "关于做好2024年春耕备耕工作的通知") -> bytes:
    body = "各乡镇人民政府，县直各有关单位：为切实做好春耕备耕工作，现将有关事项通知如下。请认真贯彻落实。"
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/index.php?m=content&c=index&a=lists&catid=2'>通知公告</a></div>"
            f"<h1>{title}</h1><div class='info'>发布日期：2024-03-01 来源：县农业农村局</div>"
            f"<div class='content'><p>{body}</p></div></body></html>").encode("utf-8")


@pytest.mark.parametrize("url", [
    "http://www.xian.example.gov.cn/index.php?m=content&c=index&a=show&catid=2&id=318",  # PHPCMS
    "http://www.xian.example.gov.cn/?p=3289",                                            # WordPress
    "http://www.xian.example.gov.cn/index.asp?id=77",
])
def test_an_item_asked_for_by_the_query_of_the_root_is_not_the_homepage(url):
    """The site root's index file with a query naming an item is that item, however short."""
    record = extract_page(short_article(), url)
    assert record.page_type == "article", record.warnings


@pytest.mark.parametrize("url", ["http://www.xian.example.gov.cn/", "http://www.xian.example.gov.cn/index.html",
                                 "http://www.xian.example.gov.cn/index.html?link=zwgk",
                                 "http://www.xian.example.gov.cn/index.jsp?lang=zh&utm_source=wechat"])
def test_the_root_asking_nothing_is_the_homepage(url):
    record = extract_page(short_article(), url)
    assert record.page_type == "homepage" and "page type homepage: homepage URL" in record.warnings


def dated_post(url_day: str = "2019/03/13") -> bytes:
    others = "".join(f"<li><a href='/{url_day[:7]}/{d:02d}/inlagg-nummer-{d}/'>Ett annat inlägg om kommunens "
                     f"arbete med äldreomsorg och hemtjänst, nummer {d}</a></li>" for d in range(1, 8))
    text = ("<p>Kommunen bygger ett nytt äldreboende i centrum. Bygget startar i april och beräknas vara klart "
            "hösten 2020.</p><p>Boendet får 40 lägenheter.</p>")
    return page(f"<article><h1>Nytt äldreboende</h1>{text}</article><ul class='related'>{others}</ul>",
                title="Nytt äldreboende")


def test_a_post_at_a_dated_permalink_is_an_article_whatever_links_its_year():
    """WordPress permalinks (/2019/03/13/title/) are items: the other posts of the year linked beside
    it do not make the post's folder URL a column."""
    record = extract_page(dated_post(), f"{SITE}/2019/03/13/nytt-aldreboende/")
    assert record.page_type == "article", record.warnings
    archive = extract_page(dated_post(), f"{SITE}/2019/03/")
    assert archive.page_type in ("list", "column_index"), archive.warnings  # the month's archive is a folder


def folder_article() -> bytes:
    prose = "".join(f"<p>第{i}条：各乡镇要按照县委、县政府的统一部署，认真做好春耕备耕各项工作，确保农资供应充足、价格稳定，"
                    f"切实保障粮食生产安全，并及时报送工作进展情况。</p>" for i in range(1, 10))
    related = "".join(f"<li><a href='/xwzx/zwdt/chungeng-{i}/'>县农业农村局召开第{i}次春耕备耕工作推进会议，部署下一阶段"
                      f"农资保障、技术指导和防灾减灾等重点工作任务</a></li>" for i in range(1, 15))
    return ("<html><head><meta charset='utf-8'><title>县政府部署春耕备耕工作</title></head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/xwzx/'>新闻中心</a></div>"
            "<div class='main'><h1>县政府部署春耕备耕工作</h1><div class='info'>发布日期：2024-03-01 来源：县政府办公室</div>"
            f"<div class='content'>{prose}</div><div class='related'><h3>相关新闻</h3><ul>{related}</ul></div>"
            "</div></body></html>").encode("utf-8")


def test_an_item_header_over_a_body_of_prose_is_an_article_at_a_folder_url():
    """A dated, sourced item with a real body stays an article though related items of its section
    are linked below it (a list never prints a publish date and source over 500 characters of prose)."""
    record = extract_page(folder_article(), "http://www.xian.example.gov.cn/xwzx/zwdt/chungeng-bushu/")
    assert record.page_type == "article", record.warnings
    assert (record.published, record.source) == ("2024-03-01", "县政府办公室")
