with source as (
    select * from {{ source('crm', 'orders') }}
)

select * from source
