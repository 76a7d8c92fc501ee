{{ config(materialized='incremental', unique_key='survey_response_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_hiring_manager_surveys'), 'survey_response_id', 'updated_at') }}
)

select
    cast(survey_response_id as {{ dbt.type_string() }}) as survey_response_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(manager_id as {{ dbt.type_string() }}) as manager_id,
    cast(survey_date as date) as survey_date,
    cast(satisfaction as {{ dbt.type_int() }}) as satisfaction,
    cast(answered_at as {{ dbt.type_timestamp() }}) as answered_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
