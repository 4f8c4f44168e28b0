{{ config(materialized='table') }}

with customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

charges as (
    select * from {{ ref('int_charges_paid') }}
),

final as (
    select
        customers.customer_id,
        customers.email as customer_email,
        count(*) as paid_charges,
        sum(charges.amount) as revenue
    from customers
    join charges on charges.customer_id = customers.customer_id
    group by customers.customer_id, customers.email
)

select * from final
