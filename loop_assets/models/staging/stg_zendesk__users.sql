with source as (
    select * from {{ source('zendesk', 'users') }}
),

renamed as (
    select
        cast(id as bigint) as user_id,
        name as user_name,
        {{ normalized_email('email') }} as email,
        cast(organization_id as bigint) as organization_id,
        nullif(trim(external_id), '') as external_id,
        role,
        role = 'end-user' as is_end_user,
        created_at,
        updated_at
    from source
),

final as (
    select
        *,
        {{ email_domain('email') }} as email_domain
    from renamed
)

select * from final
