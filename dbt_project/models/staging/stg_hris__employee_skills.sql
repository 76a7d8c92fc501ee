{{ config(materialized='incremental', unique_key='employee_skill_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_employee_skills'), 'employee_skill_id', 'updated_at') }}
)

select
    cast(employee_skill_id as {{ dbt.type_string() }}) as employee_skill_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(skill as {{ dbt.type_string() }}) as skill,
    cast(proficiency as {{ dbt.type_int() }}) as proficiency,
    cast(assessed_at as date) as assessed_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
