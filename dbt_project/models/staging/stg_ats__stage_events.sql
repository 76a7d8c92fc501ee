{{ config(materialized='incremental', unique_key='event_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_stage_events'), 'event_id', 'entered_at') }}
)

select
    cast(event_id as {{ dbt.type_string() }}) as event_id,
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    {{ clean_category('from_stage') }} as from_stage,
    {{ clean_category('to_stage') }} as to_stage,
    cast(entered_at as {{ dbt.type_timestamp() }}) as entered_at,
    _extract_date,
    _loaded_at
from latest
