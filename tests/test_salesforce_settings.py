"""An operator configures Salesforce from the environment, is told in one line what is wrong, never sees a
Salesforce secret in a log, and a workspace admin sees the Salesforce sync in Slack."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.redaction import redact
from bot.services.crm_push import run_sync
from bot.settings import Settings, SettingsError, load_settings
from tests.salesforce_fixtures import provider_for, salesforce, salesforce_server, sf_bot  # fixtures
from tests.salesforce_stand_in import TOKEN


def settings(**values) -> Settings:
    return load_settings(_env_file=None, slack_bot_token="xoxb-test", slack_signing_secret="secret", **values)


def test_salesforce_is_the_followed_crm_once_its_settings_are_complete():
    chosen = settings(salesforce_instance_url="https://acme.my.salesforce.com", salesforce_access_token=TOKEN,
                      salesforce_stage_map="Signed=won")  # fmt: skip
    assert (chosen.crm_enabled, chosen.crm_provider, chosen.crm_stage_map) == (True, "salesforce", {"Signed": "Won"})
    assert settings(salesforce_username="a@b.c", salesforce_password="pw", salesforce_security_token="t").crm_enabled


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"salesforce_access_token": TOKEN}, "SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN go together"),
        ({"salesforce_username": "a@b.c", "salesforce_password": "pw"}, "go together: set all three"),
        ({"hubspot_access_token": "pat-na1-x", "salesforce_username": "a@b.c", "salesforce_password": "p",
          "salesforce_security_token": "t"}, "not both"),
        ({"salesforce_instance_url": "acme.my.salesforce.com", "salesforce_access_token": TOKEN}, "http(s) URL"),
        ({"salesforce_api_share": "1.5"}, "less than or equal to 1"),
    ],
)  # fmt: skip
def test_a_half_configured_salesforce_is_refused_saying_what_to_set(values, said):
    with pytest.raises(SettingsError) as refused:
        settings(**values)
    assert said in str(refused.value) and "\n" not in str(refused.value)


def test_salesforce_sessions_and_logins_never_reach_a_log():
    soap = "<result><sessionId>00D5g000004Abcd!AQ4AQFakeSessionValue</sessionId></result>"
    assert "FakeSessionValue" not in redact(soap)
    assert TOKEN not in redact(f"Authorization: OAuth {TOKEN} refused")
    assert "s3cr3t-token" not in redact("security_token=s3cr3t-token&username=ada")


def test_an_admin_sees_the_salesforce_sync_in_slack(sf_bot, salesforce):
    salesforce.add_opportunity("Acme", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    run_sync(sf_bot.services, sf_bot.clock(), provider=provider_for(sf_bot))
    sf_bot.slack.admins.add("U9")

    sf_bot.command("admin crm", user="U9")

    shown = json.dumps(sf_bot.last_reply()["blocks"], ensure_ascii=False)
    assert "*The CRM sync* (Salesforce)" in shown and "Signed (Signed) -&gt; Won" in shown
    assert "SALESFORCE_STAGE_MAP overrides" in shown and "HubSpot" not in shown
