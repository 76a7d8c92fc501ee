{{ config(materialized='incremental', unique_key='decision_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_recruiter_decisions'), 'decision_id', 'decided_at') }}
)

select
    cast(decision_id as {{ dbt.type_string() }}) as decision_id,
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    {{ clean_category('decision') }} as decision,
    cast(overrides_ai as {{ dbt.type_boolean() }}) as overrides_ai,
    {{ clean_category('reason_code') }} as reason_code,
    cast(reason_text as {{ dbt.type_string() }}) as reason_text,
    cast(decided_at as {{ dbt.type_timestamp() }}) as decided_at,
    _extract_date,
    _loaded_at
from latest
