"""WARC writing details: CDXJ keys the same as the surt package gives cdxj-indexer."""
import itertools
import random

import surt

from site_inventory.crawl.warc import _url_key

HOSTS = ["bench.example.gov.cn", "www.qingxi.gov.cn", "www2.a-b.gov.cn", "wwwx.gov.cn", "www.gov.cn", "x1.y2.com",
         "www-1.cn", "127.0.0.1", "xn--fiqs8s.cn", "Upper.gov.cn", "a.gov.cn:8080", "user@a.gov.cn"]
PATHS = ["/", "/p/1.html", "/A/B.HTML", "/a/", "/a/b/", "/a.b.c", "/-_./", "/col/col123/index_1.shtml", "/a/b.",
         "/a/.b", "/a//b", "/a/./b", "/a/../b", "/a/b/c/d/", "/%E6%96%B0.html", "/a?b=1&a=2", "/a;jsessionid=1",
         "/a b", "/~x/", "/x.aspx"]


def test_url_keys_match_surt_for_every_shape_of_url():
    urls = [f"{scheme}://{h}{p}" for scheme, h, p in itertools.product(("http", "https"), HOSTS, PATHS)]
    rng = random.Random(7)
    alphabet = "abXY09-_./%?=&"
    urls += ["http://" + rng.choice(HOSTS) + "/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
             for _ in range(5000)]
    assert [u for u in urls if _url_key(u) != surt.surt(u)] == []
