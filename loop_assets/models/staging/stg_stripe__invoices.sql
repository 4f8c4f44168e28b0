with source as (
    select * from {{ source('stripe', 'invoices') }}
),

final as (
    select
        id as invoice_id,
        customer as customer_id,
        subscription as subscription_id,
        status,
        currency,
        {{ minor_to_major('amount_due') }} as amount_due,
        {{ minor_to_major('amount_paid') }} as amount_paid,
        period_start,
        period_end,
        created as created_at
    from source
)

select * from final
