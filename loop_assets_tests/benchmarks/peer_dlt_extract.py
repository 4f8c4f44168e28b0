"""Run by the peers venv: dlt's REST API source over the same sandbox endpoints, into its own DuckDB file.

Argument: one JSON object {url, database, pipelines_dir, stripe_key, zendesk_email, zendesk_token}; prints
one JSON object with the records landed and the seconds `pipeline.run` took. Imports nothing from `loop`.
"""

import json
import sys
import time

import dlt
import duckdb
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.rest_api import rest_api_source

STRIPE_LISTS = (("customers", {}), ("charges", {}), ("subscriptions", {"status": "all"}), ("invoices", {}),
                ("events", {}))


class StripeStartingAfter(BasePaginator):
    """Stripe lists: the next page starts after the last object's id, until has_more is false."""

    def __init__(self):
        super().__init__()
        self.starting_after = None

    def update_state(self, response, data=None):
        body = response.json()
        if body["has_more"] and body["data"]:
            self.starting_after = body["data"][-1]["id"]
        else:
            self._has_next_page = False

    def update_request(self, request):
        request.params = {**(request.params or {}), "starting_after": self.starting_after}


class ZendeskExport(BasePaginator):
    """Zendesk incremental exports: follow after_cursor (cursor exports) or end_time (time exports)."""

    def __init__(self, cursor_field, param):
        super().__init__()
        self.cursor_field, self.param, self.value = cursor_field, param, None

    def update_state(self, response, data=None):
        body = response.json()
        if body["end_of_stream"]:
            self._has_next_page = False
        else:
            self.value = body[self.cursor_field]

    def update_request(self, request):
        # The export's links are built from the host it saw, so the next page is rebuilt from the cursor.
        request.params = {self.param: self.value}


def stripe_source(url, key):
    return rest_api_source({
        "client": {"base_url": f"{url}/stripe/", "auth": BearerTokenAuth(key),
                   "headers": {"Stripe-Version": "2025-03-31.basil"}},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [{"name": f"stripe__{name}", "endpoint": {
            "path": f"v1/{name}", "params": {**params, "limit": 100}, "data_selector": "data",
            "paginator": StripeStartingAfter()}} for name, params in STRIPE_LISTS],
    }, name="stripe")


def zendesk_source(url, email, token):
    cursor = [{"name": f"zendesk__{name}", "endpoint": {
        "path": f"api/v2/incremental/{name}/cursor.json", "params": {"start_time": 0}, "data_selector": name,
        "paginator": ZendeskExport("after_cursor", "cursor")}} for name in ("tickets", "users")]
    timed = [{"name": "zendesk__organizations", "endpoint": {
        "path": "api/v2/incremental/organizations.json", "params": {"start_time": 0},
        "data_selector": "organizations", "paginator": ZendeskExport("end_time", "start_time")}}]
    return rest_api_source({
        "client": {"base_url": f"{url}/zendesk/", "auth": HttpBasicAuth(f"{email}/token", token)},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": cursor + timed,
    }, name="zendesk")


def main():
    args = json.loads(sys.argv[1])
    pipeline = dlt.pipeline(pipeline_name="bench_peer_extract", pipelines_dir=args["pipelines_dir"],
                            destination=dlt.destinations.duckdb(args["database"]), dataset_name="raw")
    sources = [stripe_source(args["url"], args["stripe_key"]),
               zendesk_source(args["url"], args["zendesk_email"], args["zendesk_token"])]
    started = time.perf_counter()
    pipeline.run(sources)
    seconds = time.perf_counter() - started
    with duckdb.connect(args["database"], read_only=True) as conn:
        # A second source may get a dataset of its own (raw_<source>); merge loads stage in raw*_staging.
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema like 'raw%' "
            "and table_schema not like '%staging' and table_name not like '\\_dlt%' escape '\\'").fetchall()
        top_level = [(s, t) for s, t in tables if t.count("__") == 1]
        records = sum(conn.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in top_level)
    print(json.dumps({"records": records, "seconds": seconds, "records_per_s": records / seconds,
                      "tables": len(tables)}))


if __name__ == "__main__":
    main()
