"""Checks that an exchange with the HubSpot stand-in is one HubSpot's official client makes and reads.

Used by tests/test_hubspot_contract.py and, after every test that talks to the stand-in, by the
`hubspot` fixture (tests/hubspot_fixtures.py), so no test can lean on a shape the client would not build.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import hubspot.crm.associations.v4 as associations_package
import hubspot.crm.companies as companies_package
import hubspot.crm.contacts as contacts_package
import hubspot.crm.deals as deals_package
import hubspot.crm.objects.calls as calls_package
import hubspot.crm.objects.meetings as meetings_package
import hubspot.crm.owners as owners_package
import hubspot.crm.pipelines as pipelines_package
import hubspot.crm.properties as properties_package
import hubspot.oauth as oauth_package

from tests.hubspot_stand_in import ERROR_MODEL, Exchange

PACKAGES = {
    "deals": deals_package,
    "owners": owners_package,
    "pipelines": pipelines_package,
    "properties": properties_package,
    "meetings": meetings_package,
    "calls": calls_package,
    "associations": associations_package,
    "contacts": contacts_package,
    "companies": companies_package,
    "oauth": oauth_package,
}
ROOT = Path(__file__).resolve().parents[1]
# hubspot-api-client types search `sorts` as strings, while HubSpot takes objects
# ({"propertyName", "direction"}); the client passes them through as given (hubspot-api-python#236).
UNTYPED_IN_THE_CLIENT = {"sorts"}


def client_of(package):
    return package.ApiClient(package.Configuration())


def as_model(package, model: str, body):
    return client_of(package).deserialize(SimpleNamespace(data=json.dumps(body)), model)


def unknown_fields(original, model, package) -> list[str]:
    """Fields of the JSON the model dropped (not in the client's schema): none may exist."""
    return list(_dropped(original, client_of(package).sanitize_for_serialization(model), ""))


def _dropped(original, kept, where: str):
    if isinstance(original, dict):
        for key, value in original.items():
            if key in UNTYPED_IN_THE_CLIENT:
                continue
            if not isinstance(kept, dict) or key not in kept:
                if value is not None:
                    yield f"{where}.{key}"
            else:
                yield from _dropped(value, kept[key], f"{where}.{key}")
    elif isinstance(original, list) and isinstance(kept, list):
        for index, (left, right) in enumerate(zip(original, kept, strict=False)):
            yield from _dropped(left, right, f"{where}[{index}]")


def check_exchange(exchange: Exchange, sample: int | None = None) -> None:
    """The request is the client's (User-Agent, known route, request model); the answer fits its model.
    With `sample`, long result lists are checked on their first items only (every item has one shape)."""
    assert exchange.route is not None, f"{exchange.method} {exchange.path} is no route the stand-in knows"
    assert exchange.headers["user-agent"].startswith("hubspot-api-client-python"), exchange.path
    _, _, package_name, request_model, response_models = exchange.route
    package = PACKAGES[package_name]
    if request_model:
        model = as_model(package, request_model, exchange.body)
        assert unknown_fields(exchange.body, model, package) == [], exchange.path
    if exchange.status in response_models and response_models[exchange.status] is None:
        assert exchange.response is None, f"{exchange.path} answered {exchange.status} with a body"
        return  # an answer with no body (204), as the client expects
    model_name = response_models.get(exchange.status) or ERROR_MODEL
    if model_name == ERROR_MODEL:
        assert exchange.status >= 400, f"{exchange.path} answered {exchange.status} with no model for it"
    response = exchange.response
    if sample and isinstance(response, dict) and isinstance(response.get("results"), list):
        response = {**response, "results": response["results"][:sample]}
    answer = as_model(package, model_name, response)
    assert unknown_fields(response, answer, package) == [], (exchange.path, exchange.status)
