{{ config(materialized='incremental', unique_key='review_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_performance_reviews'), 'review_id', 'updated_at') }}
)

select
    cast(review_id as {{ dbt.type_string() }}) as review_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(review_date as date) as review_date,
    cast(rating as {{ dbt.type_int() }}) as rating,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
