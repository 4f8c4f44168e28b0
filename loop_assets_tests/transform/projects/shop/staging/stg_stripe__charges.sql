{{ config(materialized='view') }}

with source as (
    select * from {{ source('stripe', 'charges') }}
),

renamed as (
    select
        id as charge_id,
        customer as customer_id,
        {{ cents_to_dollars('amount') }} as amount,
        status
    from source
)

select * from renamed
