"""A store manager imports customers from the old system's file: upload, the guessed
mapping, the dry run's row-by-row report, the commit; at phone and desktop widths."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from dealer_saas import xlsx

from .conftest import horizontal_overflow, login, menu_link


def test_store_manager_imports_customers(page, tmp_path):
    marker = uuid.uuid4().hex[:6]
    number = int(marker, 16) % 10**8
    rows = [
        ["客户姓名", "手机号码", "客户来源"],
        [f"导入{marker}", f"137{number:08d}", "到店"],
        [f"坏号{marker}", "12345", ""],
    ]
    path = tmp_path / "old.csv"
    path.write_bytes(xlsx.csv_bytes(rows))
    login(page, "gz01.manager")
    menu_link(page, "数据导入").click()
    page.wait_for_url("**/admin/data/import")
    assert horizontal_overflow(page) == 0
    page.select_option("#entity", "customers")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="上传并核对列").click()
    page.wait_for_url("**/admin/data/import/*")
    expect(page.locator("#columns-0")).to_have_value("name")
    expect(page.locator("#columns-1")).to_have_value("mobile")
    page.check("#skip_rejected")
    page.get_by_role("button", name="试导入（不保存）").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("12345")
    expect(page.locator("[data-testid=import-counts]")).to_contain_text("1")
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="提交导入").click()
    expect(page.locator("#import-batch")).to_contain_text("已导入")
    page.goto(f"/customers/?q=导入{marker}")
    expect(page.locator("body")).to_contain_text(f"导入{marker}")
    assert not page.server_errors, page.server_errors
    assert not page.js_errors, page.js_errors
