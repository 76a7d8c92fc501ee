{{ config(materialized='incremental', unique_key='training_id') }}

with latest as (
    {{ latest_version(source('raw', 'hris_trainings'), 'training_id', 'updated_at') }}
)

select
    cast(training_id as {{ dbt.type_string() }}) as training_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(course as {{ dbt.type_string() }}) as course,
    cast(hours as {{ type_double() }}) as hours,
    cast(completed_at as date) as completed_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
