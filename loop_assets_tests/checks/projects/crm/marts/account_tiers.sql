{{ config(materialized='table') }}

with accounts as (
    select * from {{ ref('accounts') }}
),

final as (
    select tier, count(*) as accounts
    from accounts
    group by tier
)

select * from final
