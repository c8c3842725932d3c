"""The review app in Debian's chromium (Playwright): a planner's session, then what the CLI sees."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner

from mappings.rules import load_rules
from migrate.cli import cli

from conftest import CHROMIUM_ARGS, SITE, chromium_or_skip

pytestmark = pytest.mark.browser


def cli_json(ws, *args):
    result = CliRunner().invoke(cli, ["-w", str(ws.path), *args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def rule_for(ws, path):
    return next(r for r in load_rules(ws.db) if r.site_code == SITE and r.match == "column" and r.pattern == path)


def test_a_planner_reviews_a_site_and_the_cli_sees_it(review, tmp_path):
    chromium = chromium_or_skip()
    pytest.importorskip("playwright.sync_api", reason="playwright (pip, the test extras) is not installed")
    from playwright.sync_api import expect, sync_playwright

    running, ws, _ = review
    pending_before = len([r for r in load_rules(ws.db) if r.status == "suggested"])
    planned_before = dict(ws.db.execute("SELECT old_url, status FROM redirects WHERE site_code = ?", [SITE]).fetchall())
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(running.url)
        expect(page.locator("table.sites tbody tr")).to_have_count(6)
        page.get_by_role("link", name="青溪县城关镇人民政府").click()
        expect(page.locator("h1")).to_contain_text("青溪县城关镇人民政府")
        page.get_by_role("link", name="栏目映射审核").click()
        expect(page.locator("#check ul.problems")).to_contain_text("pending_suggestions")  # map check, fetched by the script

        # accept a pending suggestion
        row = page.locator("#columns tbody tr.pending").filter(has=page.locator("button.accept")).first
        accepted_path = row.get_attribute("data-path")
        row.locator("button.accept").click()
        expect(page.locator(".flash.ok")).to_be_visible()
        expect(page.locator(f'#columns tr[data-path="{accepted_path}"] .st-accepted')).to_be_visible()

        # change a target with the tree picker
        row = page.locator('#columns tbody tr[data-path="政务公开 > 通知公告"]')
        row.locator("button.pick").click()
        expect(page.locator("#picker")).to_be_visible()
        page.fill("#picker-filter", "政策解读")
        expect(page.locator("#picker .picker-list li:visible")).to_have_count(2)  # 解读回应 > 政策解读
        expect(page.locator("#picker .picker-list li.context")).to_have_text(re.compile("解读回应"))
        match = page.locator("#picker .picker-list li.match")
        expect(match).to_have_count(1)
        target_id = match.locator("button").get_attribute("data-id")
        match.locator("button").click()
        expect(page.locator(".flash.ok")).to_be_visible()
        expect(page.locator('#columns tr[data-path="政务公开 > 通知公告"] .target')).to_contain_text("政策解读")

        # an item's old page (replayed from the WARC) beside its new page (the preview)
        page.goto(running.url + f"redirects?site={SITE}&f=301")
        page.locator("table.redirects tbody tr").filter(has_text="migrated item").locator("a.compare").first.click()
        title = page.locator("h1").inner_text()
        for frame in ("旧页面", "新页面"):
            expect(page.frame_locator(f'iframe[title="{frame}"]').locator("body")).to_contain_text(title)

        # override two redirects (one at a time), then undo the second
        page.goto(running.url + f"redirects?site={SITE}&f=410")
        boxes = page.locator("input[name=old_url]")
        first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
        for url, target in ((first, "http://www.qingxi.example.gov.cn/kept.html"),
                            (second, "http://www.qingxi.example.gov.cn/undone.html")):
            page.locator(f'input[name=old_url][value="{url}"]').check()
            page.fill("input[name=target]", target)
            page.locator("#override").click()
            expect(page.locator(".flash.ok")).to_be_visible()
        expect(page.locator("span.override")).to_have_count(2)
        page.locator("#undo").click()
        expect(page.locator(".flash.ok")).to_contain_text("撤销")
        expect(page.locator("span.override")).to_have_count(1)
        expect(page.locator("section.log")).to_contain_text("已撤销")
        browser.close()
    # the old page's own scripts are refused by the sandbox, as they should be; nothing else fails
    assert [m for m in problems if not ("Blocked script execution" in m and "/archive/" in m)] == []

    # what the CLI sees
    assert rule_for(ws, accepted_path).status == "accepted"
    check = json.loads(cli_json(ws, "map", "check", "--json"))
    pending = [p for p in check["problems"] if p["code"] == "pending_suggestions"]
    assert pending_before - 1 == (int(pending[0]["message"].split()[0]) if pending else 0)
    cli_json(ws, "map", "export", str(tmp_path / "rules.yaml"))
    exported = yaml.safe_load((tmp_path / "rules.yaml").read_text(encoding="utf-8"))
    rows = exported["rules"] if isinstance(exported, dict) else exported
    notices = [r for r in rows if r.get("site_code") == SITE and r["pattern"] == "政务公开 > 通知公告"]
    assert notices[0]["target_id"] == target_id and notices[0]["status"] == "accepted"
    cli_json(ws, "redirects", "plan", SITE)
    planned = dict(ws.db.execute("SELECT old_url, status || ' ' || coalesce(target, '') FROM redirects "
                                 "WHERE site_code = ?", [SITE]).fetchall())
    assert planned[first] == "301 http://www.qingxi.example.gov.cn/kept.html"
    assert planned[second] == f"{planned_before[second]} " and planned_before[second] == 410
