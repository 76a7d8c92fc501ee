{{ config(materialized='incremental', unique_key='employee_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_employees'), 'employee_id', 'updated_at') }}
)

select
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(person_key as {{ dbt.type_string() }}) as person_key,
    cast(hire_date as date) as hire_date,
    {{ clean_category('department') }} as department,
    {{ clean_category('job_family') }} as job_family,
    {{ clean_category('location') }} as location,
    cast(manager_id as {{ dbt.type_string() }}) as manager_id,
    {{ clean_category('salary_band') }} as salary_band,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
