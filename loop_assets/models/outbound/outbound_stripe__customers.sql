{{ config(materialized='table') }}

-- What stripe__customers_sync writes to customer metadata (strings only, as Stripe stores them).
with account_priority as (
    select * from {{ ref('account_priority') }}
),

final as (
    select
        account_id as customer_id,
        tier as loop_tier,
        cast(score as varchar) as loop_score
    from account_priority
)

select * from final
