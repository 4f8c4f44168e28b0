with source as (
    select * from {{ source('zendesk', 'organizations') }}
),

domains as (
    select
        cast(id as bigint) as organization_id,
        unnest(cast(domain_names as varchar[])) as domain_name
    from source
),

final as (
    select distinct
        organization_id,
        lower(trim(domain_name)) as domain
    from domains
    where nullif(trim(domain_name), '') is not null
)

select * from final
