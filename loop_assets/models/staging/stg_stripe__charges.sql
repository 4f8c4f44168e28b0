with source as (
    select * from {{ source('stripe', 'charges') }}
),

renamed as (
    select
        id as charge_id,
        customer as customer_id,
        status,
        currency,
        {{ minor_to_major('amount') }} as amount,
        {{ minor_to_major('coalesce(amount_captured, 0)') }} as amount_captured,
        {{ minor_to_major('coalesce(amount_refunded, 0)') }} as amount_refunded,
        coalesce(refunded, false) as is_fully_refunded,
        failure_code,
        description,
        created as created_at
    from source
),

final as (
    select
        *,
        -- Only money that was taken and kept is spend: a failed or uncaptured charge captured nothing.
        case when status = 'succeeded' then amount_captured - amount_refunded else 0 end as net_amount
    from renamed
)

select * from final
