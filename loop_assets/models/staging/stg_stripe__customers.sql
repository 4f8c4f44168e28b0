with source as (
    select * from {{ source('stripe', 'customers') }}
),

renamed as (
    select
        id as customer_id,
        name as customer_name,
        {{ normalized_email('email') }} as email,
        description,
        currency,
        coalesce(delinquent, false) as is_delinquent,
        metadata ->> '$.tier' as loop_tier,
        metadata ->> '$.score' as loop_score,
        created as created_at
    from source
),

final as (
    select
        *,
        {{ email_domain('email') }} as email_domain
    from renamed
)

select * from final
