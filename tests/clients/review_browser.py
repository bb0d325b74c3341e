"""The review page in a real browser: Debian's Chromium, headless, driven through ChromeDriver
by selenium (from PyPI). Run by tests/e2e_review.rs with:
  ZOPILOT_SIGNIN_URL   a one-time sign-in link (zopilot open --print)
  ZOPILOT_BASE_URL     the daemon, ZOPILOT_API_KEY its key (must not appear in the page)
  REVIEW_DOC_ID        the document to edit and approve
  REVIEW_VENDOR, REVIEW_ACCOUNT   the corrections to make (vendor; account of line 1)
  REVIEW_SCREENSHOT    where to save a screenshot of the document screen (PNG)
Prints a JSON summary; any failed check raises.
"""
import json
import os
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

env = os.environ
doc_id = env["REVIEW_DOC_ID"]

opts = webdriver.ChromeOptions()
opts.binary_location = env.get("CHROMIUM", "/usr/bin/chromium")
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--no-first-run", "--disable-quic", f"--user-data-dir={tempfile.mkdtemp()}"]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service(env.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)
wait = WebDriverWait(driver, 60)
out = {}
try:
    # Sign in through the one-time link: redirected to the app, the token gone from the URL.
    driver.get(env["ZOPILOT_SIGNIN_URL"])
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#doc-rows tr")) >= 3)
    assert "token=" not in driver.current_url, driver.current_url
    assert env["ZOPILOT_API_KEY"] not in driver.page_source, "the API key is in the page"
    out["progress"] = driver.find_element(By.ID, "progress").text
    cookies = {c["name"]: c for c in driver.get_cookies()}
    session = cookies["zopilot_session"]
    assert session["httpOnly"] and session.get("sameSite") == "Strict", session
    assert driver.execute_script("return document.cookie") == "", "the session cookie is readable by scripts"

    # Open the document, wait for its page image, screenshot.
    driver.find_element(By.CSS_SELECTOR, f'#doc-rows tr[data-id="{doc_id}"]').click()
    wait.until(lambda d: d.find_element(By.ID, "doc").is_displayed())
    wait.until(lambda d: d.execute_script("const i = document.getElementById('page-img'); return i.complete && i.naturalWidth > 0"))
    party = driver.find_element(By.ID, "fld-party")
    party.click()  # focus shows the field's provenance box on the page
    out["boxes"] = len(driver.find_elements(By.CSS_SELECTOR, "#boxes .box"))
    driver.save_screenshot(env["REVIEW_SCREENSHOT"])
    out["read_vendor"] = party.get_attribute("value")

    # Edit the vendor and line 1's account, then approve with the keyboard.
    party.clear()
    party.send_keys(env["REVIEW_VENDOR"])
    account = driver.find_element(By.ID, "line-1-account")
    out["read_account"] = account.get_attribute("value")
    account.clear()
    account.send_keys(env["REVIEW_ACCOUNT"])
    account.send_keys(Keys.ESCAPE)  # leaves the field: the page's keys work again
    driver.find_element(By.TAG_NAME, "body").send_keys("a")
    wait.until(lambda d: "Approved" in d.find_element(By.ID, "message").text)
    out["message"] = driver.find_element(By.ID, "message").text

    # Reload: the document is approved and shows the edits.
    driver.refresh()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#doc-rows tr")) >= 3)
    driver.find_element(By.CSS_SELECTOR, f'#doc-rows tr[data-id="{doc_id}"]').click()
    wait.until(lambda d: d.find_element(By.ID, "doc").is_displayed())
    wait.until(lambda d: "approved" in d.find_element(By.ID, "doc-status").text)
    out["status_line"] = driver.find_element(By.ID, "doc-status").text
    out["vendor_after"] = driver.find_element(By.ID, "fld-party").get_attribute("value")
    out["account_after"] = driver.find_element(By.ID, "line-1-account").get_attribute("value")

    # The cookie alone cannot change anything without the session's CSRF token.
    out["stale_csrf"] = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/documents/%s/reject', {method: 'POST', credentials: 'same-origin',
            headers: {'X-CSRF-Token': 'stale', 'Content-Type': 'application/json'}, body: '{}'})
          .then(r => done(r.status), e => done(String(e)));""" % doc_id)
    out["no_cookie"] = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/documents', {credentials: 'omit'}).then(r => done(r.status), e => done(String(e)));""")
    print(json.dumps(out))
finally:
    driver.quit()
