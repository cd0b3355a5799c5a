"""The office signs in, sees its home page, switches language and signs out, in Chromium."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from survey import demo


def test_office_sign_in_language_switch_and_sign_out(
    browser: Any, live_server: str, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/office")
    assert page.url.startswith(f"{live_server}/office/login")
    assert page.locator("h1").inner_text() == "考核办登录"

    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误。"
    errors.clear()  # the browser logs the expected 400 of the refused sign-in

    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")
    assert "云江市2026年度综合考核" in page.content()
    assert page.locator("text=社会民生类部门").count() == 1

    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Yunjiang 2026 comprehensive evaluation" in page.content()
    assert "Social and livelihood departments" in page.content()

    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_server}/office/login")
    page.goto(f"{live_server}/office")
    assert page.url.startswith(f"{live_server}/office/login")
    # The vendored htmx loads and runs under the strict CSP without console errors.
    assert page.evaluate("typeof window.htmx") == "object"
    assert errors == []
    page.close()
