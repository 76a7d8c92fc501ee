{{ config(materialized='incremental', unique_key='response_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_engagement_surveys'), 'response_id', 'updated_at') }}
)

select
    cast(response_id as {{ dbt.type_string() }}) as response_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(survey_date as date) as survey_date,
    cast(engagement_score as {{ type_double() }}) as engagement_score,
    cast(enps as {{ dbt.type_int() }}) as enps,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
