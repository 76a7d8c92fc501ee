{{ config(materialized='incremental', unique_key='application_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_applications'), 'application_id', 'updated_at') }}
)

select
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(candidate_id as {{ dbt.type_string() }}) as candidate_id,
    cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
    cast(applied_at as {{ dbt.type_timestamp() }}) as applied_at,
    {{ clean_category('stage') }} as stage,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
