"""The HubSpot provider: paging past the search cap, HubSpot's limits honoured, failures named plainly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.integrations import BadToken, CrmError, CrmStage, DealWrite
from bot.integrations.hubspot import KEY_PROPERTY, HubSpotProvider
from bot.rules.crm_stages import reverse_map, stage_map
from tests.hubspot_fixtures import hubspot_server  # fixture
from tests.hubspot_fixtures import provider_for as paced
from tests.hubspot_stand_in import TOKEN, HubSpotStandIn

OURS = ("Prospecting", "Discovery", "Proposal", "Negotiation")


@pytest.fixture
def stand_in(hubspot_server: HubSpotStandIn, db) -> Iterator[HubSpotStandIn]:
    hubspot_server.reset()
    hubspot_server.fake_time()
    hubspot_server.db = db
    yield hubspot_server
    assert hubspot_server.violations == []


def provider_for(stand_in, sleeps=None, token=TOKEN, pipeline="default") -> HubSpotProvider:
    return paced(stand_in, stand_in.db, sleeps if sleeps is not None else [], token=token, pipeline=pipeline)


def test_every_deal_is_read_once_in_order_even_past_the_10000_result_search_cap(stand_in):
    for number in range(10_450):
        stand_in.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy")
    provider = provider_for(stand_in)

    deals = list(provider.changed_deals(None))

    assert len(deals) == len({deal.id for deal in deals}) == 10_450
    assert [deal.modified_at for deal in deals] == sorted(deal.modified_at for deal in deals)
    searches = stand_in.of("POST", "/crm/v3/objects/deals/search")
    assert all(int(x.body.get("after") or 0) + x.body["limit"] <= 10_000 for x in searches)
    assert len(searches) == 50 + 3  # 50 pages up to the cap, then the search starts again from the last change


def test_a_rate_limit_is_waited_out_for_as_long_as_retry_after_says(stand_in):
    sleeps: list[float] = []
    stand_in.fail_next(429, retry_after=3)
    provider_for(stand_in, sleeps).owners()
    assert sleeps == [3.0] and len(stand_in.of("GET", "/crm/v3/owners")) == 2


def test_server_errors_are_retried_with_a_bounded_backoff(stand_in):
    sleeps: list[float] = []
    for _ in range(3):
        stand_in.fail_next(500)
    provider_for(stand_in, sleeps).owners()
    assert sleeps == [0.2, 0.4, 0.8]

    for _ in range(4):
        stand_in.fail_next(503)
    with pytest.raises(CrmError, match="503"):
        provider_for(stand_in).owners()


def test_a_create_is_never_blindly_retried_because_its_first_try_may_have_landed(stand_in):
    provider = provider_for(stand_in)
    provider.ensure_key_property()
    stand_in.fail_next(500, method="POST", after_applying=True)
    write = DealWrite("Acme", "qualifiedtobuy", None, 10, None, key="T1-7")
    with pytest.raises(CrmError):
        provider.create_deal(write)
    [made] = stand_in.live_deals()
    assert provider.find_by_key("T1-7").id == made.id and provider.find_by_key("T1-8") is None
    assert provider.create_deal(write).id == made.id, "HubSpot refuses the key twice: the first deal is ours"
    assert len(stand_in.live_deals()) == 1


def test_our_key_property_is_made_once_unique_and_hidden(stand_in):
    provider_for(stand_in).ensure_key_property()
    provider_for(stand_in).ensure_key_property()
    made = stand_in.of("POST", "/crm/v3/properties/deals")
    assert len(made) == 1 and made[0].body["hasUniqueValue"] is True and made[0].body["name"] == KEY_PROPERTY


def test_a_bad_token_is_one_clear_error_and_is_not_retried(stand_in):
    with pytest.raises(BadToken, match="HUBSPOT_ACCESS_TOKEN"):
        provider_for(stand_in, token="pat-expired").owners()
    assert len(stand_in.exchanges) == 1


def test_the_pipeline_is_found_by_label_too_and_a_wrong_one_says_which_setting(stand_in):
    assert provider_for(stand_in, pipeline="sales pipeline").stages()[0].id == "appointmentscheduled"
    with pytest.raises(CrmError, match="HUBSPOT_PIPELINE"):
        provider_for(stand_in, pipeline="Renewals").stages()


def test_closed_won_and_lost_come_from_hubspots_metadata_not_the_labels(stand_in):
    stages = provider_for(stand_in).stages()
    assert [(s.id, s.won, s.lost) for s in stages if s.closed] == [
        ("closedwon", True, False),
        ("closedlost", False, True),
    ]
    renamed = [CrmStage("s1", "Signed!", 0, True, True, False), CrmStage("s2", "Talking", 1, False, False, False)]
    assert stage_map(renamed, OURS, {}) == {"s1": "Won", "s2": "Prospecting"}


def test_stages_map_by_position_unless_named_alike_and_the_setting_overrides_them(stand_in):
    stages = provider_for(stand_in).stages()
    mapping = stage_map(stages, OURS, {"Contract Sent": "Proposal"})
    assert mapping == {
        "appointmentscheduled": "Prospecting",
        "qualifiedtobuy": "Discovery",
        "presentationscheduled": "Proposal",
        "contractsent": "Proposal",
        "closedwon": "Won",
        "closedlost": "Lost",
    }
    back = reverse_map(stages, mapping, OURS)
    assert back["Negotiation"] == "presentationscheduled" and back["Won"] == "closedwon"


def test_what_we_write_is_the_deal_as_hubspot_stores_it(stand_in):
    provider = provider_for(stand_in)
    made = provider.create_deal(DealWrite("Acme", "contractsent", "501", 48000, date(2026, 12, 15)))
    [deal] = provider.read_deals([made.id]).values()
    assert (deal.name, deal.amount, deal.stage_id, deal.owner_id, deal.close_date) == (
        "Acme",
        "48000",
        "contractsent",
        "501",
        date(2026, 12, 15),
    )
