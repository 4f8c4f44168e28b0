with source as (
    select * from {{ source('stripe', 'customers') }}
)

select
    id as customer_id,
    email
from source
