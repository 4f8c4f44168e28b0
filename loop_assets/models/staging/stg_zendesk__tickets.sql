with source as (
    select * from {{ source('zendesk', 'tickets') }}
),

final as (
    select
        cast(id as bigint) as ticket_id,
        subject,
        status,
        priority,
        type as ticket_type,
        status in ('new', 'open', 'pending', 'hold') as is_open,
        cast(requester_id as bigint) as requester_id,
        cast(submitter_id as bigint) as submitter_id,
        cast(assignee_id as bigint) as assignee_id,
        cast(organization_id as bigint) as organization_id,
        cast(group_id as bigint) as group_id,
        coalesce(cast(tags as varchar[]), []) as tags,
        created_at,
        updated_at
    from source
)

select * from final
