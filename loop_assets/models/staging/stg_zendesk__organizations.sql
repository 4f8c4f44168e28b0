with source as (
    select * from {{ source('zendesk', 'organizations') }}
),

final as (
    select
        cast(id as bigint) as organization_id,
        name as organization_name,
        nullif(trim(external_id), '') as external_id,
        coalesce(cast(domain_names as varchar[]), []) as domain_names,
        coalesce(cast(tags as varchar[]), []) as tags,
        organization_fields,
        created_at,
        updated_at
    from source
)

select * from final
