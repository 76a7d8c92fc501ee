{{ config(materialized='incremental', unique_key='requisition_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_requisitions'), 'requisition_id', 'updated_at') }}
)

select
    cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
    cast(trim(job_title) as {{ dbt.type_string() }}) as job_title,
    {{ clean_category('job_family') }} as job_family,
    {{ clean_category('department') }} as department,
    {{ clean_category('location') }} as location,
    required_skills,
    cast(opened_at as date) as opened_at,
    cast(closed_at as date) as closed_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
