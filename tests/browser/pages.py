"""What the office's browser tests share: the window sizes, signing in, and a CSP watcher."""

from __future__ import annotations

from typing import Any

# The office's desk screen and a phone.
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}

# Counting a CSP violation in the page itself: the report has no console message of its own
# for every kind of violation, the event does.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def sign_in_office(
    context: Any, base: str, password: str = "demo-password-1", username: str = "office"
) -> Any:
    """A new page of ``context``, signed in (the demo's office user by default), on the
    office home."""
    page = context.new_page()
    page.goto(f"{base}/office/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office")
    return page
