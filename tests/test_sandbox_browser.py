"""The sandbox in a real browser (tests/sandbox_browser.py): the demo opens on Maya's DM, she answers a
reflection, opens a deal, meets the form's errors, logs time, looks at Home (and Dana's, with her team),
moves the clock to the next working morning and snoozes the nudge that arrives; long lines wrap.

Without Chromium this skips with a reason; COACH_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import json

from bot.sandbox import web_api
from bot.sandbox.people import CHANNEL_ID, MAYA
from tests.sandbox_browser import Page, browser
from tests.sandbox_corpus import payloads
from tests.sandbox_fixtures import page_call, sandbox

__all__ = ["browser", "sandbox"]  # the fixtures


def test_a_rep_tries_the_whole_product_in_a_browser(sandbox, browser):
    browser.get(sandbox.url)
    page = Page(browser)
    page.text_appears("#title", "Pipeline Coach")  # the demo's story starts in Maya's DM with the coach
    page.text_appears(".message", "Your weekly reflection")
    answers = len(browser.find_elements(page.by.XPATH, "//*[contains(@class,'message')]//button[.='Answer']"))
    page.click(".message .bk-button", "Answer")
    page.find("#modal textarea").send_keys("Bring Dana into the Globex exec call.")
    page.click("[data-role=submit]", "Save")
    answered = page.text_appears(".message", "Bring Dana into the Globex exec call.")
    assert not answered.find_elements(page.by.CSS_SELECTOR, ".bk-button"), "the answer replaces its button"
    page.wait.until(
        lambda d: (
            len(d.find_elements(page.by.XPATH, "//*[contains(@class,'message')]//button[.='Answer']")) == answers - 1
        ),
        "one reflection left to answer",
    )
    page.click(".nav-item", "sales-wins")
    page.text_appears(".message", "opened a new opportunity")

    page.find("#compose-input").send_keys("/opportunity l")
    page.text_appears("#hints .hint", "/opportunity list")
    page.find("#compose-input").clear()
    page.type("/opportunity new Acme 40k")
    page.text_appears(".message:not(.ephemeral)", "Acme")
    page.text_appears(".message.ephemeral", "Only visible to you")
    page.shot("channel")

    page.type("/opportunity")
    page.find("#modal .bk-text-input")
    page.click("[data-role=submit]", "Open it")
    error = page.text_appears("[data-block-id=name] .bk-error", "")
    assert error.text, "the missing name is explained beside the field"
    page.shot("modal")
    page.click("[data-role=cancel]", "Cancel")
    page.wait.until(lambda d: not d.find_element(page.by.ID, "modal-backdrop").is_displayed())

    page.type("/opportunity log acme 7h proposal prep")
    page.text_appears(".message.ephemeral", "Logged 7h")

    page.click(".nav-item", "Pipeline Coach")
    page.click("#tab-home", "Home")
    page.text_appears("#home .bk-header", "")
    page.text_appears("#home .bk-button", "New opportunity")
    page.shot("home")
    page.click(".person", "Dana Brooks")
    page.wait.until(lambda d: "Globex" not in d.find_element(page.by.ID, "home").text, "Dana sees her own Home")
    page.text_appears("#home", "Your team this week")  # a manager's Home opens on her team
    page.text_appears("#home", "@Maya Okafor")
    page.text_appears("#home .bk-button", "New opportunity")
    page.click(".person", "Maya Okafor")
    page.text_appears("#home", "Globex")

    page.click("#tab-messages", "Messages")
    page.click(".nav-item", "sales-wins")
    page.next_morning("Mon 23 Nov", "Maya got a nudge.")
    page.click(".nav-item.unread", "Pipeline Coach")
    nudge = page.text_appears(".message", "Snooze a week")
    assert nudge.find_elements(page.by.CSS_SELECTOR, ".bk-actions .bk-button")
    page.shot("dm-nudge")
    page.click(".message .bk-button", "Snooze a week")
    page.text_appears(".message", "Snoozed until")
    page.next_morning("Tue 24 Nov", "Nothing new for Maya: Maya snoozed the coach until")
    assert browser.execute_script("return window.__renderFailures || []") == []


def test_a_late_answer_for_the_last_person_never_replaces_the_page_of_the_one_chosen(sandbox, browser):
    """Clicking from one person to another while the page still waits on the first person's state: that
    answer, arriving last, is not drawn (Maya's Home stays Maya's, not Dana's)."""
    browser.get(sandbox.url)
    page = Page(browser)
    page.click(".nav-item", "Pipeline Coach")
    page.click("#tab-home", "Home")
    page.text_appears("#home", "Globex")
    browser.execute_script(
        """
        const fetchNow = window.fetch.bind(window);
        window.__late = { held: 0, delivered: 0 };
        window.fetch = (path, options) => {
          const answer = fetchNow(path, options);
          if (!String(path).includes("/sandbox/state?user=U0DANA")) return answer;
          window.__late.held += 1;
          return answer.then((response) => new Promise((done) => setTimeout(() => {
            done(response);
            setTimeout(() => { window.__late.delivered += 1; }, 0);  // after the page has handled it
          }, 1500)));
        };
        """
    )
    page.click(".person", "Dana Brooks")
    page.click(".person", "Maya Okafor")
    page.text_appears("#home", "Globex")
    page.wait.until(
        lambda d: d.execute_script("return window.__late.held > 0 && window.__late.delivered === window.__late.held"),
        "every delayed answer for Dana has arrived",
    )
    assert "Globex" in page.find("#home").text and "Maya Okafor" in page.find(".person.active").text


def test_a_5000_character_line_wraps_as_slack_wraps_it(sandbox, browser):
    """A word longer than the line, typed by a person or sent by the app in a section or its fields, breaks
    where it must: the conversation never scrolls sideways."""
    browser.get(sandbox.url)
    page = Page(browser)
    page.click(".nav-item", "sales-wins")
    page_call(sandbox, "/sandbox/say", {"user": MAYA.id, "channel": CHANNEL_ID, "text": "x" * 5000})
    fields = [{"type": "mrkdwn", "text": "z" * 1900}, {"type": "plain_text", "text": "w" * 1900}]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 2900}, "fields": fields}]
    auth = {"Authorization": f"Bearer {sandbox.workspace.token}"}
    posted = web_api.answer(
        sandbox.workspace, "chat.postMessage", {"channel": CHANNEL_ID, "text": "y", "blocks": blocks}, auth
    )
    assert posted["ok"], posted
    page.text_appears(".message", "xxxxxxxxxx")
    page.text_appears(".message .bk-field", "wwwwwwwwww")
    widths = browser.execute_script(
        "const list = document.getElementById('messages');"
        "return [list.scrollWidth, list.clientWidth, document.documentElement.scrollWidth, window.innerWidth];"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3], f"the page is pushed sideways: {widths}"
    page.shot("long-line")


def test_every_message_and_view_the_bot_built_renders_in_the_page(sandbox, browser):
    """The renderer draws each payload without a failure box, and an unknown block is a visible failure."""
    browser.get(sandbox.url)
    Page(browser).find(".message")
    script = """
        const root = document.createElement('div');
        root.appendChild(BlockKit.render(arguments[0], {people: {}, channels: {}, act: () => {}, errors: {}}));
        return [root.querySelectorAll('.bk-unknown').length, root.innerText.trim().length];
    """
    for where, blocks in payloads(sandbox):
        failures, shown = browser.execute_script(script, json.loads(json.dumps(blocks)))
        assert failures == 0, f"the page could not draw {where}"
        assert shown > 0, f"{where} rendered blank"
    failures, _ = browser.execute_script(script, [{"type": "rich_text_unknown"}])
    assert failures == 1, "an element the page does not know is shown as a failure, not a blank"


def test_mrkdwn_and_each_element_render_as_slack_shows_them(sandbox, browser):
    browser.get(sandbox.url)
    Page(browser).find(".message")
    html = browser.execute_script(
        "return BlockKit.mrkdwn(arguments[0], {people: {U0MAYA: {real_name: 'Maya Okafor'}}, channels: {}})",
        "*bold* _it_ ~gone~ `a*b*c` <https://example.test/x|the link> <@U0MAYA> :tada: "
        "&lt;b&gt;hi&lt;/b&gt; <javascript:alert(1)|no>",
    )
    for expected in ("<b>bold</b>", "<i>it</i>", "<s>gone</s>", '<code class="bk-code">a*b*c</code>', "@Maya Okafor"):
        assert expected in html
    assert '<a href="https://example.test/x" target="_blank" rel="noopener">the link</a>' in html
    assert "🎉" in html and "&lt;b&gt;hi&lt;/b&gt;" in html, "emoji drawn; escaped text stays text"
    assert html.count("<a ") == 1, "only http(s) and mailto links become links"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Head &amp; shoulders"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Body"},
            "fields": [{"type": "mrkdwn", "text": "*One*"}, {"type": "plain_text", "text": "Two"}],
            "accessory": {
                "type": "overflow",
                "action_id": "menu",
                "options": [
                    {"text": {"type": "plain_text", "text": "Change stage"}, "value": "stage:1"},
                    {"text": {"type": "plain_text", "text": "Mark won"}, "value": "won:1"},
                ],
            },
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go", "style": "primary"},
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [{"text": {"type": "plain_text", "text": "Discovery"}, "value": "Discovery"}],
                },
                {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-15"},
            ],
        },
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "Acme"},
        },
    ]
    drawn = browser.execute_script(
        """
        const root = BlockKit.render(arguments[0], {people: {}, channels: {}, act: () => {}, errors: {name: 'Needed'}});
        const q = (css) => root.querySelector(css);
        return {
          header: q('.bk-header').innerText, fields: root.querySelectorAll('.bk-field').length,
          menu: root.querySelectorAll('.bk-menu-item').length, divider: !!q('.bk-divider hr'),
          context: q('.bk-context').innerText, primary: q('.bk-button.bk-primary').innerText,
          options: q('select').options.length, date: q('input[type=date]').value,
          error: q('[data-block-id=name] .bk-error').innerText, state: BlockKit.state(root),
          failures: root.querySelectorAll('.bk-unknown').length,
        };
        """,
        blocks,
    )
    assert drawn["header"] == "Head & shoulders" and drawn["fields"] == 2 and drawn["menu"] == 2
    assert drawn["divider"] and drawn["context"] == "small print" and drawn["primary"] == "Go"
    assert drawn["options"] == 2 and drawn["date"] == "2026-12-15" and drawn["error"] == "Needed"
    assert drawn["state"] == {"name": {"value": {"type": "plain_text_input", "value": "Acme"}}}
    assert drawn["failures"] == 0
