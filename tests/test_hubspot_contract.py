"""The HubSpot stand-in cannot drift into a HubSpot of our imagination.

Every request the product makes goes through HubSpot's official client (its User-Agent says so), hits a
path the client itself defines, and carries a body that is the client's own request model; every answer
the stand-in gives, errors included, deserializes into the client's own response model with no field
the model does not know.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import hubspot
import hubspot.crm.deals as deals_package
import hubspot.crm.owners as owners_package
import hubspot.crm.pipelines as pipelines_package
import pytest

from bot.integrations import BadToken, CrmError, DealWrite, NotFound
from bot.integrations.hubspot import HubSpotProvider
from tests.hubspot_contract import PACKAGES, check_exchange
from tests.hubspot_fixtures import hubspot_server, provider_for  # fixture
from tests.hubspot_stand_in import ROUTES, TOKEN, HubSpotStandIn, iso

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def stand_in(hubspot_server: HubSpotStandIn) -> HubSpotStandIn:
    hubspot_server.reset()
    hubspot_server.add_owner("501", "ada@example.com")
    return hubspot_server


def every_kind_of_exchange(stand_in: HubSpotStandIn, db) -> None:
    """What the product does with HubSpot, successes and failures alike."""
    provider = provider_for(stand_in, db)
    provider.ensure_key_property()
    provider.ensure_key_property()
    for number in range(250):
        stand_in.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    stand_in.archive_deal("1001")
    provider.owners()
    provider.stages()
    assert len(list(provider.changed_deals(None))) == 249
    assert provider.removed_deal_ids() == {"1001"}
    assert set(provider.read_deals(["1002", "1001"])) == {"1002"}
    assert set(provider.read_deals(["1002"])) == {"1002"}
    write = DealWrite("Made here", "contractsent", "501", 48000, date(2026, 12, 15), key="T1-1")
    made = provider.create_deal(write)
    provider.update_deal(made.id, write)
    assert provider.find_by_key("T1-1").id == made.id and provider.find_by_key("T1-2") is None
    assert provider.create_deal(write).id == made.id  # refused (409), then read by its key
    stand_in.fail_next(429, retry_after=1)
    stand_in.fail_next(500)
    provider.owners()
    with pytest.raises(NotFound):
        provider.update_deal("1001", write)
    stand_in.fail_next(503, method="POST")
    with pytest.raises(CrmError):
        provider.create_deal(write)
    with pytest.raises(BadToken):
        HubSpotProvider("pat-wrong", "default", host=stand_in.base_url).owners()
    client = hubspot.Client.create(access_token=TOKEN, host=stand_in.base_url)
    assert client.crm.pipelines.pipelines_api.get_by_id("deals", "default").id == "default"


def test_every_request_is_one_the_client_builds_and_every_answer_one_it_reads(stand_in, db):
    stand_in.fake_time()
    every_kind_of_exchange(stand_in, db)
    assert stand_in.violations == []
    statuses = set()
    for exchange in stand_in.exchanges:
        check_exchange(exchange)
        statuses.add((exchange.method, exchange.route[1], exchange.status))
    served = {(method, path) for method, path, _ in statuses}
    assert served == {(route[0], route[1]) for route in ROUTES}, "every route was exercised"
    assert {status for *_, status in statuses} >= {200, 201, 207, 401, 404, 409, 429, 500, 503}


def test_every_route_is_a_path_the_client_defines():
    for method, pattern, package_name, _, _ in ROUTES:
        source = "\n".join(
            inspect.getsource(module)
            for name, module in inspect.getmembers(PACKAGES[package_name].api, inspect.ismodule)
            if name.endswith("_api")
        )
        template = re.sub(r"\(\?P<id>[^)]*\)", "{ID}", pattern).replace("/?", "/")
        for typed in ("/pipelines/deals", "/properties/deals"):  # the client's {objectType}
            template = template.replace(typed, typed.rsplit("/", 1)[0] + "/{ID}")
        paths = re.findall(
            rf'"({re.escape(template).replace(re.escape("{ID}"), "{[a-zA-Z]+}")})",\s*"{method}"', source
        )
        assert paths, f"{method} {pattern} is not a path hubspot-api-client defines"


def test_the_product_talks_to_hubspot_only_through_the_client():
    raw_http = re.compile(r"^\s*(import|from)\s+(requests|httpx|aiohttp|http\.client|urllib\.request)\b", re.MULTILINE)
    # The sandbox plays Slack's side over HTTP (bot/sandbox), calendar feeds are plain HTTPS
    # (bot/integrations/calendar_feed.py); everything that reaches the CRM is checked.
    crm_code = [*(ROOT / "bot" / "integrations").rglob("hubspot*.py"), *(ROOT / "bot" / "services").rglob("crm_*.py")]
    for path in [*crm_code, *(ROOT / "storage").rglob("*.py")]:
        assert not raw_http.search(path.read_text()), f"{path} makes HTTP calls of its own"


def test_the_stand_in_writes_times_as_hubspot_does():
    from datetime import UTC, datetime

    assert iso(datetime(2026, 11, 23, 12, 0, 0, 123000, tzinfo=UTC)) == "2026-11-23T12:00:00.123Z"
