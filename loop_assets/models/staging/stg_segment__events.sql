with source as (
    select * from {{ source('segment', 'events') }}
),

final as (
    select
        message_id,
        type as call_type,
        event as event_name,
        nullif(user_id, '') as user_id,
        nullif(anonymous_id, '') as anonymous_id,
        nullif(trim(group_id), '') as group_id,
        properties ->> '$.feature' as feature,
        {{ normalized_email("traits ->> '$.email'") }} as trait_email,
        {{ email_domain(normalized_email("traits ->> '$.email'")) }} as trait_email_domain,
        -- The day the person acted (the client's clock), not the day Segment received the call.
        {{ utc_day('timestamp') }} as event_day,
        timestamp as event_at,
        received_at,
        _loop_extracted_at as loaded_at
    from source
)

select * from final
