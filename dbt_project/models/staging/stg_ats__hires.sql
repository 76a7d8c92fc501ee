{{ config(materialized='incremental', unique_key='hire_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_hires'), 'hire_id', 'updated_at') }}
)

select
    cast(hire_id as {{ dbt.type_string() }}) as hire_id,
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(offer_accepted_at as {{ dbt.type_timestamp() }}) as offer_accepted_at,
    cast(start_date as date) as start_date,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
