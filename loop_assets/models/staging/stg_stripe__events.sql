with source as (
    select * from {{ source('stripe', 'events') }}
),

final as (
    select
        id as event_id,
        type as event_type,
        object_type,
        object_id,
        api_version,
        data -> '$.previous_attributes' as previous_attributes,
        created as created_at
    from source
)

select * from final
