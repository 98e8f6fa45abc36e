"""Parts from the old system's spreadsheet: an XLSX built here is uploaded, the dry run reports
row by row (one bad row with its reason), the commit imports the good rows and the part is
in the parts list; at phone and desktop widths. The store manager imports: the import
(``admin.import``) is a manager's tool, parts clerks hold ``parts.manage`` only."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from dealer_saas import xlsx

from .conftest import horizontal_overflow, login, menu_link


def test_parts_import_dry_run_reports_the_bad_row_then_commits(page, tmp_path):
    marker = uuid.uuid4().hex[:6].upper()
    rows = [
        ["配件编码", "配件名称", "库存数量", "平均成本", "销售价"],
        [f"IMP-{marker}", f"导入滤芯{marker}", "12", "35.50", "68"],
        [f"BAD-{marker}", f"坏行{marker}", "很多", "10", "20"],
    ]
    path = tmp_path / "parts.xlsx"
    path.write_bytes(xlsx.xlsx_bytes(rows, title="配件"))
    login(page, "gz01.manager")
    menu_link(page, "数据导入").click()
    page.wait_for_url("**/admin/data/import")
    page.select_option("#entity", "parts")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="上传并核对列").click()
    page.wait_for_url("**/admin/data/import/*")
    expect(page.locator("#columns-0")).to_have_value("code")
    expect(page.locator("#columns-2")).to_have_value("on_hand")
    page.check("#skip_rejected")
    page.get_by_role("button", name="试导入（不保存）").click()
    report = page.locator("#import-report")
    # row by row: the bad row named with its reason, the good one to be created
    expect(report).to_contain_text(f"BAD-{marker}")
    expect(report).to_contain_text("很多")
    expect(report).to_contain_text("不是数量")
    expect(page.locator("[data-testid=import-counts]")).to_contain_text("1")
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="提交导入").click()
    expect(page.locator("#import-batch")).to_contain_text("已导入")

    page.goto(f"/parts/?q=IMP-{marker}")
    expect(page.locator("body")).to_contain_text(f"导入滤芯{marker}")
    page.goto(f"/parts/?q=BAD-{marker}")
    expect(page.locator("body")).not_to_contain_text(f"坏行{marker}")
    assert horizontal_overflow(page) == 0
    assert not page.server_errors, page.server_errors
    assert not page.js_errors, page.js_errors
