{{ config(materialized='incremental', unique_key='job_change_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_job_changes'), 'job_change_id', 'updated_at') }}
)

select
    cast(job_change_id as {{ dbt.type_string() }}) as job_change_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(change_date as date) as change_date,
    {{ clean_category('change_type') }} as change_type,
    {{ clean_category('new_job_family') }} as new_job_family,
    {{ clean_category('new_salary_band') }} as new_salary_band,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
