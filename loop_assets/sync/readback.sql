-- Rows whose app record (temp view sync_app(key, record, extracted_at)) was extracted after the loop's
-- last confirmed push: the app's values can be compared with what the loop pushed. $paths picks the
-- record's top-level fields the sync writes.
select
    changes.key,
    changes.change,
    changes.payload,
    changes.payload_hash,
    changes.delivered_payload,
    changes.attempts,
    changes.dead_lettered,
    json_extract(app.record, $paths) as record_fields
from sync_changes as changes
join loop.sync_delivered as delivered on delivered.sync = $sync and delivered.key = changes.key
join sync_app as app on app.key = changes.key
where app.extracted_at > delivered.confirmed_at
