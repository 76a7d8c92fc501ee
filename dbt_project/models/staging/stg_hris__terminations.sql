{{ config(materialized='incremental', unique_key='termination_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_terminations'), 'termination_id', 'updated_at') }}
)

select
    cast(termination_id as {{ dbt.type_string() }}) as termination_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(termination_date as date) as termination_date,
    {{ clean_category('termination_type') }} as termination_type,
    {{ clean_category('reason') }} as reason,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
